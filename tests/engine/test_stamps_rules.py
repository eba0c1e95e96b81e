"""The stamp card settings and the rule deciding whether an order earns a stamp."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.config import to_json, validate
from shopify_loyalty.rewards.spec import RewardSpec
from shopify_loyalty.stamps.rules import OrderFacts, StampConfig, order_qualifies


def facts(**changes: Any) -> OrderFacts:
    values: dict[str, Any] = {
        "paid": True,
        "cancelled": False,
        "subtotal": Decimal("40.00"),
        "refunded_subtotal": Decimal("0.00"),
        "minimum_subtotal": Decimal("0.00"),
        "qualifying_lines": None,
        "refunded_lines": {},
    }
    values.update(changes)
    return OrderFacts(**values)


def test_the_defaults_are_ten_stamps_with_two_to_start_and_fifteen_percent_off() -> None:
    config = StampConfig()

    assert (config.enabled, config.card_size, config.head_start) == (True, 10, 2)
    assert config.minimum_order_subtotal == Decimal("0")
    assert config.qualifying_product_ids == []
    assert config.next_card_head_start == 2
    assert config.reward_spec == RewardSpec(
        title="Stamp card reward: 15% off",
        kind="percentage",
        value=Decimal("15"),
        minimum_order=None,
        expiry_days=90,
    )


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"head_start": 10}, "head_start must be a whole number from 0 to 9"),
        ({"card_size": 4, "head_start": 4}, "head_start must be a whole number from 0 to 3"),
        ({"card_size": 5}, None),
    ],
)
def test_the_head_start_must_stay_below_the_card_size(
    changes: dict[str, Any], message: str | None
) -> None:
    if message is None:
        assert validate(StampConfig, changes).card_size == 5
        return
    with pytest.raises(InvalidInput) as raised:
        validate(StampConfig, changes)

    assert raised.value.field == "head_start"
    assert raised.value.message.startswith(message)


def test_a_smaller_card_is_checked_against_the_head_start_already_set() -> None:
    current = validate(StampConfig, {"card_size": 8, "head_start": 6})

    with pytest.raises(InvalidInput) as raised:
        validate(StampConfig, {"card_size": 6}, base=current)

    assert raised.value.field == "head_start"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"card_size": 1}, "card_size", "card_size must be a whole number from 2 to 50"),
        ({"card_size": 51}, "card_size", "card_size must be a whole number from 2 to 50"),
        (
            {"minimum_order_subtotal": "-1"},
            "minimum_order_subtotal",
            "minimum_order_subtotal must be a number from 0 to 100000",
        ),
        (
            {"qualifying_product_ids": ["socks"]},
            "qualifying_product_ids",
            "qualifying_product_ids: 'socks' is not a Shopify product id",
        ),
        (
            {"reward": {"kind": "percentage", "value": "120"}},
            "reward.value",
            "reward.value must be a percentage from 1 to 100",
        ),
        (
            {"reward": {"kind": "fixed_amount", "value": "0"}},
            "reward.value",
            "reward.value must be an amount from 0.01 to 100000 for a fixed amount off",
        ),
        (
            {"reward": {"kind": "voucher"}},
            "reward.kind",
            "reward.kind must be one of fixed_amount, percentage, free_shipping",
        ),
        (
            {"reward": {"expiry_days": 0}},
            "reward.expiry_days",
            "reward.expiry_days must be a whole number from 1 to 3650, or null",
        ),
        ({"reward": {"colour": "red"}}, "reward.colour", "reward.colour is not a reward setting"),
    ],
)
def test_settings_out_of_range_name_the_field_and_the_range(
    changes: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as raised:
        validate(StampConfig, changes)

    assert (raised.value.field, raised.value.message) == (field, message)


def test_product_ids_are_accepted_as_numbers_strings_or_gids_and_stored_once() -> None:
    config = validate(
        StampConfig,
        {"qualifying_product_ids": ["gid://shopify/Product/12", 7, "12", " 7 "]},
    )

    assert config.qualifying_product_ids == [7, 12]


def test_stored_settings_load_back_unchanged() -> None:
    config = validate(
        StampConfig,
        {
            "minimum_order_subtotal": "25.50",
            "qualifying_product_ids": [8123409876542],
            "reward": {"kind": "fixed_amount", "value": "7.5", "minimum_order": "30"},
        },
    )

    assert validate(StampConfig, to_json(config)) == config
    assert config.reward_spec == RewardSpec(
        title="Stamp card reward: 7.50 off",
        kind="fixed_amount",
        value=Decimal("7.5"),
        minimum_order=Decimal("30"),
        expiry_days=90,
    )


def test_a_free_shipping_reward_needs_no_value() -> None:
    config = validate(StampConfig, {"reward": {"kind": "free_shipping", "title": "On us"}})

    assert config.reward_spec.kind == "free_shipping"
    assert config.reward_spec.value == Decimal("0")
    assert config.reward_spec.title == "On us"


@pytest.mark.parametrize(
    ("changes", "qualifies"),
    [
        ({}, True),
        ({"paid": False}, False),
        ({"cancelled": True}, False),
        ({"refunded_subtotal": Decimal("40.00")}, False),
        ({"minimum_subtotal": Decimal("40.00")}, True),
        ({"minimum_subtotal": Decimal("40.01")}, False),
        ({"minimum_subtotal": Decimal("30.00"), "refunded_subtotal": Decimal("10.00")}, True),
        ({"minimum_subtotal": Decimal("30.00"), "refunded_subtotal": Decimal("10.01")}, False),
        ({"qualifying_lines": {}}, False),
        ({"qualifying_lines": {11: 2}, "refunded_lines": {11: 1}}, True),
        ({"qualifying_lines": {11: 2}, "refunded_lines": {11: 2, 12: 5}}, False),
        ({"qualifying_lines": {11: 1, 12: 1}, "refunded_lines": {11: 1}}, True),
    ],
)
def test_an_order_qualifies_while_paid_uncancelled_above_the_minimum_with_its_items(
    changes: dict[str, Any], qualifies: bool
) -> None:
    assert order_qualifies(facts(**changes)) is qualifies


amounts = st.decimals(min_value=0, max_value=500, places=2)


@given(
    subtotal=amounts,
    minimum=amounts,
    refunds=st.lists(amounts, max_size=4),
    quantity=st.integers(min_value=1, max_value=5),
    refunded_quantities=st.lists(st.integers(min_value=0, max_value=3), max_size=4),
)
def test_refunds_never_turn_an_order_that_does_not_qualify_into_one_that_does(
    subtotal: Decimal,
    minimum: Decimal,
    refunds: list[Decimal],
    quantity: int,
    refunded_quantities: list[int],
) -> None:
    refunded = Decimal("0.00")
    refunded_items = 0
    qualified = order_qualifies(
        facts(subtotal=subtotal, minimum_subtotal=minimum, qualifying_lines={1: quantity})
    )
    for amount, items in zip(refunds, refunded_quantities, strict=False):
        refunded += amount
        refunded_items += items
        now = order_qualifies(
            facts(
                subtotal=subtotal,
                minimum_subtotal=minimum,
                refunded_subtotal=refunded,
                qualifying_lines={1: quantity},
                refunded_lines={1: refunded_items},
            )
        )
        assert not (now and not qualified)
        qualified = now
