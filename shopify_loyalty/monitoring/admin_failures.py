"""Failed Admin API attempts per shop, recorded as they happen, for the health report."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.db import Database, utcnow
from shopify_loyalty.monitoring.models import AdminApiFailure

log = logging.getLogger(__name__)

KEEP_FOR = timedelta(days=1)
RECENT = timedelta(minutes=15)


@dataclass(frozen=True)
class ShopFailures:
    shop_domain: str
    count: int
    last_at: datetime
    last_kind: str
    last_message: str


def record_admin_failure(
    db: Database, shop_domain: str, kind: str, status: int | None, message: str
) -> None:
    """Store one failed attempt; a database that is away itself must not break the call."""
    try:
        with db.transaction() as session:
            session.add(
                AdminApiFailure(
                    shop_domain=shop_domain,
                    at=utcnow(),
                    kind=kind[:16],
                    status=status,
                    message=message[:1000],
                )
            )
            session.execute(delete(AdminApiFailure).where(AdminApiFailure.at < utcnow() - KEEP_FOR))
    except Exception as error:  # noqa: BLE001 - monitoring is best effort
        log.warning("could not record an Admin API failure for %s: %s", shop_domain, error)


def recent_failures(session: Session, window: timedelta = RECENT) -> list[ShopFailures]:
    """Per shop, the failed attempts of the last ``window``, newest shop first."""
    since = utcnow() - window
    counts = session.execute(
        select(AdminApiFailure.shop_domain, func.count(), func.max(AdminApiFailure.id))
        .where(AdminApiFailure.at >= since)
        .group_by(AdminApiFailure.shop_domain)
    ).all()
    found: list[ShopFailures] = []
    for shop_domain, count, last_id in counts:
        last = session.get(AdminApiFailure, last_id)
        assert last is not None
        found.append(ShopFailures(shop_domain, int(count), last.at, last.kind, last.message))
    return sorted(found, key=lambda failures: failures.last_at, reverse=True)
