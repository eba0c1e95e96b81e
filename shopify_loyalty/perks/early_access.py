"""Early access windows: chosen products or collections that, between two moments, only
the chosen audiences may buy.

Shopify has no "only these customers may buy" switch, so the rule is kept in three places
that agree: customers in a window's audiences carry the ``loyalty-early-access`` tag
(:mod:`shopify_loyalty.perks.early_access_tags`), the theme app block asks
``GET /proxy/api/early-access`` and hides the buy button for everyone else, and a checkout
validation function refuses such carts at checkout (:mod:`shopify_loyalty.perks.checkout_rule`).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.perks.audiences import (
    REFRESH_JOB,
    audiences_of,
    join_audiences,
    parse_audiences,
    split_audiences,
)
from shopify_loyalty.perks.models import EarlyAccessWindow
from shopify_loyalty.perks.offers import parse_moment
from shopify_loyalty.perks.time_box import TimeBox, change_perk, end_perk, has_ended, sync_version
from shopify_loyalty.shops.models import Shop

EARLY_ACCESS_TAG = "loyalty-early-access"
MAX_IDS = 250
MAX_DAYS = 90

SCHEDULED = "scheduled"
OPEN = "open"
ENDED = "ended"


@dataclass(frozen=True)
class Access:
    """What the storefront may do with one product now."""

    restricted: bool
    allowed: bool
    reason: str | None
    window: EarlyAccessWindow | None


def window_status(window: EarlyAccessWindow, now: datetime) -> str:
    if has_ended(window, now):
        return ENDED
    return SCHEDULED if window.starts_at > now else OPEN


def split_ids(stored: str) -> list[int]:
    return [int(item) for item in stored.split(",") if item]


def list_windows(session: Session, shop: Shop) -> list[EarlyAccessWindow]:
    return list(
        session.scalars(
            select(EarlyAccessWindow)
            .where(EarlyAccessWindow.shop_id == shop.id)
            .order_by(EarlyAccessWindow.starts_at.desc(), EarlyAccessWindow.id.desc())
        )
    )


def live_windows(session: Session, shop: Shop, now: datetime) -> list[EarlyAccessWindow]:
    """Windows open now or still to come."""
    return list(
        session.scalars(
            select(EarlyAccessWindow)
            .where(
                EarlyAccessWindow.shop_id == shop.id,
                EarlyAccessWindow.ended_at.is_(None),
                EarlyAccessWindow.ends_at > now,
            )
            .order_by(EarlyAccessWindow.starts_at, EarlyAccessWindow.id)
        )
    )


def find_window(session: Session, shop: Shop, window_id: int) -> EarlyAccessWindow:
    window = session.scalar(
        select(EarlyAccessWindow).where(
            EarlyAccessWindow.shop_id == shop.id, EarlyAccessWindow.id == window_id
        )
    )
    if window is None:
        raise NotFound(f"There is no early access window {window_id}.", field="window_id")
    return window


def create_window(session: Session, shop: Shop, data: Mapping[str, Any]) -> EarlyAccessWindow:
    now = utcnow()
    window = EarlyAccessWindow(
        shop_id=shop.id,
        created_at=now,
        updated_at=now,
        **parse_window(session, shop, data, None, now),
    )
    session.add(window)
    session.flush()
    queue_refresh(session, shop, window)
    return window


def update_window(
    session: Session, shop: Shop, window_id: int, data: Mapping[str, Any]
) -> EarlyAccessWindow:
    now = utcnow()
    window = find_window(session, shop, window_id)
    return change_perk(
        session, shop, WINDOWS, window, lambda: parse_window(session, shop, data, window, now), now
    )


def end_window(session: Session, shop: Shop, window_id: int) -> EarlyAccessWindow:
    return end_perk(session, shop, WINDOWS, find_window(session, shop, window_id), utcnow())


def queue_refresh(session: Session, shop: Shop, window: EarlyAccessWindow) -> None:
    """Refresh audiences and tags now, and again when the window opens and when it closes."""
    version = sync_version(window)
    for label, moment in (("now", None), ("opens", window.starts_at), ("closes", window.ends_at)):
        if moment is not None and moment <= utcnow():
            continue
        enqueue(
            session,
            shop,
            REFRESH_JOB,
            {"window_id": window.id},
            key=f"{REFRESH_JOB}:{window.id}:{version}:{label}",
            run_at=moment,
        )


WINDOWS: TimeBox[EarlyAccessWindow] = TimeBox("window", "window_id", queue_refresh)


def parse_window(
    session: Session,
    shop: Shop,
    data: Mapping[str, Any],
    current: EarlyAccessWindow | None,
    now: datetime,
) -> dict[str, Any]:
    """The window's columns from ``data`` on top of ``current``; errors name their field."""

    def given(name: str, default: Any) -> Any:
        return data[name] if name in data else default

    title = given("title", current.title if current else None)
    if not isinstance(title, str) or not 1 <= len(title.strip()) <= 255:
        raise InvalidInput("title must be text of 1 to 255 characters", field="title")
    products = _ids(
        given("product_ids", split_ids(current.product_ids) if current else []), "product_ids"
    )
    collections = _ids(
        given("collection_ids", split_ids(current.collection_ids) if current else []),
        "collection_ids",
    )
    if not products and not collections:
        raise InvalidInput(
            "product_ids or collection_ids must name at least one product or collection",
            field="product_ids",
        )
    if "audiences" in data or current is None:
        audiences = parse_audiences(session, shop, data.get("audiences"))
    else:
        audiences = split_audiences(current.audiences)
    starts = parse_moment(given("starts_at", current.starts_at if current else None), "starts_at")
    ends = parse_moment(given("ends_at", current.ends_at if current else None), "ends_at")
    if ends <= starts:
        raise InvalidInput("ends_at must be after starts_at", field="ends_at")
    if ends <= now:
        raise InvalidInput("ends_at must be in the future", field="ends_at")
    if ends - starts > timedelta(days=MAX_DAYS):
        raise InvalidInput(
            f"ends_at must be at most {MAX_DAYS} days after starts_at", field="ends_at"
        )
    return {
        "title": title.strip(),
        "product_ids": ",".join(str(i) for i in products),
        "collection_ids": ",".join(str(i) for i in collections),
        "audiences": join_audiences(audiences),
        "starts_at": starts,
        "ends_at": ends,
    }


def _ids(raw: Any, field: str) -> list[int]:
    """Shopify ids as numbers, digit strings or ``gid://shopify/Product/1`` ids."""
    message = f"{field} must be a list of at most {MAX_IDS} Shopify ids"
    if not isinstance(raw, list) or len(raw) > MAX_IDS:
        raise InvalidInput(message, field=field)
    ids: list[int] = []
    for index, item in enumerate(raw):
        number = parse_shopify_id(item)
        if number is None:
            raise InvalidInput(f"{field}[{index}] must be a Shopify id", field=f"{field}[{index}]")
        if number not in ids:
            ids.append(number)
    return ids


def parse_shopify_id(raw: Any) -> int | None:
    if isinstance(raw, int) and not isinstance(raw, bool):
        text = str(raw)
    elif isinstance(raw, str):
        text = raw.rsplit("/", 1)[-1].strip()
    else:
        return None
    if not text.isdigit() or len(text) > 19 or int(text) <= 0:
        return None
    return int(text)


def window_json(window: EarlyAccessWindow, now: datetime) -> dict[str, Any]:
    return {
        "id": window.id,
        "title": window.title,
        "product_ids": [str(i) for i in split_ids(window.product_ids)],
        "collection_ids": [str(i) for i in split_ids(window.collection_ids)],
        "audiences": split_audiences(window.audiences),
        "starts_at": window.starts_at.isoformat(),
        "ends_at": window.ends_at.isoformat(),
        "ended_at": window.ended_at.isoformat() if window.ended_at else None,
        "status": window_status(window, now),
    }


def covers(window: EarlyAccessWindow, product_id: int, collection_ids: Iterable[int]) -> bool:
    """Whether the window holds the product, by itself or through one of its collections."""
    if product_id in split_ids(window.product_ids):
        return True
    return bool(set(split_ids(window.collection_ids)) & set(collection_ids))


def access_for(
    session: Session,
    shop: Shop,
    customer: Customer | None,
    product_id: int,
    collection_ids: Iterable[int],
    now: datetime,
) -> Access:
    """Whether the shopper (None: a guest) may buy the product now.

    A product outside every open window is unrestricted. Inside one, the shopper may buy
    it when they are in the audience of any open window that holds it.
    """
    collections = list(collection_ids)
    holding = [
        window
        for window in live_windows(session, shop, now)
        if window.starts_at <= now and covers(window, product_id, collections)
    ]
    if not holding:
        return Access(restricted=False, allowed=True, reason=None, window=None)
    mine = audiences_of(session, shop, customer)
    for window in holding:
        if mine & set(split_audiences(window.audiences)):
            return Access(restricted=True, allowed=True, reason=None, window=window)
    reason = "login_required" if customer is None else "not_in_audience"
    return Access(restricted=True, allowed=False, reason=reason, window=holding[0])


def windows_for_shopper(
    session: Session, shop: Shop, mine: set[str], now: datetime
) -> list[EarlyAccessWindow]:
    """Open and coming windows a shopper in the audiences ``mine`` has access to."""
    return [
        window
        for window in live_windows(session, shop, now)
        if mine & set(split_audiences(window.audiences))
    ]
