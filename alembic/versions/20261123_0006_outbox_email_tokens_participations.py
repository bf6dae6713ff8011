"""outbox, e-mail tokens, event participations (the per-event limit of challenges per participant),
profile consent and account deletion

Existing active registrations are counted into event_participations; someone already above the limit keeps
what they hold (max_held is raised to it) but can join nothing more.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23 17:15:36.024937
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "email_tokens",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column(
            "purpose",
            sa.Enum(
                "verify_email",
                "reset_password",
                name="email_token_purpose",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("used_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_email_tokens_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_email_tokens")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_email_tokens_token_hash")),
    )
    with op.batch_alter_table("email_tokens", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_email_tokens_account_id"), ["account_id"], unique=False)

    op.create_table(
        "event_participations",
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("held", sa.Integer(), nullable=False),
        sa.Column("max_held", sa.Integer(), nullable=True),
        sa.CheckConstraint("held >= 0", name=op.f("ck_event_participations_held_not_negative")),
        sa.CheckConstraint(
            "max_held IS NULL OR held <= max_held", name=op.f("ck_event_participations_within_limit")
        ),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_event_participations_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["events.id"],
            name=op.f("fk_event_participations_event_id_events"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("event_id", "account_id", name=op.f("pk_event_participations")),
    )
    with op.batch_alter_table("event_participations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_participations_account_id"), ["account_id"], unique=False)

    op.create_table(
        "outbox_messages",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("to_address", sa.String(length=254), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("subject", sa.String(length=300), nullable=False),
        sa.Column("text_body", sa.Text(), nullable=False),
        sa.Column("html_body", sa.Text(), nullable=False),
        sa.Column("attachments", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("attempts", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["accounts.id"],
            name=op.f("fk_outbox_messages_account_id_accounts"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_messages")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_outbox_messages_dedupe_key")),
    )
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_outbox_messages_account_id"), ["account_id"], unique=False)
        batch_op.create_index("ix_outbox_messages_due", ["sent_at", "next_attempt_at"], unique=False)

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_consent_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))

    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "max_challenges_per_participant", sa.Integer(), server_default=sa.text("1"), nullable=True
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_events_max_challenges_positive"),
            "max_challenges_per_participant IS NULL OR max_challenges_per_participant >= 1",
        )

    op.execute(
        """
        INSERT INTO event_participations (event_id, account_id, held, max_held)
        SELECT c.event_id, r.account_id, COUNT(*),
               CASE WHEN e.max_challenges_per_participant IS NULL THEN NULL
                    WHEN COUNT(*) > e.max_challenges_per_participant THEN COUNT(*)
                    ELSE e.max_challenges_per_participant END
        FROM registrations r
        JOIN challenges c ON c.id = r.challenge_id
        JOIN events e ON e.id = c.event_id
        WHERE r.status <> 'cancelled'
        GROUP BY c.event_id, r.account_id, e.max_challenges_per_participant
        """
    )


def downgrade() -> None:
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_events_max_challenges_positive"), type_="check")
        batch_op.drop_column("max_challenges_per_participant")

    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("contact_consent_at")

    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_due")
        batch_op.drop_index(batch_op.f("ix_outbox_messages_account_id"))

    op.drop_table("outbox_messages")
    with op.batch_alter_table("event_participations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_participations_account_id"))

    op.drop_table("event_participations")
    with op.batch_alter_table("email_tokens", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_email_tokens_account_id"))

    op.drop_table("email_tokens")
