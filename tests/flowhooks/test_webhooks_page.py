"""The webhooks admin page: in the navigation, adding an endpoint shows its signing secret
once, a refused URL is shown beside its field, and the delivery log offers redelivery; a
second shop sees none of it."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
import requests

from tests.admin.signed_in import csrf_of, sign_in
from tests.conftest import OTHER_SHOP, new_id
from tests.flowhooks.conftest import Receiver
from tests.flowhooks.test_outbound_webhooks import verify_signature
from tests.live_server import LiveServer
from tests.notifications.conftest import Deliver, member_payload

SECRET = re.compile(r"<code>(whsec_[A-Za-z0-9_-]+)</code>")


def test_adding_an_endpoint_shows_its_secret_once_and_the_log_offers_redelivery(
    shop: str,
    live: LiveServer,
    receiver: Receiver,
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
    install: Callable[[str], None],
    session_token: Callable[..., str],
    wait_for: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    client = sign_in(live, shop, monkeypatch)
    page = client.get("/admin/webhooks")
    assert page.status_code == 200, page.text[:300]
    assert 'href="/admin/webhooks"' in page.text

    refused = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": csrf_of(page.text),
            "url": "https://192.168.0.10/hooks",
            "topics": ["points.earned"],
        },
    )
    assert refused.status_code == 400
    assert "url must reach a public address; 192.168.0.10 resolves to 192.168.0.10" in refused.text
    assert 'value="https://192.168.0.10/hooks"' in refused.text

    added = client.post(
        "/admin/webhooks",
        data={
            "csrf_token": csrf_of(page.text),
            "url": receiver.url,
            "topics": ["points.earned", "tier.changed"],
            "description": "Our CRM",
        },
    )
    assert added.status_code == 200, added.text[:300]
    [secret] = SECRET.findall(added.text)
    listed = http.get("/admin/api/webhook-endpoints", headers=admin_headers).json()["endpoints"]
    assert [(e["url"], e["topics"], e["description"]) for e in listed] == [
        (receiver.url, ["points.earned", "tier.changed"], "Our CRM")
    ]
    assert SECRET.findall(client.get("/admin/webhooks").text) == []

    deliver("customers/create", member_payload(new_id(), locale="en"))
    wait_for(lambda: receiver.requests)

    def delivered_page() -> str | None:
        text = client.get("/admin/webhooks").text
        return text if "delivered" in text else None

    text = delivered_page() or wait_for(delivered_page)
    assert re.search(r"#1 [0-9-]+ [0-9:]+ UTC · 200 · \d+ ms", " ".join(text.split()))
    redeliver = re.search(r'action="(/admin/webhooks/\d+/deliveries/\d+/redeliver)"', text)
    assert redeliver is not None
    again = client.post(redeliver.group(1), data={"csrf_token": csrf_of(text)})
    assert again.status_code == 303
    wait_for(lambda: len(receiver.requests) == 2)
    first, second = receiver.requests
    assert first.body == second.body
    assert secret not in text
    assert verify_signature(secret, second.headers, second.body)

    # Another shop sees no endpoint of this one and cannot touch it.
    install(OTHER_SHOP)
    rival = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}
    assert http.get("/admin/api/webhook-endpoints", headers=rival).json()["endpoints"] == []
    endpoint_id = listed[0]["id"]
    assert http.get(f"/admin/api/webhook-endpoints/{endpoint_id}", headers=rival).status_code == 404
    response = http.delete(f"/admin/api/webhook-endpoints/{endpoint_id}", headers=rival)
    assert response.status_code == 404
    mine = http.get("/admin/api/webhook-endpoints", headers=admin_headers).json()["endpoints"]
    assert [endpoint["id"] for endpoint in mine] == [endpoint_id]
