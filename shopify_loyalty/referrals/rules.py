"""The merchant's referral settings (section ``referrals``).

The friend's welcome discount is one code per referrer, usable once per customer; its kind,
value and minimum order are checked by the same rules as every reward (rewards.spec).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import ClassVar

from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section
from shopify_loyalty.rewards.spec import (
    FIXED_AMOUNT,
    FREE_SHIPPING,
    PERCENTAGE,
    RewardSpec,
    check_reward_terms,
    reward_headline,
)

MAX_REFERRER_POINTS = 100_000


@register_section
@dataclass(frozen=True)
class ReferralConfig:
    section: ClassVar[str] = "referrals"

    enabled: bool = setting(True, help="Members can refer friends.")
    friend_discount_kind: str = setting(
        PERCENTAGE,
        choices=(PERCENTAGE, FIXED_AMOUNT, FREE_SHIPPING),
        help="What the referred friend gets on their first order.",
    )
    friend_discount_value: Decimal = setting(
        Decimal("10"),
        minimum=Decimal("0"),
        maximum=Decimal("100000"),
        help="Percent off (1 to 100), an amount off in the shop's currency, or 0 for free "
        "shipping.",
    )
    friend_discount_minimum_order: Decimal | None = setting(
        None,
        minimum=Decimal("0.01"),
        maximum=Decimal("100000"),
        help="Smallest order subtotal the friend's discount applies to; null for any order.",
    )
    referrer_points: int = setting(
        500,
        minimum=0,
        maximum=MAX_REFERRER_POINTS,
        help="Points for the member when a friend they referred places a first order.",
    )

    def __post_init__(self) -> None:
        check_reward_terms(
            self.friend_discount_kind,
            self.friend_discount_value,
            self.friend_discount_minimum_order,
            None,
            prefix="friend_discount_",
        )

    @property
    def friend_reward(self) -> RewardSpec:
        return RewardSpec(
            title=f"Referral welcome: {self.friend_headline}",
            kind=self.friend_discount_kind,
            value=self.friend_discount_value,
            minimum_order=self.friend_discount_minimum_order,
        )

    @property
    def friend_headline(self) -> str:
        return reward_headline(self.friend_discount_kind, self.friend_discount_value)

    @property
    def discount_terms(self) -> str:
        """A fingerprint of everything the friend's Shopify discount is made from."""
        minimum = self.friend_discount_minimum_order
        return "|".join(
            (
                "on" if self.enabled else "off",
                self.friend_discount_kind,
                str(self.friend_discount_value.quantize(Decimal("0.01"))),
                str(minimum.quantize(Decimal("0.01"))) if minimum is not None else "-",
            )
        )
