"""Rate limits on the storefront's writes, per shopper and per shop, kept in the database.

Each write counts one hit in a fixed one-minute window for the shopper and one for the shop;
a shopper over ``SHOPPER_WRITES_PER_MINUTE`` or a shop over ``SHOP_WRITES_PER_MINUTE`` is
refused until the window ends. Hits are counted with one atomic upsert, so any number of
web processes share the counters. A refused shopper's hits do not count against the shop,
so one noisy shopper cannot lock out everybody else. Counters older than an hour are
deleted as new ones are written.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.storefront.models import RateLimitCounter

WINDOW = timedelta(minutes=1)
SHOPPER_WRITES_PER_MINUTE = 10
SHOP_WRITES_PER_MINUTE = 300
KEEP_COUNTERS = timedelta(hours=1)
SHOP_KEY = "shop"


def shopper_key(shopify_customer_id: int) -> str:
    return f"shopper:{shopify_customer_id}"


def count_write(
    session: Session, shop: Shop, shopify_customer_id: int, *, now: datetime | None = None
) -> int | None:
    """Count one write of the shopper; the seconds to wait when a limit is exceeded, else
    None. The caller commits either way, so refused attempts are counted too."""
    moment = now or utcnow()
    start = window_start(moment)
    session.execute(
        delete(RateLimitCounter).where(
            RateLimitCounter.shop_id == shop.id,
            RateLimitCounter.window_start < moment - KEEP_COUNTERS,
        )
    )
    wait = max(1, math.ceil((start + WINDOW - moment).total_seconds()))
    if hit(session, shop, shopper_key(shopify_customer_id), start) > SHOPPER_WRITES_PER_MINUTE:
        return wait
    if hit(session, shop, SHOP_KEY, start) > SHOP_WRITES_PER_MINUTE:
        return wait
    return None


def window_start(moment: datetime) -> datetime:
    seconds = WINDOW.total_seconds()
    return datetime.fromtimestamp(moment.timestamp() // seconds * seconds, tz=moment.tzinfo)


def hit(session: Session, shop: Shop, key: str, start: datetime) -> int:
    """Add one hit to the counter of ``key`` in the window starting at ``start``; the hits
    of that window so far, this one included."""
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RateLimitCounter)
        .values(shop_id=shop.id, limit_key=key, window_start=start, hits=1)
        .on_conflict_do_update(
            index_elements=["shop_id", "limit_key", "window_start"],
            set_={"hits": RateLimitCounter.hits + 1},
        )
        .returning(RateLimitCounter.hits)
    )
    return int(session.execute(statement).scalar_one())
