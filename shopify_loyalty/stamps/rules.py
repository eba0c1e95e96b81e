"""The merchant's stamp card settings, and the rule deciding whether an order earns a stamp."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.plain_numbers import plain_number
from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section
from shopify_loyalty.rewards.spec import (
    REWARD_KINDS,
    RewardSpec,
    check_reward_terms,
    reward_headline,
)

MAX_QUALIFYING_PRODUCTS = 500
MAX_SHOPIFY_ID = 2**63 - 1
PRODUCT_GID_PREFIX = "gid://shopify/Product/"
REWARD_FIELDS = ("title", "kind", "value", "minimum_order", "expiry_days")

DEFAULT_REWARD: dict[str, Any] = {
    "title": "",
    "kind": "percentage",
    "value": "15",
    "minimum_order": None,
    "expiry_days": 90,
}


@register_section
@dataclass(frozen=True)
class StampConfig:
    """Stamp card settings.

    A shopper who joins gets ``head_start`` stamps at once (people finish a card they have
    already started). A paid order earns one stamp when its subtotal reaches
    ``minimum_order_subtotal`` and, if ``qualifying_product_ids`` is set, when it contains
    one of those products. ``card_size`` stamps fill a card, which issues ``reward`` and opens
    the next card, with the head start again when ``head_start_on_next_card``.
    """

    section: ClassVar[str] = "stamps"

    enabled: bool = setting(True, help="Give stamps for paid orders.")
    card_size: int = setting(10, minimum=2, maximum=50, help="Stamps that fill a card.")
    head_start: int = setting(
        2,
        minimum=0,
        maximum=49,
        help="Stamps a shopper gets on joining, fewer than card_size; 0 turns it off.",
    )
    minimum_order_subtotal: Decimal = setting(
        Decimal("0"),
        minimum=0,
        maximum=100000,
        help="Smallest order subtotal (after discounts, before shipping and taxes) that "
        "earns a stamp; 0 means any paid order.",
    )
    qualifying_product_ids: list[int] = setting(
        [],
        help="Shopify product ids; when set, only orders containing one of them earn a "
        "stamp (one per order).",
    )
    head_start_on_next_card: bool = setting(
        True, help="Open every new card with the head start too, not only the first."
    )
    reward: dict[str, Any] = setting(
        DEFAULT_REWARD,
        help="What a full card gives: kind (percentage, fixed_amount, free_shipping), value, "
        "minimum_order (or null) and expiry_days (or null), and an optional title.",
    )

    def __post_init__(self) -> None:
        if self.head_start > self.card_size - 1:
            raise InvalidInput(
                f"head_start must be a whole number from 0 to {self.card_size - 1} "
                f"(fewer than the card_size of {self.card_size})",
                field="head_start",
            )
        object.__setattr__(
            self, "qualifying_product_ids", _product_ids(self.qualifying_product_ids)
        )
        object.__setattr__(self, "reward", _reward(self.reward))

    @property
    def reward_spec(self) -> RewardSpec:
        """The discount a full card issues."""
        return reward_spec_of(self.reward)

    @property
    def next_card_head_start(self) -> int:
        return self.head_start if self.head_start_on_next_card else 0


def reward_spec_of(reward: Mapping[str, Any], currency: str | None = None) -> RewardSpec:
    """The reward as a spec; without a title of the merchant's, one says what it gives."""
    value = Decimal(str(reward["value"]))
    minimum = reward.get("minimum_order")
    kind = str(reward["kind"])
    headline = reward_headline(kind, value, currency)
    title = str(reward.get("title") or "") or f"Stamp card reward: {headline}"
    return RewardSpec(
        title=title,
        kind=kind,
        value=value,
        minimum_order=Decimal(str(minimum)) if minimum is not None else None,
        expiry_days=reward.get("expiry_days"),
    )


@dataclass(frozen=True)
class OrderFacts:
    """An order as the stamp rule sees it (from a ``StampOrder`` row)."""

    paid: bool
    cancelled: bool
    subtotal: Decimal
    refunded_subtotal: Decimal
    minimum_subtotal: Decimal
    # None: no product rule. Otherwise quantity per qualifying line and refunded per line.
    qualifying_lines: Mapping[int, int] | None
    refunded_lines: Mapping[int, int]


def order_qualifies(facts: OrderFacts) -> bool:
    """A paid, uncancelled order earns a stamp while what is left of it after refunds still
    has a subtotal above zero that reaches the minimum, and, under a product rule, still
    holds at least one qualifying item."""
    if not facts.paid or facts.cancelled:
        return False
    remaining = facts.subtotal - facts.refunded_subtotal
    if remaining <= 0 or remaining < facts.minimum_subtotal:
        return False
    if facts.qualifying_lines is None:
        return True
    return any(
        quantity - facts.refunded_lines.get(line_id, 0) > 0
        for line_id, quantity in facts.qualifying_lines.items()
    )


def _product_ids(raw: Any) -> list[int]:
    """Shopify product ids, given as numbers, digit strings or Product GIDs; sorted, unique."""
    if not isinstance(raw, list | tuple):
        raise InvalidInput(
            "qualifying_product_ids must be a list of Shopify product ids",
            field="qualifying_product_ids",
        )
    if len(raw) > MAX_QUALIFYING_PRODUCTS:
        raise InvalidInput(
            f"qualifying_product_ids may hold at most {MAX_QUALIFYING_PRODUCTS} products",
            field="qualifying_product_ids",
        )
    ids: set[int] = set()
    for item in raw:
        number: int | None = None
        if isinstance(item, int) and not isinstance(item, bool):
            number = item
        elif isinstance(item, str):
            text = item.strip().removeprefix(PRODUCT_GID_PREFIX)
            number = plain_number(text)
        if number is None or not 0 < number <= MAX_SHOPIFY_ID:
            raise InvalidInput(
                f"qualifying_product_ids: {item!r} is not a Shopify product id",
                field="qualifying_product_ids",
            )
        ids.add(number)
    return sorted(ids)


def _reward(raw: Any) -> dict[str, Any]:
    """The full card's reward, checked and brought to its stored (JSON) shape."""
    if not isinstance(raw, Mapping):
        raise InvalidInput("reward must be an object", field="reward")
    unknown = sorted(set(raw) - set(REWARD_FIELDS))
    if unknown:
        field = f"reward.{unknown[0]}"
        raise InvalidInput(f"{field} is not a reward setting", field=field)
    merged = {**DEFAULT_REWARD, **raw}
    kind = merged["kind"]
    if kind not in REWARD_KINDS:
        raise InvalidInput(
            f"reward.kind must be one of {', '.join(REWARD_KINDS)}", field="reward.kind"
        )
    if kind == "free_shipping" and "value" not in raw:
        merged["value"] = "0"
    value = _decimal(merged["value"], "reward.value")
    minimum = (
        None
        if merged["minimum_order"] is None
        else _decimal(merged["minimum_order"], "reward.minimum_order")
    )
    expiry = merged["expiry_days"]
    if expiry is not None and (isinstance(expiry, bool) or not isinstance(expiry, int)):
        raise InvalidInput(
            "reward.expiry_days must be a whole number, or null", field="reward.expiry_days"
        )
    title = merged["title"]
    if not isinstance(title, str) or len(title) > 100:
        raise InvalidInput(
            "reward.title must be text of at most 100 characters", field="reward.title"
        )
    check_reward_terms(kind, value, minimum, expiry, prefix="reward.")
    stored = {
        "title": title.strip(),
        "kind": kind,
        "value": str(value),
        "minimum_order": str(minimum) if minimum is not None else None,
        "expiry_days": expiry,
    }
    # The stored shape must survive a JSON round trip unchanged (load re-validates it).
    return json.loads(json.dumps(stored))


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value)) if not isinstance(value, bool) and value is not None else None
    except InvalidOperation:
        number = None
    if number is None or not number.is_finite():
        raise InvalidInput(f"{field} must be a number", field=field)
    return number
