"""Who held which tier at the end of a period, and the moves between tiers during it.

A customer's tier at a moment is the destination of their last move before it (the tier
history is complete: every move is recorded). Upgrades and downgrades are judged by the
tiers' current order; a tier the merchant has since removed counts as below every tier.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.programs.config import load
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers.models import TierMove
from shopify_loyalty.tiers.rules import TierConfig


@dataclass(frozen=True)
class TierMovement:
    from_tier: str | None
    to_tier: str | None
    moves: int
    direction: str


@dataclass(frozen=True)
class TierFigures:
    distribution: list[tuple[str, int]]
    movement: list[TierMovement]
    upgrades: int
    downgrades: int


def tier_figures(session: Session, shop: Shop, start: datetime, end: datetime) -> TierFigures:
    config = load(session, shop, TierConfig)
    names = {level.key: level.name for level in config.tiers}
    holding: dict[int, str | None] = {}
    moves: Counter[tuple[str | None, str | None]] = Counter()
    rows = session.execute(
        select(TierMove.customer_id, TierMove.from_tier, TierMove.to_tier, TierMove.moved_at)
        .where(TierMove.shop_id == shop.id, TierMove.moved_at < end)
        .order_by(TierMove.moved_at, TierMove.id)
    )
    for customer_id, from_tier, to_tier, moved_at in rows:
        holding[customer_id] = to_tier
        if moved_at >= start:
            moves[(from_tier, to_tier)] += 1
    held = Counter(key for key in holding.values() if key is not None)
    distribution = [(level.name, held.get(level.key, 0)) for level in config.tiers]
    distribution += [(key, count) for key, count in sorted(held.items()) if key not in names]
    movement = []
    upgrades = downgrades = 0
    for (from_key, to_key), count in sorted(moves.items(), key=lambda item: str(item[0])):
        up = config.rank(to_key) > config.rank(from_key)
        if up:
            upgrades += count
        else:
            downgrades += count
        movement.append(
            TierMovement(
                from_tier=names.get(from_key, from_key) if from_key else None,
                to_tier=names.get(to_key, to_key) if to_key else None,
                moves=count,
                direction="upgrade" if up else "downgrade",
            )
        )
    return TierFigures(distribution, movement, upgrades, downgrades)
