"""the version of the privacy notice each consent was given to (terms at sign-up, contact by hosts)

Consents given before this revision keep a NULL version: they were given to a notice without a number.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-23 20:05:50.677465
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op


revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.add_column(sa.Column("terms_version", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("contact_consent_version", sa.String(length=20), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("accounts", schema=None) as batch_op:
        batch_op.drop_column("contact_consent_version")
        batch_op.drop_column("terms_version")
