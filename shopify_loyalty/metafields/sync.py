"""Keeping the customer metafields at Shopify in step with the program, cheaply.

Whatever may change a customer's balance, tier, stamps or stage marks the customer stale
(:func:`mark_metafields_stale`, in the caller's transaction) and makes sure one flush job is
waiting for the shop, :data:`FLUSH_DELAY` ahead. Events arriving meanwhile find that job
waiting and add nothing, so a burst of events for one customer (an order paid, its stamp,
its tier move) is written once, with the values after the burst. The flush compares the
current values with what Shopify last got and writes only the changed ones, through
``metafieldsSet`` in calls of at most :data:`BATCH_LIMIT` metafields (Shopify's limit),
through the Admin client, which waits when the shop's cost bucket runs low.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import job
from shopify_loyalty.metafields.models import CustomerMetafieldSync
from shopify_loyalty.metafields.specs import NAMESPACE, TYPES
from shopify_loyalty.metafields.stale import FLUSH_JOB, schedule_flush, write_stale_marks
from shopify_loyalty.metafields.values import current_values
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminClient
from shopify_loyalty.shops.models import Shop

BATCH_LIMIT = 25
FLUSH_ROWS = 200

SET_METAFIELDS = """
mutation MetafieldsSet($metafields: [MetafieldsSetInput!]!) {
  metafieldsSet(metafields: $metafields) {
    metafields { key namespace value }
    userErrors { field message code elementIndex }
  }
}
"""

DELETE_METAFIELDS = """
mutation MetafieldsDelete($metafields: [MetafieldIdentifierInput!]!) {
  metafieldsDelete(metafields: $metafields) {
    deletedMetafields { key namespace ownerId }
    userErrors { field message }
  }
}
"""


@dataclass
class PendingWrite:
    """One stale customer's changed values, read before the calls to Shopify."""

    row_id: int
    stale_since: datetime | None
    owner_id: str
    changes: dict[str, str | None]
    error: str | None = None
    done: bool = False
    entries: list[dict[str, Any]] = field(default_factory=list)


@job(FLUSH_JOB)
def flush_metafields(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    from shopify_loyalty.shops.install import admin_client

    with services.db.transaction() as session:
        shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
        if shop is None:
            return
        writes, more = _read_stale(session, shop)
    if writes:
        try:
            _write(admin_client(services, shop_domain), writes)
        finally:
            with services.db.transaction() as session:
                _record(session, writes)
    if more:
        with services.db.transaction() as session:
            shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
            schedule_flush(session, shop, utcnow(), delay=timedelta(0))


def _read_stale(session: Session, shop: Shop) -> tuple[list[PendingWrite], bool]:
    # Marks this transaction made wait for its commit: written first, they are read too.
    write_stale_marks(session)
    rows = list(
        session.scalars(
            select(CustomerMetafieldSync)
            .where(
                CustomerMetafieldSync.shop_id == shop.id,
                CustomerMetafieldSync.stale_since.is_not(None),
            )
            .order_by(CustomerMetafieldSync.stale_since)
            .limit(FLUSH_ROWS + 1)
        )
    )
    more = len(rows) > FLUSH_ROWS
    writes = []
    for row in rows[:FLUSH_ROWS]:
        customer = session.get(Customer, row.customer_id)
        if customer is None or customer.redacted_at is not None or customer.deleted_at is not None:
            row.stale_since = None
            continue
        written: dict[str, Any] = json.loads(row.written or "{}")
        values = current_values(session, shop, customer)
        changes = {
            key: value
            for key, value in values.items()
            if written.get(key) != value and not (value is None and key not in written)
        }
        if not changes:
            row.stale_since = None
            continue
        writes.append(
            PendingWrite(
                row.id,
                row.stale_since,
                f"gid://shopify/Customer/{customer.shopify_customer_id}",
                changes,
            )
        )
    return writes, more


def _chunks(items: Sequence[Any], size: int) -> list[Sequence[Any]]:
    return [items[start : start + size] for start in range(0, len(items), size)]


def _write(client: AdminClient, writes: list[PendingWrite]) -> None:
    """Set the changed values, 25 metafields a call, and delete the ones now empty.

    ``metafieldsSet`` is atomic: one refused entry (a customer deleted at Shopify) stores
    none of the call, so the refused customers are left out and the rest sent again."""
    sets = [
        (
            write,
            {
                "ownerId": write.owner_id,
                "namespace": NAMESPACE,
                "key": key,
                "type": TYPES[key],
                "value": value,
            },
        )
        for write in writes
        for key, value in write.changes.items()
        if value is not None
    ]
    for chunk in _chunks(sets, BATCH_LIMIT):
        batch = list(chunk)
        while batch:
            data = client.execute(SET_METAFIELDS, {"metafields": [entry for _, entry in batch]})
            errors = (data.get("metafieldsSet") or {}).get("userErrors") or []
            if not errors:
                break
            refused = set()
            for error in errors:
                index = error.get("elementIndex")
                if isinstance(index, int) and 0 <= index < len(batch):
                    owner = batch[index][0]
                    owner.error = str(error.get("message"))
                    refused.add(id(owner))
            if not refused:
                for owner, _ in batch:
                    owner.error = "; ".join(str(error.get("message")) for error in errors)
                batch = []
                break
            batch = [(owner, entry) for owner, entry in batch if id(owner) not in refused]
    deletes = [
        (write, {"ownerId": write.owner_id, "namespace": NAMESPACE, "key": key})
        for write in writes
        for key, value in write.changes.items()
        if value is None and write.error is None
    ]
    for chunk in _chunks(deletes, BATCH_LIMIT):
        client.execute(DELETE_METAFIELDS, {"metafields": [entry for _, entry in chunk]})
    for write in writes:
        write.done = True


def _record(session: Session, writes: list[PendingWrite]) -> None:
    """Remember what Shopify now holds; a customer marked again meanwhile stays stale."""
    now = utcnow()
    write_stale_marks(session)
    for write in writes:
        row = session.get(CustomerMetafieldSync, write.row_id)
        if row is None or not write.done:
            continue
        if write.error is None:
            written: dict[str, Any] = json.loads(row.written or "{}")
            for key, value in write.changes.items():
                if value is None:
                    written.pop(key, None)
                else:
                    written[key] = value
            row.written = json.dumps(written, sort_keys=True)
            row.written_at = now
            row.last_error = None
        else:
            row.last_error = write.error[:1000]
        if row.stale_since == write.stale_since:
            row.stale_since = None
