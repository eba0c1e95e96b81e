"""A points import confirmed after its dry run applies exactly what the dry run showed.

The dry run's plan (each line's email, outcome, customer and points) and the file are
sealed in a digest under the app's secret and the shop. Confirming runs the import for real
and compares: if the file was changed, or the customers changed since (a balance imported
meanwhile, a customer added or removed), the plan differs and the import is refused.
A balance that moved by an order meanwhile does not matter: the credit stays the same.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Sequence

from sqlalchemy.orm import Session

from shopify_loyalty.errors import Conflict
from shopify_loyalty.imports.points_import import ImportRow, import_points
from shopify_loyalty.shops.models import Shop


class ImportChanged(Conflict):
    code = "import_changed"


def import_plan_digest(secret: str, shop: Shop, text: str, rows: Sequence[ImportRow]) -> str:
    """The seal of a dry run: HMAC-SHA256 of the shop, the file and its plan."""
    plan = [[r.line, r.email, r.outcome, r.points, r.shopify_customer_id] for r in rows]
    message = "\n".join(
        (
            "points-import",
            shop.domain,
            hashlib.sha256(text.encode()).hexdigest(),
            json.dumps(plan, separators=(",", ":")),
        )
    )
    return hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()


def confirm_points_import(
    session: Session, shop: Shop, text: str, digest: str, secret: str
) -> list[ImportRow]:
    """Credit the file's balances if they are what the sealed dry run showed.

    Raises :class:`ImportChanged` otherwise; the credits are then in the session and the
    caller must roll back (it commits on success).
    """
    rows = import_points(session, shop, text, dry_run=False)
    if not hmac.compare_digest(import_plan_digest(secret, shop, text, rows), digest):
        raise ImportChanged(
            "The file or your customers changed since the dry run, so nothing was imported. "
            "Check the new dry run below and confirm again.",
            field="digest",
        )
    return rows
