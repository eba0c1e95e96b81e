"""The tier settings: defaults, validation naming the field, and which tier a value reaches."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.config import to_json, validate
from shopify_loyalty.tiers.qualifying import months_before
from shopify_loyalty.tiers.rules import TierConfig, tier_key


def tier(name: str, threshold: Any, **extra: Any) -> dict[str, Any]:
    return {"name": name, "threshold": threshold, **extra}


def test_the_defaults_are_silver_and_gold_on_twelve_months_of_spend() -> None:
    config = TierConfig()
    assert (config.basis, config.window_months, config.grace_days) == ("spend", 12, 30)
    silver, gold = config.tiers
    assert (silver.name, silver.threshold, silver.discount_percent, silver.points_multiplier) == (
        "Silver",
        Decimal("250.00"),
        Decimal("5.00"),
        Decimal("1.25"),
    )
    assert (gold.name, gold.threshold, gold.discount_percent, gold.points_multiplier) == (
        "Gold",
        Decimal("750.00"),
        Decimal("10.00"),
        Decimal("1.50"),
    )
    assert gold.perks == ("free_shipping",)
    assert (silver.tag, gold.tag) == ("loyalty-tier:silver", "loyalty-tier:gold")


def test_stored_settings_read_back_equal() -> None:
    config = validate(TierConfig, {"tiers": [tier("Bronze", "0"), tier("Platinum Plus", 99)]})
    assert validate(TierConfig, to_json(config)) == config
    assert [level.key for level in config.tiers] == ["bronze", "platinum-plus"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"tiers": [tier("Silver", 500), tier("Gold", 500)]},
            "tiers[1].threshold",
            "tiers[1].threshold must be above tiers[0].threshold (500.00)",
        ),
        (
            {"tiers": [tier("Silver", 100, discount_percent=120)]},
            "tiers[0].discount_percent",
            "tiers[0].discount_percent must be a number from 0 to 100",
        ),
        (
            {"tiers": [tier("Silver", 100, points_multiplier="0.5")]},
            "tiers[0].points_multiplier",
            "tiers[0].points_multiplier must be a number from 1 to 10",
        ),
        (
            {"tiers": [tier("Silver", 100, perks=["free_shipping", "lounge"])]},
            "tiers[0].perks",
            "tiers[0].perks must be a list of free_shipping, early_access",
        ),
        (
            {"tiers": [tier("Silver", 100, entry_reward=0)]},
            "tiers[0].entry_reward",
            "tiers[0].entry_reward must be null or a whole number of points from 1 to 100000",
        ),
        (
            {"tiers": [tier("Silver", 100), tier("silver!", 200)]},
            "tiers[1].name",
            "tiers[1].name must differ from the other tier names",
        ),
        (
            {"tiers": [tier("", 100)]},
            "tiers[0].name",
            "tiers[0].name must be text of 1 to 40 characters",
        ),
        (
            {"tiers": [tier("Silver", "cheap")]},
            "tiers[0].threshold",
            "tiers[0].threshold must be a number from 0 to 10000000 with at most 2 decimals",
        ),
        (
            {"tiers": [tier("Silver", 100, colour="grey")]},
            "tiers[0].colour",
            "tiers[0].colour is not a setting of a tier",
        ),
        (
            {"basis": "orders", "tiers": [tier("Silver", "2.5")]},
            "tiers[0].threshold",
            "tiers[0].threshold must be a whole number of paid orders",
        ),
        (
            {"window_months": 37},
            "window_months",
            "window_months must be a whole number from 0 to 36",
        ),
        ({"grace_days": -1}, "grace_days", "grace_days must be a whole number from 0 to 365"),
        ({"basis": "visits"}, "basis", "basis must be one of spend, orders, points_earned"),
        ({"tiers": "gold"}, "tiers", "tiers must be a list of tiers"),
    ],
)
def test_invalid_settings_are_refused_naming_the_field(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        validate(TierConfig, changes)
    assert refused.value.field == field
    assert refused.value.message.startswith(message)


def test_tier_keys_fold_accents_and_punctuation() -> None:
    assert tier_key("Élite ✨ Club") == "elite-club"
    assert tier_key("  GOLD  ") == "gold"


@given(
    thresholds=st.lists(
        st.decimals(min_value=0, max_value=100000, places=2), min_size=1, max_size=6, unique=True
    ),
    value=st.decimals(min_value=0, max_value=200000, places=2),
)
def test_a_value_reaches_the_highest_tier_whose_threshold_it_meets(
    thresholds: list[Decimal], value: Decimal
) -> None:
    ordered = sorted(thresholds)
    config = validate(TierConfig, {"tiers": [tier(f"Tier {i}", t) for i, t in enumerate(ordered)]})
    reached = config.qualifying_level(value)
    met = [t for t in ordered if t <= value]
    if not met:
        assert reached is None
    else:
        assert reached is not None and reached.threshold == met[-1]
        assert config.rank(reached.key) == len(met)


@pytest.mark.parametrize(
    ("moment", "months", "expected"),
    [
        (datetime(2026, 11, 23, 8, tzinfo=UTC), 12, datetime(2025, 11, 23, 8, tzinfo=UTC)),
        (datetime(2026, 3, 31, tzinfo=UTC), 1, datetime(2026, 2, 28, tzinfo=UTC)),
        (datetime(2026, 1, 15, tzinfo=UTC), 36, datetime(2023, 1, 15, tzinfo=UTC)),
    ],
)
def test_the_window_opens_whole_calendar_months_back(
    moment: datetime, months: int, expected: datetime
) -> None:
    assert months_before(moment, months) == expected
