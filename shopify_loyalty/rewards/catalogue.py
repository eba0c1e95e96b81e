"""The shop's rewards catalogue: what shoppers can spend their points on.

A shop that never set up rewards gets a sensible starting catalogue the first time it is
read (5.00 off for 500 points, 10% off for 1000, free shipping for 300); once a shop has
had rewards, deleting them all leaves it empty. Deleting archives: codes already issued
keep their reward.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ClassVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput, NotFound
from shopify_loyalty.programs.config import setting, validate
from shopify_loyalty.rewards.models import Reward
from shopify_loyalty.rewards.spec import (
    CENT,
    FIXED_AMOUNT,
    FREE_SHIPPING,
    MAX_AMOUNT,
    MAX_EXPIRY_DAYS,
    MAX_TITLE_LENGTH,
    PERCENTAGE,
    REWARD_KINDS,
    RewardSpec,
    check_reward_terms,
    reward_headline,
)
from shopify_loyalty.shops.models import Shop

MAX_POINTS_COST = 1_000_000
DEFAULT_EXPIRY_DAYS = 90
REQUIRED_ON_CREATE = ("kind", "points_cost")


@dataclass(frozen=True)
class RewardFields:
    """A catalogue reward as the merchant edits it; ``title`` may be left empty to have one
    written from the kind and value ("10% off")."""

    section: ClassVar[str] = "reward"

    title: str = setting("", max_length=MAX_TITLE_LENGTH)
    kind: str = setting(FIXED_AMOUNT, choices=REWARD_KINDS)
    value: Decimal = setting(Decimal("0"), minimum=0, maximum=MAX_AMOUNT)
    points_cost: int = setting(500, minimum=1, maximum=MAX_POINTS_COST)
    minimum_order: Decimal | None = setting(None, minimum=0, maximum=MAX_AMOUNT)
    expiry_days: int | None = setting(DEFAULT_EXPIRY_DAYS, minimum=1, maximum=MAX_EXPIRY_DAYS)
    active: bool = setting(True)

    def __post_init__(self) -> None:
        if self.kind == FREE_SHIPPING:
            object.__setattr__(self, "value", Decimal("0"))  # nothing to choose: shipping is free
        if self.minimum_order == 0:
            object.__setattr__(self, "minimum_order", None)
        object.__setattr__(self, "title", self.title.strip())
        check_reward_terms(self.kind, self.value, self.minimum_order, self.expiry_days)


DEFAULT_CATALOGUE = (
    RewardFields(kind=FIXED_AMOUNT, value=Decimal("5.00"), points_cost=500),
    RewardFields(kind=PERCENTAGE, value=Decimal("10"), points_cost=1000),
    RewardFields(kind=FREE_SHIPPING, points_cost=300),
)


def rewards_catalogue(session: Session, shop: Shop, *, active_only: bool = False) -> list[Reward]:
    """The shop's rewards, cheapest first; the default catalogue when the shop never had any."""
    query = select(Reward).where(Reward.shop_id == shop.id, Reward.archived_at.is_(None))
    if active_only:
        query = query.where(Reward.active.is_(True))
    query = query.order_by(Reward.points_cost, Reward.id)
    rewards = list(session.scalars(query))
    if rewards:  # a shop with rewards has had some: nothing to seed, no second query
        return rewards
    _seed_default_catalogue(session, shop)
    return list(session.scalars(query))


def find_reward(session: Session, shop: Shop, reward_id: int) -> Reward:
    """The shop's reward (not archived); NotFound otherwise, also for another shop's."""
    reward = session.scalar(
        select(Reward).where(
            Reward.id == reward_id, Reward.shop_id == shop.id, Reward.archived_at.is_(None)
        )
    )
    if reward is None:
        raise NotFound(f"No reward {reward_id} in this shop.", field="reward_id")
    return reward


def create_reward(session: Session, shop: Shop, data: Mapping[str, Any]) -> Reward:
    _seed_default_catalogue(session, shop)
    for name in REQUIRED_ON_CREATE:
        if name not in data:
            raise InvalidInput(f"{name} is required", field=name)
    if data.get("kind") != FREE_SHIPPING and "value" not in data:
        raise InvalidInput("value is required", field="value")
    fields = validate(RewardFields, data)
    reward = Reward(shop_id=shop.id)
    _apply(reward, fields, shop)
    session.add(reward)
    session.flush()
    return reward


def update_reward(
    session: Session, shop: Shop, reward_id: int, changes: Mapping[str, Any]
) -> Reward:
    """Change some fields; a title written for the old kind and value is rewritten."""
    reward = find_reward(session, shop, reward_id)
    current = fields_of(reward)
    updated = validate(RewardFields, changes, base=current)
    if "title" not in changes and reward.title == reward_headline(
        current.kind, current.value, shop.currency
    ):
        updated = dataclasses.replace(updated, title="")
    _apply(reward, updated, shop)
    session.flush()
    return reward


def archive_reward(session: Session, shop: Shop, reward_id: int) -> None:
    """Take the reward out of the catalogue; codes issued from it stay as they are."""
    reward = find_reward(session, shop, reward_id)
    reward.active = False
    reward.archived_at = utcnow()
    session.flush()


def fields_of(reward: Reward) -> RewardFields:
    return RewardFields(
        title=reward.title,
        kind=reward.kind,
        value=reward.value,
        points_cost=reward.points_cost,
        minimum_order=reward.minimum_order,
        expiry_days=reward.expiry_days,
        active=reward.active,
    )


def spec_of(reward: Reward) -> RewardSpec:
    return RewardSpec(
        title=reward.title,
        kind=reward.kind,
        value=reward.value,
        minimum_order=reward.minimum_order,
        expiry_days=reward.expiry_days,
    )


def _apply(reward: Reward, fields: RewardFields, shop: Shop) -> None:
    reward.title = fields.title or reward_headline(fields.kind, fields.value, shop.currency)
    reward.kind = fields.kind
    reward.value = fields.value.quantize(CENT)
    reward.points_cost = fields.points_cost
    reward.minimum_order = (
        fields.minimum_order.quantize(CENT) if fields.minimum_order is not None else None
    )
    reward.expiry_days = fields.expiry_days
    reward.active = fields.active
    reward.updated_at = utcnow()


def _seed_default_catalogue(session: Session, shop: Shop) -> None:
    if _has_had_rewards(session, shop):
        return
    # Two first reads at once must not both seed: take the shop's row lock and look again.
    session.execute(select(Shop.id).where(Shop.id == shop.id).with_for_update())
    if _has_had_rewards(session, shop):
        return
    for fields in DEFAULT_CATALOGUE:
        reward = Reward(shop_id=shop.id)
        _apply(reward, fields, shop)
        session.add(reward)
    session.flush()


def _has_had_rewards(session: Session, shop: Shop) -> bool:
    count = session.scalar(select(func.count(Reward.id)).where(Reward.shop_id == shop.id))
    return bool(count)
