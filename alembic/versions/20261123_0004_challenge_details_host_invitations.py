"""challenge details (themes, tags, audiences, agenda, deadline, team sizes, meeting link), host invitations,
the viewer's time zone, events' themes, and the full-text search index on PostgreSQL

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 16:16:30.183370
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "host_invitations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("host_id", sa.Integer(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("invited_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("accepted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("accepted_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["accepted_by_id"],
            ["accounts.id"],
            name=op.f("fk_host_invitations_accepted_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["host_id"], ["hosts.id"], name=op.f("fk_host_invitations_host_id_hosts"), ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["invited_by_id"],
            ["accounts.id"],
            name=op.f("fk_host_invitations_invited_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_host_invitations")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_host_invitations_token_hash")),
    )
    with op.batch_alter_table("host_invitations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_host_invitations_host_id"), ["host_id"], unique=False)

    op.create_table(
        "agenda_items",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("title", sa.String(length=120), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_agenda_items_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_agenda_items")),
    )
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_agenda_items_challenge_id"), ["challenge_id"], unique=False)

    op.create_table(
        "challenge_labels",
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "theme",
                "tag",
                "audience",
                name="label_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("value", sa.String(length=40), nullable=False),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_labels_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("challenge_id", "kind", "value", name=op.f("pk_challenge_labels")),
    )
    with op.batch_alter_table("challenge_labels", schema=None) as batch_op:
        batch_op.create_index(
            "ix_challenge_labels_kind_value", ["kind", "value", "challenge_id"], unique=False
        )

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("timezone", sa.String(length=64), nullable=True))

    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("meeting_url", sa.String(length=500), nullable=True))
        batch_op.add_column(sa.Column("registration_deadline", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("min_team_size", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("max_team_size", sa.Integer(), nullable=True))
        batch_op.create_check_constraint(
            op.f("ck_challenges_deadline_before_end"),
            "registration_deadline IS NULL OR registration_deadline < ends_at",
        )
        batch_op.create_check_constraint(
            op.f("ck_challenges_team_sizes_ordered"),
            "(min_team_size IS NULL OR min_team_size >= 1) AND (max_team_size IS NULL OR "
            "max_team_size >= COALESCE(min_team_size, 1))",
        )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE INDEX ix_challenges_search ON challenges "
            "USING gin (to_tsvector('simple', title || ' ' || summary || ' ' || description))"
        )

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("themes", sa.JSON(), nullable=False, server_default=sa.text("'[]'")))
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.alter_column("themes", server_default=None)


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_column("themes")

    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP INDEX ix_challenges_search")
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_challenges_team_sizes_ordered"), type_="check")
        batch_op.drop_constraint(op.f("ck_challenges_deadline_before_end"), type_="check")
        batch_op.drop_column("max_team_size")
        batch_op.drop_column("min_team_size")
        batch_op.drop_column("registration_deadline")
        batch_op.drop_column("meeting_url")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("timezone")

    with op.batch_alter_table("challenge_labels", schema=None) as batch_op:
        batch_op.drop_index("ix_challenge_labels_kind_value")

    op.drop_table("challenge_labels")
    with op.batch_alter_table("agenda_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agenda_items_challenge_id"))

    op.drop_table("agenda_items")
    with op.batch_alter_table("host_invitations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_host_invitations_host_id"))

    op.drop_table("host_invitations")
