"""Which tier a customer holds, and how they move: up at once, down only after grace.

- A paid order that lifts the customer's qualifying value to a higher tier moves them up
  at once (skipping tiers if it reaches past them); each tier's entry reward is given once
  per customer and tier, for skipped tiers too, pending for the returns window. If a
  re-evaluation finds the customer below a tier while its reward is still pending (the
  orders were returned), the reward is withdrawn.
- Nothing moves a customer down but the periodic re-evaluation: the first one that finds
  them below their tier's threshold starts the grace clock; one that finds them still
  below when ``grace_days`` have passed moves them down to the tier they now qualify for
  (one or more tiers, or none). Qualifying again stops the clock.
- A customer whose tier the merchant removed is placed in the tier they qualify for.
Every move is recorded in ``tier_moves`` and queues the sync of the customer's tag.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import created_in_this_transaction
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.metafields.stale import mark_metafields_stale
from shopify_loyalty.orders.records import orders_of_created_customer
from shopify_loyalty.perks.audiences import queue_refresh_after_tier_move
from shopify_loyalty.points.ledger import append_entry, find_entry
from shopify_loyalty.points.rules import PointsConfig
from shopify_loyalty.points.sources import Source
from shopify_loyalty.programs.config import load
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.models import TierMembership, TierMove
from shopify_loyalty.tiers.qualifying import (
    TIER_ENTRY_BONUS,
    qualifying_value,
    qualifying_values,
    value_of_orders,
)
from shopify_loyalty.tiers.rules import TierConfig, TierLevel
from shopify_loyalty.tiers.tier_discounts import queue_program_sync
from shopify_loyalty.transaction_memo import transaction_memo

REEVALUATION_BATCH = 200
# The memberships this transaction inserted, by customer id.
CREATED_MEMO = "tiers.memberships_created"

ORDER = "order"
REEVALUATION = "reevaluation"
GRACE_EXPIRED = "grace_expired"
TIER_REMOVED = "tier_removed"


@dataclass(frozen=True)
class ReevaluationSummary:
    evaluated: int
    upgraded: int
    downgraded: int
    grace_started: int
    replaced: int  # members of a tier the merchant removed, placed again


def membership_of(
    session: Session, shop: Shop, customer: Customer, *, lock: bool = False
) -> TierMembership | None:
    """The customer's membership row (locked with ``lock``); None before their first.

    A customer this transaction created has none but the one it made itself: no other
    transaction can point a row at them yet.
    """
    if created_in_this_transaction(session, customer):
        made: dict[int, TierMembership] = transaction_memo(session, CREATED_MEMO)
        return made.get(customer.id)
    return session.scalar(_membership_query(lock), {"shop_id": shop.id, "customer_id": customer.id})


@cache
def _membership_query(lock: bool) -> Select[TierMembership]:
    # Built once, values bound at execution: building it cost more than sending it.
    query = select(TierMembership).where(
        TierMembership.shop_id == bindparam("shop_id"),
        TierMembership.customer_id == bindparam("customer_id"),
    )
    return query.with_for_update() if lock else query


def current_level(
    session: Session, shop: Shop, customer: Customer, config: TierConfig | None = None
) -> TierLevel | None:
    """The customer's tier as the merchant configures it now (None: no tier)."""
    membership = membership_of(session, shop, customer)
    if membership is None or membership.tier_key is None:
        return None
    return (config or load(session, shop, TierConfig)).level(membership.tier_key)


def tier_name(session: Session, shop: Shop, customer: Customer) -> str | None:
    level = current_level(session, shop, customer)
    return level.name if level is not None else None


def points_multiplier(session: Session, shop: Shop, customer: Customer) -> Decimal:
    """The multiplier of the customer's tier on points earned; 1 without a tier."""
    level = current_level(session, shop, customer)
    return level.points_multiplier if level is not None else Decimal(1)


@dataclass(frozen=True)
class TierProgress:
    """Where a customer stands on the tier ladder, for the storefront and the admin.

    ``to_next`` is what is still needed for the next tier (spend in the shop's currency,
    orders or points, per ``basis``); ``downgrade_at`` is set while the grace clock runs.
    """

    basis: str
    tier: TierLevel | None
    next_tier: TierLevel | None
    qualifying_value: Decimal
    to_next: Decimal | None
    downgrade_at: datetime | None


def tier_progress(
    session: Session, shop: Shop, customer: Customer, *, now: datetime | None = None
) -> TierProgress:
    return progress_of_membership(
        session, shop, customer, membership_of(session, shop, customer), now=now
    )


def progress_of_membership(
    session: Session,
    shop: Shop,
    customer: Customer,
    membership: TierMembership | None,
    *,
    now: datetime | None = None,
) -> TierProgress:
    """:func:`tier_progress` of a customer whose membership row (or None) the caller read."""
    config = load(session, shop, TierConfig)
    moment = now or utcnow()
    level = config.level(membership.tier_key) if membership is not None else None
    value = qualifying_value(session, shop, customer, config, moment)
    rank = config.rank(level.key) if level is not None else 0
    next_tier = config.tiers[rank] if rank < len(config.tiers) else None
    downgrade_at = None
    if membership is not None and membership.below_since is not None and level is not None:
        downgrade_at = membership.below_since + timedelta(days=config.grace_days)
    return TierProgress(
        basis=config.basis,
        tier=level,
        next_tier=next_tier,
        qualifying_value=value,
        to_next=max(next_tier.threshold - value, Decimal("0.00")) if next_tier else None,
        downgrade_at=downgrade_at,
    )


def evaluate_tier_after_order(
    session: Session, shop: Shop, customer: Customer, *, now: datetime | None = None
) -> TierMove | None:
    """Move the customer up at once if their orders now reach a higher tier.

    Runs in the order's transaction; never moves anyone down. Returns the move, if any.
    """
    config = load(session, shop, TierConfig)
    if not config.tiers:
        return None
    moment = now or utcnow()
    membership = membership_of(session, shop, customer, lock=True)
    # A member this event created has no orders but the ones it recorded: their value is
    # known without reading the orders back.
    orders = orders_of_created_customer(session, customer)
    known = value_of_orders(config, customer, orders, moment) if orders is not None else None
    value = (
        known if known is not None else qualifying_value(session, shop, customer, config, moment)
    )
    target = config.qualifying_level(value)
    if membership is None:
        if target is None:
            return None
        membership = _membership_for_update(session, shop, customer, moment)
    current_rank = config.rank(membership.tier_key)
    target_rank = config.rank(target.key) if target else 0
    membership.evaluated_at = moment
    if membership.tier_key is not None and current_rank == 0:
        return _move(
            session, shop, config, customer, membership, target, TIER_REMOVED, value, moment
        )
    if target_rank >= current_rank:
        membership.below_since = None
    if target_rank > current_rank:
        return _move(session, shop, config, customer, membership, target, ORDER, value, moment)
    return None


def reevaluate_tiers(services: Services, shop_domain: str, now: datetime) -> ReevaluationSummary:
    """Re-judge every member (and every customer who now qualifies) at ``now``.

    Upgrades happen at once; downgrades follow the grace rule in the module docstring.
    Works in batches, each its own transaction, so a large shop never holds one long lock.
    """
    with services.db.transaction() as session:
        shop = session.scalars(select(Shop).where(Shop.domain == shop_domain)).one()
        config = load(session, shop, TierConfig)
        member_ids = set(
            session.scalars(
                select(TierMembership.customer_id).where(
                    TierMembership.shop_id == shop.id,
                    (TierMembership.tier_key.is_not(None))
                    | (TierMembership.below_since.is_not(None)),
                )
            )
        )
        qualifying: set[int] = set()
        if config.tiers:
            qualifying = set(
                qualifying_values(session, shop, config, now, at_least=config.tiers[0].threshold)
            )
        shop_id = shop.id
    candidates = sorted(member_ids | qualifying)
    upgraded = downgraded = grace_started = replaced = 0
    for start in range(0, len(candidates), REEVALUATION_BATCH):
        batch = candidates[start : start + REEVALUATION_BATCH]
        with services.db.transaction() as session:
            shop = session.get_one(Shop, shop_id)
            values = qualifying_values(session, shop, config, now, batch)
            for customer in session.scalars(
                select(Customer).where(Customer.shop_id == shop.id, Customer.id.in_(batch))
            ):
                if customer.deleted_at is not None or customer.redacted_at is not None:
                    continue
                outcome = _reevaluate_one(
                    session, shop, config, customer, values.get(customer.id), now
                )
                upgraded += outcome == "up"
                downgraded += outcome == "down"
                grace_started += outcome == "grace"
                replaced += outcome == "replaced"
    return ReevaluationSummary(len(candidates), upgraded, downgraded, grace_started, replaced)


def _reevaluate_one(
    session: Session,
    shop: Shop,
    config: TierConfig,
    customer: Customer,
    estimate: Decimal | None,
    now: datetime,
) -> str | None:
    membership = membership_of(session, shop, customer)
    if not _may_change(config, membership, estimate or Decimal(0)):
        if membership is not None:
            membership.evaluated_at = now
        return None
    # The estimate came from a batch query; judge again under the row lock so an order
    # being applied right now is counted.
    membership = _membership_for_update(session, shop, customer, now)
    value = qualifying_value(session, shop, customer, config, now)
    target = config.qualifying_level(value)
    current_rank = config.rank(membership.tier_key)
    target_rank = config.rank(target.key) if target else 0
    membership.evaluated_at = now
    if membership.tier_key is not None and current_rank == 0:
        _move(session, shop, config, customer, membership, target, TIER_REMOVED, value, now)
        return "replaced"
    if target_rank > current_rank:
        _move(session, shop, config, customer, membership, target, REEVALUATION, value, now)
        return "up"
    if target_rank == current_rank:
        membership.below_since = None
        return None
    _withdraw_pending_entry_rewards(session, shop, config, customer, target_rank, current_rank, now)
    if membership.below_since is None:
        membership.below_since = now
        if config.grace_days > 0:
            return "grace"
    if now >= membership.below_since + timedelta(days=config.grace_days):
        _move(session, shop, config, customer, membership, target, GRACE_EXPIRED, value, now)
        return "down"
    return None


def _may_change(config: TierConfig, membership: TierMembership | None, value: Decimal) -> bool:
    current = membership.tier_key if membership is not None else None
    target = config.qualifying_level(value)
    if current is not None and config.rank(current) == 0:
        return True
    if (target.key if target else None) != current:
        return True
    return membership is not None and membership.below_since is not None


def _membership_for_update(
    session: Session, shop: Shop, customer: Customer, now: datetime
) -> TierMembership:
    membership = membership_of(session, shop, customer, lock=True)
    if membership is not None:
        return membership
    membership = TierMembership(
        shop_id=shop.id, customer_id=customer.id, tier_key=None, since=now, evaluated_at=now
    )
    try:
        with session.begin_nested():
            session.add(membership)
    except IntegrityError:
        # Another transaction created the row first; take theirs, locked.
        found = membership_of(session, shop, customer, lock=True)
        assert found is not None
        return found
    transaction_memo(session, CREATED_MEMO)[customer.id] = membership
    return membership


def _move(
    session: Session,
    shop: Shop,
    config: TierConfig,
    customer: Customer,
    membership: TierMembership,
    target: TierLevel | None,
    reason: str,
    value: Decimal,
    now: datetime,
) -> TierMove:
    from_key = membership.tier_key
    from_rank = config.rank(from_key)
    to_rank = config.rank(target.key) if target else 0
    membership.tier_key = target.key if target else None
    membership.since = now
    membership.below_since = None
    membership.evaluated_at = now
    move = TierMove(
        shop_id=shop.id,
        customer_id=customer.id,
        from_tier=from_key,
        to_tier=membership.tier_key,
        reason=reason,
        qualifying_value=value,
        moved_at=now,
    )
    session.add(move)
    session.flush()
    mark_metafields_stale(session, shop, customer)
    for level in config.levels_between(from_rank, to_rank):
        _give_entry_reward(session, shop, customer, level, now)
    enqueue(
        session,
        shop,
        "tiers.sync_customer_tag",
        {"customer_id": customer.id},
        key=f"tiers.sync_customer_tag:{customer.id}:{move.id}",
    )
    queue_refresh_after_tier_move(session, shop, now)
    if target is not None:
        # The tier's segment and discount must exist at Shopify for its members; the key
        # makes this one job per version of the settings.
        queue_program_sync(session, shop)
    return move


def entry_reward_key(customer: Customer, level: TierLevel) -> str:
    return f"tier_entry:{customer.id}:{level.key}"


def _give_entry_reward(
    session: Session, shop: Shop, customer: Customer, level: TierLevel, now: datetime
) -> None:
    """Once per customer and tier, whatever the moves up and down in between; pending for
    the returns window, like the points of the orders that reached the tier."""
    if not level.entry_reward:
        return
    pending_days = load(session, shop, PointsConfig).pending_days
    append_entry(
        session,
        customer,
        points=level.entry_reward,
        reason=TIER_ENTRY_BONUS,
        source=Source.BONUS,
        key=entry_reward_key(customer, level),
        available_at=now + timedelta(days=pending_days),
        note=f"Welcome to {level.name}",
    )


def _withdraw_pending_entry_rewards(
    session: Session,
    shop: Shop,
    config: TierConfig,
    customer: Customer,
    target_rank: int,
    current_rank: int,
    now: datetime,
) -> None:
    """Returns took the customer below tiers whose entry rewards are still pending: those
    rewards are withdrawn (a pending counter-entry), so reaching a tier and returning the
    goods never leaves points behind."""
    for level in config.levels_between(target_rank, current_rank):
        reward = find_entry(session, shop.id, entry_reward_key(customer, level))
        if reward is None or reward.points <= 0 or reward.available_at <= now:
            continue
        append_entry(
            session,
            customer,
            points=-reward.points,
            reason=TIER_ENTRY_BONUS,
            source=Source.BONUS,
            key=f"{reward.idempotency_key}:withdrawn",
            available_at=reward.available_at,
            note=f"{level.name} entry reward withdrawn: the orders that reached it were returned",
        )
