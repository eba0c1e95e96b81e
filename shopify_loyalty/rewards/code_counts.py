"""How often each catalogue reward was bought and used, for the merchant's catalogue page."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.rewards.models import ISSUED, USED, IssuedCode
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class CodeCounts:
    issued: int = 0
    used: int = 0


def codes_per_reward(session: Session, shop: Shop) -> dict[int, CodeCounts]:
    """Per reward id: the codes that exist at Shopify (issued, used or not yet), and those an
    order used. Codes still waiting for Shopify or refused by it are not counted."""
    rows = session.execute(
        select(IssuedCode.reward_id, IssuedCode.status, func.count(IssuedCode.id))
        .where(
            IssuedCode.shop_id == shop.id,
            IssuedCode.reward_id.is_not(None),
            IssuedCode.status.in_((ISSUED, USED)),
        )
        .group_by(IssuedCode.reward_id, IssuedCode.status)
    )
    counts: dict[int, CodeCounts] = {}
    for reward_id, status, number in rows:
        if reward_id is None:  # excluded by the query; said again for the type checker
            continue
        before = counts.get(reward_id, CodeCounts())
        used = before.used + (number if status == USED else 0)
        counts[reward_id] = CodeCounts(issued=before.issued + number, used=used)
    return counts
