"""announcements to a challenge's participants or an edition's hosts and participants

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04 13:29:05.027307
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "announcements",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=True),
        sa.Column("author_id", sa.Integer(), nullable=True),
        sa.Column(
            "audience",
            sa.Enum(
                "challenge_all",
                "challenge_confirmed",
                "challenge_waitlisted",
                "challenge_checked_in",
                "event_hosts",
                "event_participants",
                "event_confirmed",
                "event_waitlisted",
                "event_checked_in",
                name="announcement_audience",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("subject", sa.String(length=150), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("recipient_count", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "(challenge_id IS NULL) = (audience IN ('event_hosts', 'event_participants', 'event_confirmed', "
            "'event_waitlisted', 'event_checked_in'))",
            name=op.f("ck_announcements_scope_matches_audience"),
        ),
        sa.CheckConstraint("recipient_count >= 1", name=op.f("ck_announcements_recipients_positive")),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["accounts.id"],
            name=op.f("fk_announcements_author_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_announcements_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"], ["events.id"], name=op.f("fk_announcements_event_id_events"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_announcements")),
    )
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_announcements_author_id"), ["author_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_announcements_challenge_id"), ["challenge_id"], unique=False)
        batch_op.create_index("ix_announcements_event_created", ["event_id", "created_at"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("announcements", schema=None) as batch_op:
        batch_op.drop_index("ix_announcements_event_created")
        batch_op.drop_index(batch_op.f("ix_announcements_challenge_id"))
        batch_op.drop_index(batch_op.f("ix_announcements_author_id"))

    op.drop_table("announcements")
