"""The rewards catalogue pages: the list with codes issued and used, adding, changing,
switching off and archiving a reward with the catalogue's own validation beside each field,
all seen by the admin API and the widget; and another shop can neither see nor touch it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.admin.signed_in import csrf_of, field_error, sign_in
from tests.conftest import new_id
from tests.engine.test_stamps_webhooks import customer_payload, paid_order
from tests.live_server import LiveServer
from tests.storefront.conftest import ProxyClient

RIVAL = "rival-goods.myshopify.com"
NEW_REWARD = {
    "title": "",
    "kind": "percentage",
    "value": "15",
    "points_cost": "800",
    "minimum_order": "",
    "expiry_days": "30",
    "active": "1",
}


def api_rewards(http: requests.Session, headers: dict[str, str]) -> list[dict[str, Any]]:
    response = http.get("/admin/api/rewards", headers=headers)
    assert response.status_code == 200, response.text
    rewards: list[dict[str, Any]] = response.json()["rewards"]
    return rewards


def widget_rewards(http: requests.Session, shop: str) -> list[tuple[str, int]]:
    body = ProxyClient(http, shop).get("/api/program").json()
    return [(r["title"], r["points_cost"]) for r in body["rewards"]]


def submit(client: requests.Session, path: str, **fields: str) -> requests.Response:
    page = client.get(path)
    assert page.status_code == 200, page.text[:300]
    return client.post(path, data={"csrf_token": csrf_of(page.text), **fields})


def test_the_list_shows_each_reward_with_the_codes_issued_and_used(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    deliver: Callable[..., requests.Response],
    settle: Callable[..., None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    five_off = next(r for r in api_rewards(http, admin_headers) if r["points_cost"] == 500)
    codes = []
    for _ in range(2):
        customer = new_id()
        deliver("customers/create", customer_payload(customer))
        assert http.post(
            f"/admin/api/customers/{customer}/adjustments",
            json={"points": 400, "reason": "Welcome gift"},
            headers=admin_headers,
        ).ok
        redeemed = http.post(
            f"/admin/api/customers/{customer}/redemptions",
            json={"reward_id": five_off["id"]},
            headers=admin_headers,
        )
        assert redeemed.status_code == 201, redeemed.text
        codes.append((customer, redeemed.json()["code"]))
    customer, code = codes[0]
    deliver("orders/paid", paid_order(customer, new_id(), subtotal="40.00", codes=(code,)))
    settle()

    page = sign_in(live, shop, monkeypatch).get("/admin/rewards")

    assert page.status_code == 200
    cells = [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(rf'<tr id="reward-{five_off["id"]}">(.*?)</tr>', page.text, re.S)[
            0
        ].split("</td>")[:-1]
    ]
    assert cells == [
        "5.00 EUR off",
        "Amount off",
        "5.00 EUR",
        "500",
        "Any order",
        "90 days",
        "Active",
        "2",
        "1",
    ]
    assert page.text.count('<tr id="reward-') == 3
    assert '<a href="/admin/rewards" class="current">Rewards</a>' in page.text  # navigation


def test_a_reward_is_added_changed_switched_off_and_archived_for_the_api_and_the_widget(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = sign_in(live, shop, monkeypatch)

    added = submit(client, "/admin/rewards/new", **NEW_REWARD)

    assert (added.status_code, added.headers["Location"]) == (303, "/admin/rewards?done=created")
    assert "Reward added." in client.get(added.headers["Location"]).text
    new = next(r for r in api_rewards(http, admin_headers) if r["points_cost"] == 800)
    assert {k: new[k] for k in ("title", "kind", "value", "minimum_order", "expiry_days")} == {
        "title": "15% off",
        "kind": "percentage",
        "value": "15.00",
        "minimum_order": None,
        "expiry_days": 30,
    }
    assert ("15% off", 800) in widget_rewards(http, shop)

    # The app wrote the title, so it follows the new value; the form shows it empty.
    path = f"/admin/rewards/{new['id']}"
    assert 'id="title" name="title" type="text" value=""' in client.get(path).text
    changed = submit(client, path, **{**NEW_REWARD, "value": "20", "points_cost": "900"})
    assert changed.status_code == 303
    assert ("20% off", 900) in widget_rewards(http, shop)
    named = submit(client, path, **{**NEW_REWARD, "title": "Spring treat", "minimum_order": "25"})
    assert named.status_code == 303
    stored = next(r for r in api_rewards(http, admin_headers) if r["id"] == new["id"])
    assert (stored["title"], stored["value"], stored["points_cost"], stored["minimum_order"]) == (
        "Spring treat",
        "15.00",
        800,
        "25.00",
    )
    assert ("Spring treat", 800) in widget_rewards(http, shop)

    switched_off = {k: v for k, v in NEW_REWARD.items() if k != "active"}
    assert submit(client, path, **{**switched_off, "title": "Spring treat"}).status_code == 303
    assert (
        next(r for r in api_rewards(http, admin_headers) if r["id"] == new["id"])["active"] is False
    )
    assert "Spring treat" not in [title for title, _ in widget_rewards(http, shop)]

    archive = client.post(f"{path}/archive", data={"csrf_token": csrf_of(client.get(path).text)})
    assert (archive.status_code, archive.headers["Location"]) == (
        303,
        "/admin/rewards?done=archived",
    )
    assert new["id"] not in [r["id"] for r in api_rewards(http, admin_headers)]
    assert client.get(path).status_code == 404
    assert widget_rewards(http, shop) == [
        ("Free shipping", 300),
        ("5.00 EUR off", 500),
        ("10% off", 1000),
    ]


def test_a_wrong_value_is_refused_beside_its_field_and_nothing_is_stored(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = sign_in(live, shop, monkeypatch)
    before = api_rewards(http, admin_headers)

    for changes, field, message in (
        ({"value": "0"}, "value", "value must be a percentage from 1 to 100"),
        ({"value": "12.345"}, "value", "value must be a percentage from 1 to 100"),
        ({"points_cost": "lots"}, "points_cost", "points_cost must be a whole number"),
        (
            {"points_cost": "0"},
            "points_cost",
            "points_cost must be a whole number from 1 to 1000000",
        ),
        (
            {"expiry_days": "4000"},
            "expiry_days",
            "expiry_days must be a whole number from 1 to 3650",
        ),
        (
            {"kind": "fixed_amount", "value": ""},
            "value",
            "value must be a number from 0 to 100000",
        ),
        ({"title": "x" * 101}, "title", "title must be at most 100 characters"),
    ):
        refused = submit(client, "/admin/rewards/new", **{**NEW_REWARD, **changes})

        assert refused.status_code == 400, changes
        assert field_error(refused.text, field) == message, changes
        typed = next(iter(changes.values()))
        if typed and field != "title":
            assert f'name="{field}" type="{"number" if field != "value" else "text"}" ' in (
                refused.text
            )
            assert f'value="{typed}"' in refused.text  # what was typed stays in the field

    # Free shipping needs no value.
    free = submit(
        client, "/admin/rewards/new", **{**NEW_REWARD, "kind": "free_shipping", "value": ""}
    )
    assert free.status_code == 303
    after = api_rewards(http, admin_headers)
    assert len(after) == len(before) + 1
    assert [(r["title"], r["value"]) for r in after if r["points_cost"] == 800] == [
        ("Free shipping", "0.00")
    ]
    edit = f"/admin/rewards/{before[0]['id']}"
    refused = submit(client, edit, **{**NEW_REWARD, "kind": "fixed_amount", "value": "-5"})
    assert refused.status_code == 400
    assert field_error(refused.text, "value") == "value must be a number from 0 to 100000"
    assert api_rewards(http, admin_headers)[0] == after[0]

    unsigned = client.post("/admin/rewards/new", data=NEW_REWARD)
    assert unsigned.status_code == 403
    assert len(api_rewards(http, admin_headers)) == len(after)


def test_another_shop_can_neither_see_nor_change_the_catalogue(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    admin_headers: dict[str, str],
    install: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = sign_in(live, shop, monkeypatch)
    assert submit(owner, "/admin/rewards/new", **{**NEW_REWARD, "title": "Ours"}).ok
    ours = next(r for r in api_rewards(http, admin_headers) if r["title"] == "Ours")
    install(RIVAL)
    rival = sign_in(live, RIVAL, monkeypatch)

    listing = rival.get("/admin/rewards")
    token = csrf_of(rival.get("/admin/rewards/new").text)
    path = f"/admin/rewards/{ours['id']}"

    assert listing.status_code == 200
    assert "Ours" not in listing.text
    assert rival.get(path).status_code == 404
    assert rival.post(path, data={**NEW_REWARD, "csrf_token": token}).status_code == 404
    assert rival.post(f"{path}/archive", data={"csrf_token": token}).status_code == 404
    assert next(r for r in api_rewards(http, admin_headers) if r["id"] == ours["id"]) == ours
    assert ("Ours", 800) not in widget_rewards(http, RIVAL)
    # A form of one shop is no good in another's session.
    assert owner.post(path, data={**NEW_REWARD, "csrf_token": token}).status_code == 403
