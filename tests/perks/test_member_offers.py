"""Member-only offers: code discounts at the stand-in shop limited to the audiences'
customer segments, kept in step when the merchant edits or ends them."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import requests

from shopify_loyalty.standin.app import StandinServer
from tests.perks.conftest import (
    MerchantApi,
    discount_with_code,
    moment,
    offer_body,
    segment_ids,
    shop_state,
)

GOLD = "customer_tags CONTAINS 'loyalty-tier:gold'"
SILVER = "customer_tags CONTAINS 'loyalty-tier:silver'"
PAID = "customer_tags CONTAINS 'loyalty-member:paid'"
CHAMPIONS = "customer_tags CONTAINS 'loyalty-segment:champions'"


def test_a_new_offer_becomes_a_discount_limited_to_its_audiences_segments(
    merchant: MerchantApi, standin: StandinServer, shop: str, settle: Callable[..., None]
) -> None:
    body = offer_body()

    created = merchant.post("/offers", body)
    settle()

    assert created.status_code == 201, created.text
    assert created.json()["status"] == "active"
    state = shop_state(standin, shop)
    segments = segment_ids(state)
    assert set(segments) == {GOLD, PAID}
    discount = discount_with_code(state, "GOLDWEEK")
    assert discount["kind"] == "basic"
    assert discount["title"] == "Gold week: 20% off"
    assert discount["status"] == "ACTIVE"
    assert discount["context"] == {"customerSegments": [segments[GOLD], segments[PAID]]}
    assert discount["value"] == {"percentage": 0.2}
    assert discount["minimum_requirement"] == {
        "subtotal": {"greaterThanOrEqualToSubtotal": "50.00"}
    }
    assert (discount["usage_limit"], discount["applies_once_per_customer"]) == (500, True)
    assert discount["ends_at"][:16] == body["ends_at"][:16]
    stored = merchant.get(f"/offers/{created.json()['id']}").json()
    assert stored["shopify_discount_id"] == discount["id"]


def test_offers_reuse_one_segment_per_audience_including_the_tier_programs(
    merchant: MerchantApi, standin: StandinServer, shop: str, settle: Callable[..., None]
) -> None:
    first = merchant.post("/offers", offer_body(audiences=["tier:gold"]))
    second = merchant.post(
        "/offers",
        offer_body(code="GOLDPLUS", audiences=["tier:gold", "segment:champions"]),
    )
    settle()

    assert (first.status_code, second.status_code) == (201, 201), second.text
    state = shop_state(standin, shop)
    queries = [segment["query"] for segment in state["segments"]]
    assert sorted(queries) == sorted([GOLD, CHAMPIONS])
    segments = segment_ids(state)
    assert discount_with_code(state, "GOLDPLUS")["context"] == {
        "customerSegments": [segments[GOLD], segments[CHAMPIONS]]
    }


def test_editing_an_offer_updates_its_discount_and_swaps_the_segments(
    merchant: MerchantApi, standin: StandinServer, shop: str, settle: Callable[..., None]
) -> None:
    offer_id = merchant.post("/offers", offer_body()).json()["id"]
    settle()

    changed = merchant.put(
        f"/offers/{offer_id}",
        {
            "title": "Silver weekend: 15 EUR off",
            "kind": "fixed_amount",
            "value": "15",
            "minimum_subtotal": None,
            "audiences": ["tier:silver"],
        },
    )
    settle()

    assert changed.status_code == 200, changed.text
    state = shop_state(standin, shop)
    discount = discount_with_code(state, "GOLDWEEK")
    assert discount["title"] == "Silver weekend: 15 EUR off"
    assert discount["value"] == {"discountAmount": {"amount": "15.00", "appliesOnEachItem": False}}
    assert discount["context"] == {"customerSegments": [segment_ids(state)[SILVER]]}
    assert discount["minimum_requirement"] is None
    assert len(state["discounts"]) == 1


def test_ending_an_offer_deactivates_its_discount_and_it_can_no_longer_change(
    merchant: MerchantApi, standin: StandinServer, shop: str, settle: Callable[..., None]
) -> None:
    offer_id = merchant.post("/offers", offer_body()).json()["id"]
    settle()

    ended = merchant.post(f"/offers/{offer_id}/end")
    settle()

    assert ended.status_code == 200, ended.text
    assert ended.json()["status"] == "ended"
    assert discount_with_code(shop_state(standin, shop), "GOLDWEEK")["status"] == "EXPIRED"
    refused = merchant.put(f"/offers/{offer_id}", {"value": "25"})
    assert refused.status_code == 409
    assert refused.json()["field"] == "offer_id"


def test_a_scheduled_offer_waits_at_shopify_until_it_starts(
    merchant: MerchantApi, standin: StandinServer, shop: str, settle: Callable[..., None]
) -> None:
    created = merchant.post(
        "/offers",
        offer_body(starts_at=moment(timedelta(days=1)), ends_at=moment(timedelta(days=3))),
    )
    settle()

    assert created.json()["status"] == "scheduled"
    assert discount_with_code(shop_state(standin, shop), "GOLDWEEK")["status"] == "SCHEDULED"


def test_bad_offers_are_refused_naming_the_field_and_the_range(merchant: MerchantApi) -> None:
    cases = {
        "value": offer_body(value="150"),
        "kind": offer_body(kind="bogo"),
        "audiences[1]": offer_body(audiences=["tier:gold", "tier:diamond"]),
        "audiences": offer_body(audiences=[]),
        "ends_at": offer_body(ends_at=moment(-timedelta(minutes=5))),
        "usage_limit": offer_body(usage_limit=0),
        "minimum_subtotal": offer_body(minimum_subtotal="-1"),
        "code": offer_body(code="no spaces allowed"),
        "title": offer_body(title=""),
    }
    for field, body in cases.items():
        response = merchant.post("/offers", body)
        assert response.status_code == 400, (field, response.text)
        assert response.json()["field"] == field, response.text
    percent = merchant.post("/offers", offer_body(value="150")).json()
    assert "from 1 to 100" in percent["message"]
    audiences = merchant.post("/offers", offer_body(audiences=["tier:diamond"])).json()
    assert "tier:gold" in audiences["message"] and "paid_members" in audiences["message"]


def test_a_code_is_one_offers_only(merchant: MerchantApi) -> None:
    assert merchant.post("/offers", offer_body()).status_code == 201

    again = merchant.post("/offers", offer_body(code="goldweek"))

    assert again.status_code == 409
    assert again.json()["field"] == "code"


def test_another_shops_offer_is_not_found(
    merchant: MerchantApi,
    http: requests.Session,
    session_token: Callable[..., str],
    install: Callable[[str], None],
) -> None:
    offer_id = merchant.post("/offers", offer_body()).json()["id"]
    install("rival-goods.myshopify.com")
    rival = {"Authorization": f"Bearer {session_token('rival-goods.myshopify.com')}"}

    assert http.get(f"/admin/api/offers/{offer_id}", headers=rival).status_code == 404
    assert http.get("/admin/api/offers", headers=rival).json() == {"offers": []}
