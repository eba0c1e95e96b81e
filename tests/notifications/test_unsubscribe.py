"""The unsubscribe link works without a login, stops marketing email (never reward codes)
and a later opt-in at Shopify starts it again."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import requests

from shopify_loyalty.notifications.models import NotificationMessage
from shopify_loyalty.notifications.unsubscribe_tokens import unsubscribe_token
from tests.conftest import API_SECRET, OTHER_SHOP, new_id
from tests.engine.test_stamps_webhooks import paid_order
from tests.notifications.conftest import Deliver, Outbox, consent, member_payload

LINK = re.compile(r"http://[^\s\"<>]+(/notifications/unsubscribe/[A-Za-z0-9._-]+)")


def unsubscribe_path(outbox: Outbox) -> str:
    match = LINK.search(outbox.emails()[0].text)
    assert match is not None
    return match.group(1)


def test_the_link_asks_then_records_and_stops_marketing_but_not_reward_codes(
    deliver: Deliver,
    outbox: Outbox,
    http: requests.Session,
    admin_headers: dict[str, str],
    messages: Callable[[], list[NotificationMessage]],
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    path = unsubscribe_path(outbox)

    asked = http.get(path)
    assert asked.status_code == 200
    assert "<h1>Unsubscribe from Loyal Goods&#39;s reward emails?</h1>" in asked.text
    assert '<form method="post">' in asked.text
    done = http.post(path)
    assert done.status_code == 200
    assert "<h1>You are unsubscribed</h1>" in done.text
    assert http.post(path).status_code == 200

    response = http.put("/admin/api/settings/stamps", json={"card_size": 3}, headers=admin_headers)
    assert response.status_code == 200, response.text
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="300.00"))

    assert [email.kind for email in outbox.emails()] == ["welcome", "stamp_card_completed"]
    assert sorted((row.kind, row.skip_reason) for row in messages()) == [
        ("points_earned", "unsubscribed"),
        ("stamp_card_completed", None),
        ("tier_up", "unsubscribed"),
        ("welcome", None),
    ]


def test_a_newer_opt_in_at_shopify_lifts_the_unsubscribe(
    deliver: Deliver, outbox: Outbox, http: requests.Session
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="de"))
    path = unsubscribe_path(outbox)
    assert "<h1>Prämien-E-Mails von Loyal Goods abbestellen?</h1>" in http.get(path).text
    assert http.post(path).status_code == 200
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="20.00"))
    assert len(outbox.emails()) == 1

    opted_in = (datetime.now(UTC) + timedelta(minutes=1)).isoformat()
    again = member_payload(customer_id, locale="de")
    again["email_marketing_consent"] = consent("subscribed", opted_in)
    deliver("customers/update", again)
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="30.00"))

    assert [email.kind for email in outbox.emails()] == ["welcome", "points_earned"]
    assert outbox.emails()[1].email["Subject"] == "Du hast 30 Punkte gesammelt"


def test_a_forged_or_foreign_link_changes_nothing(
    deliver: Deliver, outbox: Outbox, http: requests.Session
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    path = unsubscribe_path(outbox)
    forged = path[:-3] + ("AAA" if not path.endswith("AAA") else "BBB")
    foreign = "/notifications/unsubscribe/" + unsubscribe_token(API_SECRET, OTHER_SHOP, customer_id)
    wrong_secret = "/notifications/unsubscribe/" + unsubscribe_token(
        "another-secret", "loyal-goods.myshopify.com", customer_id
    )

    for bad in (forged, foreign, wrong_secret):
        for answer in (http.get(bad), http.post(bad)):
            assert answer.status_code == 404
            assert "<h1>This link does not work</h1>" in answer.text
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="20.00"))

    assert [email.kind for email in outbox.emails()] == ["welcome", "points_earned"]
