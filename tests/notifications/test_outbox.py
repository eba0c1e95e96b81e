"""Emails told through the outbox folder: driven by signed webhooks, one per fact however
often Shopify delivers, in the shopper's language, with consent for marketing."""

from __future__ import annotations

import re
from collections.abc import Callable

import requests

from shopify_loyalty.notifications.models import NotificationMessage
from shopify_loyalty.services import Services
from tests.conftest import new_id
from tests.engine.test_stamps_webhooks import paid_order
from tests.notifications.conftest import Deliver, Outbox, consent, member_payload, shop_name

Messages = Callable[[], list[NotificationMessage]]
UNSUBSCRIBE_LINK = re.compile(r"http://[^\s\"<>]+/notifications/unsubscribe/[A-Za-z0-9._-]+")


def test_a_new_member_is_welcomed_in_german_with_html_and_text(
    deliver: Deliver, outbox: Outbox, services: Services, shop: str
) -> None:
    customer_id = new_id()
    address = f"shopper-{customer_id}@example.com"

    deliver("customers/create", member_payload(customer_id, locale="de-DE"))

    [welcome] = outbox.emails()
    name = shop_name(services, shop)
    assert welcome.kind == "welcome"
    assert welcome.email["To"] == address
    assert welcome.email["Subject"] == f"Willkommen im Prämienprogramm von {name}"
    assert welcome.email.get_content_type() == "multipart/alternative"
    assert "Wir haben dir 100 Willkommenspunkte gutgeschrieben." in welcome.text
    assert "Willkommen, Maria!" in welcome.text
    assert "Wir haben dir 100 Willkommenspunkte gutgeschrieben." in welcome.html
    assert 'lang="de"' in welcome.html
    # The shop's name and the accent colour of its widget settings frame the message.
    assert f">{name}</td>" in welcome.html
    assert "background:#1f5f4a" in welcome.html
    [link] = UNSUBSCRIBE_LINK.findall(welcome.text)
    assert f"<{link}>" == welcome.email["List-Unsubscribe"]
    assert welcome.email["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def test_replayed_and_repeated_webhooks_send_each_email_once(
    deliver: Deliver, outbox: Outbox, messages: Messages
) -> None:
    customer_id, order_id = new_id(), new_id()
    joined = member_payload(customer_id, locale="en")
    deliver("customers/create", joined, event_id="join-1")
    order = paid_order(customer_id, order_id, subtotal="40.00")
    deliver("orders/paid", order, event_id="paid-1")

    # Shopify's retry of the same delivery, a second event for the same order and an
    # update of the customer: nothing new to tell.
    deliver("orders/paid", order, event_id="paid-1")
    deliver("orders/paid", order, event_id="paid-2")
    deliver("customers/create", joined, event_id="join-2")
    deliver("customers/update", joined)

    sent = outbox.emails()
    assert [email.kind for email in sent] == ["welcome", "points_earned"]
    earned = sent[1]
    assert earned.email["Subject"] == "You earned 40 points"
    assert f"Thank you for your order #{order_id % 100000}." in earned.text
    assert "You now have 100 points to spend and 40 on the way." in earned.text
    assert [(row.kind, row.status) for row in messages()] == [
        ("welcome", "sent"),
        ("points_earned", "sent"),
    ]


def test_marketing_waits_for_consent_but_reward_codes_always_go(
    deliver: Deliver,
    outbox: Outbox,
    messages: Messages,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    customer_id = new_id()
    address = f"shopper-{customer_id}@example.com"
    deliver("customers/create", member_payload(customer_id, subscribed=False, locale="en"))
    response = http.put("/admin/api/settings/stamps", json={"card_size": 3}, headers=admin_headers)
    assert response.status_code == 200, response.text

    # 300.00 fills the card (2 head-start stamps + 1) and reaches Silver (250.00).
    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="300.00"))

    [card] = outbox.to(address)
    assert card.kind == "stamp_card_completed"
    assert card.email["Subject"] == "Your stamp card is full: here is your reward"
    code = re.search(r"enter the code (\S+) at checkout", card.text)
    assert code is not None and code.group(1) in card.html
    # Transactional: no unsubscribe link.
    assert "unsubscribe" not in card.text.lower()
    assert card.email["List-Unsubscribe"] is None
    assert sorted((row.kind, row.status, row.skip_reason) for row in messages()) == [
        ("points_earned", "skipped", "no_consent"),
        ("stamp_card_completed", "sent", None),
        ("tier_up", "skipped", "no_consent"),
        ("welcome", "skipped", "no_consent"),
    ]


def test_a_consenting_member_hears_of_points_tier_and_full_card(
    deliver: Deliver, outbox: Outbox, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, locale="de"))
    response = http.put("/admin/api/settings/stamps", json={"card_size": 3}, headers=admin_headers)
    assert response.status_code == 200, response.text

    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="300.00"))

    by_kind = {email.kind: email for email in outbox.emails()}
    assert sorted(by_kind) == ["points_earned", "stamp_card_completed", "tier_up", "welcome"]
    assert by_kind["tier_up"].email["Subject"] == "Willkommen bei Silver"
    assert "Dein Mitgliederrabatt beträgt 5 %." in by_kind["tier_up"].text
    assert by_kind["points_earned"].email["Subject"] == "Du hast 300 Punkte gesammelt"
    assert by_kind["stamp_card_completed"].email["Subject"] == (
        "Deine Stempelkarte ist voll: hier ist deine Prämie"
    )


def test_a_redeemed_reward_code_is_mailed_without_marketing_consent(
    deliver: Deliver,
    outbox: Outbox,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    customer_id = new_id()
    address = f"shopper-{customer_id}@example.com"
    deliver("customers/create", member_payload(customer_id, subscribed=False, locale="de"))
    response = http.post(
        f"/admin/api/customers/{customer_id}/adjustments",
        json={"points": 400, "reason": "Welcome gift"},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    rewards = http.get("/admin/api/rewards", headers=admin_headers).json()["rewards"]
    reward = next(reward for reward in rewards if reward["points_cost"] == 500)

    response = http.post(
        f"/admin/api/customers/{customer_id}/redemptions",
        json={"reward_id": reward["id"]},
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    deliver("customers/update", member_payload(customer_id, subscribed=False, locale="de"))

    [issued] = outbox.to(address)
    code = response.json()["code"]
    assert issued.kind == "reward_code_issued"
    assert issued.email["Subject"] == f"Dein Prämiencode: {code}"
    assert f"Du hast 500 Punkte für „{reward['title']}“ eingelöst." in issued.text


def test_an_older_consent_delivered_late_does_not_override_a_newer_one(
    deliver: Deliver, outbox: Outbox, messages: Messages
) -> None:
    customer_id = new_id()
    newer = member_payload(customer_id, subscribed=False, locale="en")
    newer["email_marketing_consent"] = consent("unsubscribed", "2026-11-21T10:00:00Z")
    deliver("customers/create", newer)
    older = member_payload(customer_id, subscribed=True, locale="en")
    older["email_marketing_consent"] = consent("subscribed", "2026-11-20T10:00:00Z")
    deliver("customers/update", older)

    deliver("orders/paid", paid_order(customer_id, new_id(), subtotal="20.00"))

    assert outbox.emails() == []
    assert [(row.kind, row.skip_reason) for row in messages()] == [
        ("welcome", "no_consent"),
        ("points_earned", "no_consent"),
    ]


def test_a_customer_without_email_gets_nothing(
    deliver: Deliver, outbox: Outbox, messages: Messages
) -> None:
    customer_id = new_id()
    deliver("customers/create", member_payload(customer_id, email=None))

    assert outbox.emails() == []
    assert [(row.kind, row.status, row.skip_reason) for row in messages()] == [
        ("welcome", "skipped", "no_email")
    ]
