"""What a reward gives: the kind of discount, its value, minimum order and expiry.

One :class:`RewardSpec` describes a reward wherever it comes from (the points catalogue, a
full stamp card, a tier, a referral), and :func:`check_reward_terms` is the one place the
allowed values are checked, so every source refuses the same things with the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from shopify_loyalty.errors import InvalidInput

FIXED_AMOUNT = "fixed_amount"
PERCENTAGE = "percentage"
FREE_SHIPPING = "free_shipping"
REWARD_KINDS = (FIXED_AMOUNT, PERCENTAGE, FREE_SHIPPING)

CENT = Decimal("0.01")
MAX_AMOUNT = Decimal("100000")
MIN_PERCENTAGE = Decimal("1")
MAX_PERCENTAGE = Decimal("100")
MAX_EXPIRY_DAYS = 3650
MAX_TITLE_LENGTH = 100


@dataclass(frozen=True)
class RewardSpec:
    """A discount to issue. ``value`` is an amount in the shop's currency for
    ``fixed_amount``, a percentage from 1 to 100 for ``percentage`` and 0 for
    ``free_shipping``. ``minimum_order`` None means any order; ``expiry_days`` None means
    the code never expires."""

    title: str
    kind: str
    value: Decimal
    minimum_order: Decimal | None = None
    expiry_days: int | None = None

    def __post_init__(self) -> None:
        check_reward_terms(self.kind, self.value, self.minimum_order, self.expiry_days)

    @property
    def headline(self) -> str:
        return reward_headline(self.kind, self.value)


def reward_headline(kind: str, value: Decimal, currency: str | None = None) -> str:
    """The reward in a few words: ``15% off``, ``5.00 EUR off``, ``Free shipping``."""
    if kind == PERCENTAGE:
        return f"{value.normalize():f}% off"
    if kind == FIXED_AMOUNT:
        amount = f"{value.quantize(CENT)} {currency}" if currency else f"{value.quantize(CENT)}"
        return f"{amount} off"
    return "Free shipping"


def check_reward_terms(
    kind: str,
    value: Decimal,
    minimum_order: Decimal | None,
    expiry_days: int | None,
    *,
    prefix: str = "",
) -> None:
    """Raise :class:`InvalidInput` naming the field (``prefix`` + name) that is out of range."""
    if kind not in REWARD_KINDS:
        raise InvalidInput(
            f"{prefix}kind must be one of {', '.join(REWARD_KINDS)}", field=f"{prefix}kind"
        )
    if kind == FIXED_AMOUNT and not (CENT <= value <= MAX_AMOUNT and _cents(value)):
        raise InvalidInput(
            f"{prefix}value must be an amount from {CENT} to {MAX_AMOUNT} for a fixed amount off",
            field=f"{prefix}value",
        )
    if kind == PERCENTAGE and not (MIN_PERCENTAGE <= value <= MAX_PERCENTAGE and _cents(value)):
        raise InvalidInput(
            f"{prefix}value must be a percentage from {MIN_PERCENTAGE} to {MAX_PERCENTAGE}",
            field=f"{prefix}value",
        )
    if kind == FREE_SHIPPING and value != 0:
        raise InvalidInput(f"{prefix}value must be 0 for free shipping", field=f"{prefix}value")
    if minimum_order is not None and not (
        CENT <= minimum_order <= MAX_AMOUNT and _cents(minimum_order)
    ):
        raise InvalidInput(
            f"{prefix}minimum_order must be an amount from {CENT} to {MAX_AMOUNT}, or null",
            field=f"{prefix}minimum_order",
        )
    if expiry_days is not None and not 1 <= expiry_days <= MAX_EXPIRY_DAYS:
        raise InvalidInput(
            f"{prefix}expiry_days must be a whole number from 1 to {MAX_EXPIRY_DAYS}, or null",
            field=f"{prefix}expiry_days",
        )


def _cents(value: Decimal) -> bool:
    """At most two decimal places: Shopify keeps money and percentages to the cent."""
    return value == value.quantize(CENT)
