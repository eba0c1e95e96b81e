"""admin terms: the program's terms and conditions, in numbered versions

Adds ``terms_versions``: per shop and language (en, de) each published text of the
program's terms with its version number, author (a staff member) and date. Rows are only
ever added.

Revision ID: 0008_admin_terms
Revises: 0007_storefront
Create Date: 2026-11-23 13:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_admin_terms"
down_revision: str | None = "0007_storefront"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "terms_versions",
        sa.Column("id", ID, nullable=False),
        sa.Column("shop_id", ID, nullable=False),
        sa.Column("locale", sa.String(length=8), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("author", sa.String(length=191), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["shop_id"],
            ["shops.id"],
            name=op.f("fk_terms_versions_shop_id_shops"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_terms_versions")),
        sa.UniqueConstraint(
            "shop_id", "locale", "version", name=op.f("uq_terms_versions_shop_id_locale_version")
        ),
    )


def downgrade() -> None:
    op.drop_table("terms_versions")
