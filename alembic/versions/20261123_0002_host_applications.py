"""host applications

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23 14:33:01.442634
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("contact_email", sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column("applied_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("decision_reason", sa.Text(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_hosts_applied_by_id_accounts"),
            "accounts",
            ["applied_by_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:

    with op.batch_alter_table("hosts", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_hosts_applied_by_id_accounts"), type_="foreignkey")
        batch_op.drop_column("decision_reason")
        batch_op.drop_column("decided_at")
        batch_op.drop_column("applied_by_id")
        batch_op.drop_column("contact_email")
