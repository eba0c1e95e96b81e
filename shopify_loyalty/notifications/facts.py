"""The facts shoppers are told about, read from what the program already records.

Each reader returns :class:`Notice` objects for facts recorded since a moment, for some
customers or the whole shop. A notice's key names its fact (a ledger row, an issued code, a
tier move, an expiry reminder, a referral), so the outbox tells each fact once. Only recent
facts are read (see ``outbox.RECENT``): a merchant's first days with notifications never mail
a backlog of old news.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.notifications.kinds import Kind
from shopify_loyalty.orders.records import find_orders
from shopify_loyalty.points.bonuses import signup_key
from shopify_loyalty.points.expiry import upcoming_expiry
from shopify_loyalty.points.ledger import Balance, balance_of, find_entry
from shopify_loyalty.points.models import ExpiryReminder, LedgerEntry
from shopify_loyalty.points.sources import (
    ANNIVERSARY_BONUS,
    BIRTHDAY_BONUS,
    ORDER_REASON,
    Source,
)
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.models import CONVERTED, Referral
from shopify_loyalty.rewards.models import ISSUED, USED, IssuedCode
from shopify_loyalty.rewards.redemption import REDEMPTION
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.cards import STAMP_CARD_SOURCE
from shopify_loyalty.tiers.membership import TIER_REMOVED
from shopify_loyalty.tiers.models import TierMove
from shopify_loyalty.tiers.rules import TierConfig

# The last chance comes this long before points expire (when the warning came earlier).
LAST_CHANCE = timedelta(days=3)

# The sign-up bonus is told by the welcome (see welcome_notice), which needs no bonus.
BONUS_KINDS: dict[str, Kind] = {
    BIRTHDAY_BONUS: Kind.BIRTHDAY,
    ANNIVERSARY_BONUS: Kind.ANNIVERSARY,
}
CODE_KINDS: dict[str, Kind] = {
    REDEMPTION: Kind.REWARD_CODE_ISSUED,
    STAMP_CARD_SOURCE: Kind.STAMP_CARD_COMPLETED,
}


@dataclass(frozen=True)
class Notice:
    kind: Kind
    customer_id: int
    key: str
    data: dict[str, Any] = field(default_factory=dict)


def recent_notices(
    session: Session,
    shop: Shop,
    since: datetime,
    customer_ids: Sequence[int] | None = None,
) -> list[Notice]:
    """Every fact recorded since ``since`` (for ``customer_ids``, or the whole shop)."""
    return [
        *ledger_notices(session, shop, since, customer_ids),
        *program_notices(session, shop, since, customer_ids),
    ]


def program_notices(
    session: Session,
    shop: Shop,
    since: datetime,
    customer_ids: Sequence[int] | None = None,
) -> list[Notice]:
    """The facts both the outbox and the program events tell, beyond the ledger: reward
    codes, tier moves, expiry warnings and converted referrals.

    Most orders make none of them: one statement says which kinds have rows in the window,
    and only those are read (rather than four reads that mostly find nothing).
    """
    codes, tiers, expiries, referrals = session.execute(
        _present_query(customer_ids is not None), _week(shop, since, customer_ids)
    ).one()
    return [
        *(code_notices(session, shop, since, customer_ids) if codes else []),
        *(tier_notices(session, shop, since, customer_ids) if tiers else []),
        *(expiry_warnings(session, shop, since, customer_ids) if expiries else []),
        *(referral_notices(session, shop, since, customer_ids) if referrals else []),
    ]


def welcome_notice(session: Session, shop: Shop, customer: Customer) -> Notice:
    """A new member joined (customers/create): welcomed once, with the sign-up bonus when
    the program gives one and without it when the bonus is 0."""
    bonus = find_entry(session, shop.id, signup_key(customer))
    return Notice(
        Kind.WELCOME,
        customer.id,
        f"welcome:{customer.id}",
        {"points": bonus.points if bonus is not None else 0},
    )


# The week's statements are built once for each shape (the whole shop, or some customers),
# with the shop, the moment and the customers bound at execution: building them cost more
# than running them.


def _scoped(query: Select[Any], column: Any, scoped: bool) -> Select[Any]:
    return query.where(column.in_(bindparam("customer_ids", expanding=True))) if scoped else query


def _week(shop: Shop, since: datetime, customer_ids: Sequence[int] | None) -> dict[str, Any]:
    values: dict[str, Any] = {"shop_id": shop.id, "since": since}
    if customer_ids is not None:
        values["customer_ids"] = list(customer_ids)
    return values


def _since(column: Any) -> Any:
    return column >= bindparam("since", type_=column.type)


@cache
def _ledger_query(scoped: bool) -> Select[Any]:
    query = select(LedgerEntry).where(
        LedgerEntry.shop_id == bindparam("shop_id"),
        _since(LedgerEntry.created_at),
        LedgerEntry.points > 0,
        (
            (LedgerEntry.source == Source.ORDER) & (LedgerEntry.reason == ORDER_REASON)
            | (LedgerEntry.source == Source.BONUS) & LedgerEntry.reason.in_(list(BONUS_KINDS))
        ),
    )
    return _scoped(query, LedgerEntry.customer_id, scoped)


@cache
def _code_query(scoped: bool) -> Select[Any]:
    query = select(IssuedCode).where(
        IssuedCode.shop_id == bindparam("shop_id"),
        _since(IssuedCode.created_at),
        IssuedCode.source.in_(list(CODE_KINDS)),
        IssuedCode.status.in_((ISSUED, USED)),
    )
    return _scoped(query, IssuedCode.customer_id, scoped)


@cache
def _tier_query(scoped: bool) -> Select[Any]:
    query = select(TierMove).where(
        TierMove.shop_id == bindparam("shop_id"),
        _since(TierMove.moved_at),
        TierMove.reason != TIER_REMOVED,
    )
    return _scoped(query, TierMove.customer_id, scoped)


@cache
def _expiry_query(scoped: bool) -> Select[Any]:
    query = select(ExpiryReminder).where(
        ExpiryReminder.shop_id == bindparam("shop_id"), _since(ExpiryReminder.created_at)
    )
    return _scoped(query, ExpiryReminder.customer_id, scoped)


@cache
def _referral_query(scoped: bool) -> Select[Any]:
    query = select(Referral).where(
        Referral.shop_id == bindparam("shop_id"),
        _since(Referral.created_at),
        Referral.status == CONVERTED,
    )
    if scoped:
        customers: BindParameter[Any] = bindparam("customer_ids", expanding=True)
        query = query.where(
            Referral.friend_customer_id.in_(customers)
            | Referral.referrer_customer_id.in_(customers)
        )
    return query


@cache
def _present_query(scoped: bool) -> Select[bool, bool, bool, bool]:
    # The four reads below as EXISTS, same bound values: which of them would find rows.
    return select(
        _code_query(scoped).exists(),
        _tier_query(scoped).exists(),
        _expiry_query(scoped).exists(),
        _referral_query(scoped).exists(),
    )


def _told_by_ledger_notices(entry: LedgerEntry) -> bool:
    """What ``_ledger_query`` asks of a row, beyond its shop, customers and window."""
    return entry.points > 0 and (
        (entry.source == Source.ORDER and entry.reason == ORDER_REASON)
        or (entry.source == Source.BONUS and entry.reason in BONUS_KINDS)
    )


def ledger_notices(
    session: Session,
    shop: Shop,
    since: datetime,
    customer_ids: Sequence[int] | None,
    balances: dict[int, Balance] | None = None,
    week: Sequence[LedgerEntry] | None = None,
) -> list[Notice]:
    """Points earned on an order, and the birthday and anniversary bonuses.

    ``balances`` (customer id to balance) are the balances read so far, read and kept
    there for the customers it lacks, for a caller that tells more than these notices.
    ``week`` is a caller's read of the same window's ledger rows, at least those these
    notices tell, in id order (see ``program_events.telling``): they are picked from it
    rather than read again.
    """
    if week is None:
        query = _ledger_query(customer_ids is not None)
        entries = list(session.scalars(query, _week(shop, since, customer_ids)))
    else:
        entries = [entry for entry in week if _told_by_ledger_notices(entry)]
    # One balance per customer and one read of the orders, however many rows the week has.
    balances = {} if balances is None else balances
    orders = find_orders(
        session, shop, {e.shopify_order_id for e in entries if e.shopify_order_id is not None}
    )
    notices = []
    for entry in entries:
        kind = Kind.POINTS_EARNED if entry.source == Source.ORDER else BONUS_KINDS[entry.reason]
        if entry.customer_id not in balances:
            customer = session.get(Customer, entry.customer_id)
            assert customer is not None
            balances[entry.customer_id] = balance_of(session, customer)
        balance = balances[entry.customer_id]
        data: dict[str, Any] = {
            "points": entry.points,
            "balance": balance.available,
            "pending": balance.pending,
            "available_on": entry.available_at.date().isoformat(),
        }
        if entry.shopify_order_id is not None:
            order = orders.get(entry.shopify_order_id)
            data["order_name"] = (
                order.name if order is not None and order.name else f"#{entry.shopify_order_id}"
            )
        notices.append(Notice(kind, entry.customer_id, f"ledger:{entry.id}", data))
    return notices


def code_notices(
    session: Session, shop: Shop, since: datetime, customer_ids: Sequence[int] | None
) -> list[Notice]:
    """Reward codes from a redemption or a full stamp card, once Shopify has them."""
    query = _code_query(customer_ids is not None)
    return [
        Notice(
            CODE_KINDS[code.source],
            code.customer_id,
            f"code:{code.id}",
            {
                "code": code.code,
                "title": code.title,
                "points_spent": code.points_spent,
                "ends_on": code.ends_at.date().isoformat() if code.ends_at else None,
            },
        )
        for code in session.scalars(query, _week(shop, since, customer_ids))
    ]


def tier_notices(
    session: Session, shop: Shop, since: datetime, customer_ids: Sequence[int] | None
) -> list[Notice]:
    """Moves up or down between tiers. A tier the merchant removed moves its members without
    anything they did, so that move is not announced."""
    query = _tier_query(customer_ids is not None)
    moves = list(session.scalars(query, _week(shop, since, customer_ids)))
    if not moves:
        return []
    config = load(session, shop, TierConfig)
    notices = []
    for move in moves:
        up = config.rank(move.to_tier) > config.rank(move.from_tier)
        to_level, from_level = config.level(move.to_tier), config.level(move.from_tier)
        notices.append(
            Notice(
                Kind.TIER_UP if up else Kind.TIER_DOWN,
                move.customer_id,
                f"tier:{move.id}",
                {
                    "tier": to_level.name if to_level else None,
                    "previous_tier": from_level.name if from_level else None,
                    "discount_percent": _percent(to_level.discount_percent) if to_level else None,
                },
            )
        )
    return notices


def _percent(value: Decimal) -> str:
    """5.00 -> "5", 7.50 -> "7.5": how people write a discount."""
    return f"{value.normalize():f}"


def expiry_warnings(
    session: Session, shop: Shop, since: datetime, customer_ids: Sequence[int] | None
) -> list[Notice]:
    """The first warning that points will expire, when the reminder is written."""
    query = _expiry_query(customer_ids is not None)
    return [
        _expiry_notice(Kind.POINTS_EXPIRING, reminder)
        for reminder in session.scalars(query, _week(shop, since, customer_ids))
    ]


def last_chances(session: Session, shop: Shop, now: datetime) -> list[Notice]:
    """Points expiring within :data:`LAST_CHANCE` of ``now`` whose expiry is still to come,
    when the warning came before that window (else the warning was the last chance)."""
    reminders = session.scalars(
        select(ExpiryReminder).where(
            ExpiryReminder.shop_id == shop.id,
            ExpiryReminder.expires_at > now,
            ExpiryReminder.expires_at <= now + LAST_CHANCE,
        )
    )
    notices = []
    for reminder in reminders:
        if reminder.created_at >= reminder.expires_at - LAST_CHANCE:
            continue
        customer = session.get(Customer, reminder.customer_id)
        current = upcoming_expiry(session, customer) if customer else None
        if current is None or current.id != reminder.id:
            continue
        notices.append(_expiry_notice(Kind.POINTS_LAST_CHANCE, reminder))
    return notices


def _expiry_notice(kind: Kind, reminder: ExpiryReminder) -> Notice:
    prefix = "expiry_warning" if kind is Kind.POINTS_EXPIRING else "expiry_last_chance"
    return Notice(
        kind,
        reminder.customer_id,
        f"{prefix}:{reminder.id}",
        {"points": reminder.points, "expires_on": reminder.expires_at.date().isoformat()},
    )


def referral_notices(
    session: Session, shop: Shop, since: datetime, customer_ids: Sequence[int] | None
) -> list[Notice]:
    """A friend's first order converted: the referrer is told (the friend's name is not)."""
    query = _referral_query(customer_ids is not None)
    return [
        Notice(
            Kind.REFERRAL_CONVERTED,
            referral.referrer_customer_id,
            f"referral:{referral.id}",
            {"points": referral.referrer_points},
        )
        for referral in session.scalars(query, _week(shop, since, customer_ids))
    ]
