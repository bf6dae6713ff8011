"""challenge lifecycle

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 15:16:58.245096
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "challenge_notices",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("challenge_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "cancelled",
                "time_changed",
                "place_changed",
                name="challenge_notice_kind",
                native_enum=False,
                create_constraint=True,
                length=20,
            ),
            nullable=False,
        ),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["challenge_id"],
            ["challenges.id"],
            name=op.f("fk_challenge_notices_challenge_id_challenges"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["accounts.id"],
            name=op.f("fk_challenge_notices_created_by_id_accounts"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_challenge_notices")),
    )
    with op.batch_alter_table("challenge_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_challenge_notices_challenge_id"), ["challenge_id"], unique=False)

    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.add_column(sa.Column("cancelled_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("cancellation_message", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("challenges", schema=None) as batch_op:
        batch_op.drop_column("cancellation_message")
        batch_op.drop_column("cancelled_at")

    with op.batch_alter_table("challenge_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_challenge_notices_challenge_id"))

    op.drop_table("challenge_notices")
