"""Which customers are in which segment now, and each segment's size and revenue.

RFM segments (rfm.py) hold the customers who have bought; lifecycle stages
(lifecycle/stages.py) hold every current customer. A segment's revenue is the lifetime
revenue of its customers (paid orders net of refunded goods, in the shop's currency).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from sqlalchemy.orm import Session

from shopify_loyalty.errors import NotFound
from shopify_loyalty.lifecycle.rules import LifecycleConfig
from shopify_loyalty.lifecycle.stages import STAGES, stage_for
from shopify_loyalty.programs.config import load
from shopify_loyalty.segments.profiles import CustomerProfile, customer_profiles
from shopify_loyalty.segments.rfm import (
    RFM_SEGMENTS,
    RfmScore,
    frequency_score,
    monetary_scores,
    recency_score,
    rfm_segment,
)
from shopify_loyalty.shops.models import Shop

RFM = "rfm"
LIFECYCLE = "lifecycle"
SEGMENT_KINDS = {**dict.fromkeys(RFM_SEGMENTS, RFM), **dict.fromkeys(STAGES, LIFECYCLE)}
TAG_PREFIX = "loyalty-segment:"


@dataclass(frozen=True)
class Member:
    profile: CustomerProfile
    score: RfmScore | None
    rfm_segment: str | None
    lifecycle_stage: str


@dataclass(frozen=True)
class Segment:
    name: str
    kind: str
    members: list[Member]

    @property
    def size(self) -> int:
        return len(self.members)

    @property
    def revenue(self) -> Decimal:
        return sum((m.profile.revenue for m in self.members), Decimal(0))

    @property
    def tag(self) -> str:
        return segment_tag(self.name)


def segment_tag(name: str) -> str:
    return f"{TAG_PREFIX}{name}"


def segment_members(session: Session, shop: Shop, now: datetime) -> list[Member]:
    """Every current customer with their RFM scores and segment (None before a first paid
    order) and lifecycle stage, as of ``now``."""
    profiles = customer_profiles(session, shop)
    regular = load(session, shop, LifecycleConfig).regular_min_orders
    buyers = [p for p in profiles if p.paid_orders and p.last_order_at is not None]
    monetary = dict(
        zip(
            (p.customer_id for p in buyers),
            monetary_scores([p.revenue for p in buyers]),
            strict=True,
        )
    )
    members = []
    for profile in profiles:
        score = segment = None
        if profile.customer_id in monetary and profile.last_order_at is not None:
            score = RfmScore(
                recency=recency_score((now - profile.last_order_at).days),
                frequency=frequency_score(profile.paid_orders),
                monetary=monetary[profile.customer_id],
            )
            segment = rfm_segment(score, profile.paid_orders)
        stage = stage_for(profile.paid_orders, profile.converted_referrals, regular)
        members.append(Member(profile, score, segment, stage))
    return members


def all_segments(session: Session, shop: Shop, now: datetime) -> list[Segment]:
    """The RFM segments, then the lifecycle stages, each with its customers (biggest
    spenders first)."""
    members = segment_members(session, shop, now)
    return [_segment(name, members) for name in SEGMENT_KINDS]


def find_segment(session: Session, shop: Shop, name: str, now: datetime) -> Segment:
    if name not in SEGMENT_KINDS:
        raise NotFound(
            f"There is no segment called {name}; segments are {', '.join(SEGMENT_KINDS)}.",
            field="segment",
        )
    return _segment(name, segment_members(session, shop, now))


def _segment(name: str, members: Iterable[Member]) -> Segment:
    kind = SEGMENT_KINDS[name]
    chosen = [m for m in members if (m.rfm_segment if kind == RFM else m.lifecycle_stage) == name]
    chosen.sort(key=lambda m: (-m.profile.revenue, m.profile.shopify_customer_id))
    return Segment(name, kind, chosen)
