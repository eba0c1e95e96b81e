"""Fraud guards: the affiliate's own orders earn nothing, per-code caps hold, and a code
whose use jumps far above its normal rate is flagged for the merchant to pause."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from typing import Any

import requests

from shopify_loyalty.affiliates.fraud import spike_threshold
from shopify_loyalty.db import utcnow
from tests.affiliates.conftest import Api, buyer, paid_order

Deliver = Callable[..., requests.Response]


def outcomes(rows: list[dict[str, Any]]) -> list[tuple[str, str | None, str]]:
    return [(row["status"], row["reason"], row["commission"]) for row in rows]


def test_the_affiliates_own_orders_are_rejected_by_customer_or_email(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    linked_customer = buyer("someone.else@example.com")
    anna = make_affiliate(email="Anna@Partners.example", shopify_customer_id=linked_customer["id"])
    make_code(anna["id"], "ANNA15")
    deliver(
        "orders/paid",
        paid_order("50.00", codes=("ANNA15",), customer=buyer("anna@PARTNERS.example")),
    )
    deliver("orders/paid", paid_order("50.00", ref="ANNA15", guest_email="ANNA@partners.example"))
    deliver("orders/paid", paid_order("50.00", codes=("ANNA15",), customer=linked_customer))
    deliver(
        "orders/paid", paid_order("50.00", codes=("ANNA15",), customer=buyer("fan@example.com"))
    )

    assert outcomes(ledger(anna["id"])) == [
        ("rejected", "own_order", "0.00"),
        ("rejected", "own_order", "0.00"),
        ("rejected", "own_order", "0.00"),
        ("pending", None, "6.25"),
    ]


def test_per_code_caps_on_orders_and_commission(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    ledger: Callable[[int], list[dict[str, Any]]],
) -> None:
    anna = make_affiliate(commission_value="10")
    bob = make_affiliate(name="Bob", email="bob@partners.example", commission_value="10")
    make_code(anna["id"], "ANNA15", max_orders=2)
    make_code(bob["id"], "BOB10", max_commission="25.00")
    for index in range(3):
        deliver(
            "orders/paid",
            paid_order("100.00", codes=("ANNA15",), customer=buyer(f"a{index}@example.com")),
        )
        deliver(
            "orders/paid",
            paid_order("100.00", codes=("BOB10",), customer=buyer(f"b{index}@example.com")),
        )

    assert outcomes(ledger(anna["id"])) == [
        ("pending", None, "10.00"),
        ("pending", None, "10.00"),
        ("rejected", "code_order_cap", "0.00"),
    ]
    assert outcomes(ledger(bob["id"])) == [
        ("pending", None, "10.00"),
        ("pending", None, "10.00"),
        ("pending", None, "5.00"),
    ]
    deliver("orders/paid", paid_order("100.00", codes=("BOB10",), customer=buyer("b9@example.com")))
    assert outcomes(ledger(bob["id"]))[-1] == ("rejected", "code_commission_cap", "0.00")


def test_the_spike_rule_is_ten_a_day_or_five_times_the_trailing_average() -> None:
    assert spike_threshold(0) == Decimal(10)
    assert spike_threshold(56) == Decimal(10)
    assert spike_threshold(84) == Decimal(15)


def test_a_code_used_far_above_its_normal_rate_is_flagged_and_can_be_paused(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Deliver,
    api: Api,
) -> None:
    anna = make_affiliate()
    code = make_code(anna["id"], "ANNA15")
    # 28 orders over the last four weeks: one a day, so the day's limit is max(10, 5) = 10.
    for day in range(1, 29):
        deliver(
            "orders/paid",
            paid_order(
                "20.00",
                codes=("ANNA15",),
                customer=buyer(f"old{day}@example.com"),
                placed_at=utcnow() - timedelta(days=day),
            ),
        )
    for index in range(10):
        deliver(
            "orders/paid",
            paid_order("20.00", codes=("ANNA15",), customer=buyer(f"n{index}@example.com")),
        )
    assert api("GET", "/flags").json() == {"codes": []}

    deliver(
        "orders/paid", paid_order("20.00", codes=("ANNA15",), customer=buyer("leak@example.com"))
    )
    [flagged] = api("GET", "/flags").json()["codes"]
    assert (flagged["id"], flagged["flagged"]) == (code["id"], True)
    assert flagged["flag_note"].startswith("11 orders on ")
    assert flagged["flag_note"].endswith("above the usual 10.0 a day")

    paused = api("POST", f"/codes/{code['id']}/pause").json()
    assert (paused["active"], paused["flagged"]) == (False, True)
    resumed = api("POST", f"/codes/{code['id']}/resume").json()
    assert (resumed["active"], resumed["flagged"]) == (True, False)
