"""The merchant's VIP tiers: what counts toward them, over which window, and what each gives.

A tier is reached when the customer's qualifying value (spend net of refunds, paid orders,
or points earned, over a rolling window of months or their lifetime) reaches its threshold.
Thresholds rise strictly from tier to tier, so the tiers form a ladder. A tier is known by
its key, the slug of its name (``Gold`` -> ``gold``): the key names its customer tag
(``loyalty-tier:gold``), its segment and its discount at Shopify, so renaming a tier is
retiring one and adding another.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, ClassVar

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section

BASES = ("spend", "orders", "points_earned")
PERKS = ("free_shipping", "early_access")
TAG_PREFIX = "loyalty-tier:"
MAX_TIERS = 10
MAX_NAME_LENGTH = 40
MAX_THRESHOLD = Decimal("10000000")
MAX_ENTRY_REWARD = 100_000
CENT = Decimal("0.01")

DEFAULT_TIERS: list[dict[str, Any]] = [
    {
        "name": "Silver",
        "threshold": "250.00",
        "discount_percent": "5",
        "points_multiplier": "1.25",
        "perks": [],
        "entry_reward": 100,
    },
    {
        "name": "Gold",
        "threshold": "750.00",
        "discount_percent": "10",
        "points_multiplier": "1.5",
        "perks": ["free_shipping"],
        "entry_reward": 250,
    },
]

TIER_FIELDS = (
    "name",
    "threshold",
    "discount_percent",
    "points_multiplier",
    "perks",
    "entry_reward",
)


def tier_key(name: str) -> str:
    """The slug of a tier name: ASCII letters and digits joined by single dashes."""
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    return re.sub(r"[^a-z0-9]+", "-", folded.lower()).strip("-")


def tier_tag(key: str) -> str:
    return f"{TAG_PREFIX}{key}"


@dataclass(frozen=True)
class TierLevel:
    name: str
    threshold: Decimal
    discount_percent: Decimal
    points_multiplier: Decimal
    perks: tuple[str, ...] = ()
    entry_reward: int | None = None

    @property
    def key(self) -> str:
        return tier_key(self.name)

    @property
    def tag(self) -> str:
        return tier_tag(self.key)

    @property
    def free_shipping(self) -> bool:
        return "free_shipping" in self.perks


@register_section
@dataclass(frozen=True)
class TierConfig:
    """Section ``tiers``. ``window_months`` 0 means the customer's whole history."""

    section: ClassVar[str] = "tiers"

    basis: str = setting("spend", choices=BASES, help="what counts toward a tier")
    window_months: int = setting(
        12, minimum=0, maximum=36, help="rolling window in months; 0 counts the lifetime"
    )
    grace_days: int = setting(
        30, minimum=0, maximum=365, help="days below a tier's threshold before moving down"
    )
    tiers: tuple[TierLevel, ...] = setting(DEFAULT_TIERS, help="the tiers, lowest first")

    def __post_init__(self) -> None:
        levels = parse_tiers(self.tiers, self.basis)
        object.__setattr__(self, "tiers", levels)

    def level(self, key: str | None) -> TierLevel | None:
        return next((level for level in self.tiers if level.key == key), None)

    def rank(self, key: str | None) -> int:
        """1 for the lowest tier, 0 for no tier (or one the merchant has since removed)."""
        for index, level in enumerate(self.tiers, start=1):
            if level.key == key:
                return index
        return 0

    def qualifying_level(self, value: Decimal) -> TierLevel | None:
        """The highest tier whose threshold ``value`` reaches."""
        reached = [level for level in self.tiers if value >= level.threshold]
        return reached[-1] if reached else None

    def levels_between(self, low: int, high: int) -> tuple[TierLevel, ...]:
        """The tiers above rank ``low`` up to and including rank ``high``."""
        return self.tiers[low:high]


def parse_tiers(raw: Any, basis: str) -> tuple[TierLevel, ...]:
    """Validate the list of tiers; every error names its field, like ``tiers[1].threshold``."""
    if not isinstance(raw, list | tuple):
        raise InvalidInput("tiers must be a list of tiers", field="tiers")
    if len(raw) > MAX_TIERS:
        raise InvalidInput(f"tiers must hold at most {MAX_TIERS} tiers", field="tiers")
    levels: list[TierLevel] = []
    for index, item in enumerate(raw):
        level = item if isinstance(item, TierLevel) else _parse_tier(index, item)
        levels.append(level)
        _check_basis_units(index, level, basis)
    keys: set[str] = set()
    for index, level in enumerate(levels):
        if level.key in keys:
            raise InvalidInput(
                f"tiers[{index}].name must differ from the other tier names",
                field=f"tiers[{index}].name",
            )
        keys.add(level.key)
        if index and level.threshold <= levels[index - 1].threshold:
            raise InvalidInput(
                f"tiers[{index}].threshold must be above tiers[{index - 1}].threshold "
                f"({levels[index - 1].threshold}); thresholds rise from tier to tier",
                field=f"tiers[{index}].threshold",
            )
    return tuple(levels)


def _parse_tier(index: int, item: Any) -> TierLevel:
    prefix = f"tiers[{index}]"
    if not isinstance(item, Mapping):
        raise InvalidInput(f"{prefix} must be an object", field=prefix)
    for unknown in item:
        if unknown not in TIER_FIELDS:
            path = f"{prefix}.{unknown}"
            raise InvalidInput(f"{path} is not a setting of a tier", field=path)
    name = item.get("name")
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > MAX_NAME_LENGTH:
        raise InvalidInput(
            f"{prefix}.name must be text of 1 to {MAX_NAME_LENGTH} characters",
            field=f"{prefix}.name",
        )
    if not tier_key(name):
        raise InvalidInput(f"{prefix}.name must contain a letter or digit", field=f"{prefix}.name")
    threshold = _number(item, "threshold", prefix, Decimal(0), MAX_THRESHOLD, required=True)
    discount = _number(item, "discount_percent", prefix, Decimal(0), Decimal(100))
    multiplier = _number(item, "points_multiplier", prefix, Decimal(1), Decimal(10))
    perks = item.get("perks") or []
    if not isinstance(perks, list | tuple) or any(perk not in PERKS for perk in perks):
        raise InvalidInput(
            f"{prefix}.perks must be a list of {', '.join(PERKS)}", field=f"{prefix}.perks"
        )
    reward = item.get("entry_reward")
    if reward is not None and (
        isinstance(reward, bool)
        or not isinstance(reward, int)
        or not 1 <= reward <= MAX_ENTRY_REWARD
    ):
        raise InvalidInput(
            f"{prefix}.entry_reward must be null or a whole number of points "
            f"from 1 to {MAX_ENTRY_REWARD}",
            field=f"{prefix}.entry_reward",
        )
    return TierLevel(
        name=name.strip(),
        threshold=threshold,
        discount_percent=discount if discount is not None else Decimal(0),
        points_multiplier=multiplier if multiplier is not None else Decimal(1),
        perks=tuple(dict.fromkeys(perks)),
        entry_reward=reward,
    )


def _number(
    item: Mapping[str, Any],
    name: str,
    prefix: str,
    minimum: Decimal,
    maximum: Decimal,
    *,
    required: bool = False,
) -> Decimal:
    value = item.get(name)
    path = f"{prefix}.{name}"
    if value is None and not required:
        return minimum
    number: Decimal | None = None
    if not isinstance(value, bool) and isinstance(value, int | float | str | Decimal):
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            number = None
    if number is None or not number.is_finite() or number != number.quantize(CENT):
        raise InvalidInput(
            f"{path} must be a number from {minimum} to {maximum} with at most 2 decimals",
            field=path,
        )
    if not minimum <= number <= maximum:
        raise InvalidInput(f"{path} must be a number from {minimum} to {maximum}", field=path)
    return number.quantize(CENT)


def _check_basis_units(index: int, level: TierLevel, basis: str) -> None:
    if basis != "spend" and level.threshold != level.threshold.to_integral_value():
        what = "paid orders" if basis == "orders" else "points"
        raise InvalidInput(
            f"tiers[{index}].threshold must be a whole number of {what}",
            field=f"tiers[{index}].threshold",
        )
