"""The welcome without a bonus, the shop's branding and default language, the switches of
each message, and the outbox files of a redacted customer."""

from __future__ import annotations

import re
from collections.abc import Callable

import requests

from shopify_loyalty.notifications.models import NotificationMessage
from tests.conftest import new_id, sample
from tests.engine.test_stamps_webhooks import paid_order
from tests.notifications.conftest import Deliver, Outbox, member_payload

Messages = Callable[[], list[NotificationMessage]]
LOGO = "https://cdn.example.com/loyal-goods/logo.png"


def put(
    http: requests.Session, headers: dict[str, str], section: str, body: dict
) -> requests.Response:
    return http.put(f"/admin/api/settings/{section}", json=body, headers=headers)


def test_a_new_member_is_welcomed_even_without_a_signup_bonus(
    deliver: Deliver,
    outbox: Outbox,
    http: requests.Session,
    admin_headers: dict[str, str],
    messages: Messages,
) -> None:
    assert put(http, admin_headers, "points", {"signup_bonus": 0}).status_code == 200
    customer_id = new_id()
    joined = member_payload(customer_id, locale="en")

    deliver("customers/create", joined, event_id="join-1")
    deliver("customers/create", joined, event_id="join-1")
    deliver("customers/create", joined, event_id="join-2")

    [welcome] = outbox.emails()
    assert welcome.kind == "welcome"
    assert "Welcome, Maria!" in welcome.text
    assert "Thank you for joining." in welcome.text
    assert "welcome points" not in welcome.text
    assert [(row.kind, row.status) for row in messages()] == [("welcome", "sent")]


def test_branding_frames_the_email_and_the_default_language_covers_unknown_locales(
    deliver: Deliver, outbox: Outbox, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = put(
        http,
        admin_headers,
        "email_branding",
        {"logo_url": LOGO, "accent_color": "#AA3300", "default_locale": "de"},
    )
    assert response.status_code == 200, response.text

    deliver("customers/create", member_payload(new_id(), locale="fr-FR"))

    [welcome] = outbox.emails()
    assert welcome.email["Subject"].startswith("Willkommen im Prämienprogramm von ")
    assert f'<img src="{LOGO}"' in welcome.html
    assert "background:#aa3300" in welcome.html
    assert 'lang="de"' in welcome.html


def test_bad_branding_is_refused_naming_the_field(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    cases = [
        ({"logo_url": "http://cdn.example.com/logo.png"}, "logo_url"),
        ({"logo_url": 'https://cdn.example.com/a"onload="x.png'}, "logo_url"),
        ({"accent_color": "red"}, "accent_color"),
        ({"default_locale": "fr"}, "default_locale"),
        ({"logo_url": "https://x.example/" + "a" * 500}, "logo_url"),
    ]
    for body, field in cases:
        response = put(http, admin_headers, "email_branding", body)
        assert response.status_code == 400, (body, response.text)
        assert response.json()["field"] == field
        assert field in response.json()["message"]
    response = put(http, admin_headers, "email_branding", {"default_locale": "fr"})
    assert response.json()["message"] == "default_locale must be one of en, de"


def test_a_switched_off_message_is_recorded_as_skipped_and_never_sent_later(
    deliver: Deliver,
    outbox: Outbox,
    http: requests.Session,
    admin_headers: dict[str, str],
    messages: Messages,
) -> None:
    response = put(http, admin_headers, "email_messages", {"points_earned": False})
    assert response.status_code == 200, response.text
    customer_id, order_id = new_id(), new_id()
    deliver("customers/create", member_payload(customer_id, locale="en"))
    order = paid_order(customer_id, order_id, subtotal="40.00")
    deliver("orders/paid", order, event_id="paid-1")

    put(http, admin_headers, "email_messages", {"points_earned": True})
    deliver("orders/paid", order, event_id="paid-2")

    assert [email.kind for email in outbox.emails()] == ["welcome"]
    assert [(row.kind, row.status, row.skip_reason) for row in messages()] == [
        ("welcome", "sent", None),
        ("points_earned", "skipped", "switched_off"),
    ]
    listed = http.get("/admin/api/notifications/messages", headers=admin_headers).json()
    assert {m["kind"]: m["enabled"] for m in listed["messages"]}["points_earned"] is True


def test_a_switch_that_is_not_a_boolean_is_refused(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = put(http, admin_headers, "email_messages", {"welcome": "no"})

    assert response.status_code == 400
    assert response.json() == {
        "error": "invalid",
        "message": "welcome must be true or false",
        "field": "welcome",
    }


def test_customer_redact_deletes_that_customers_outbox_files_only(
    deliver: Deliver, outbox: Outbox, messages: Messages
) -> None:
    redacted_id = sample("customers/redact")["customer"]["id"]
    deliver("customers/create", member_payload(redacted_id, email="maria.keller@example.com"))
    deliver("customers/create", member_payload(new_id(), email="other@example.com"))
    assert len(outbox.emails()) == 2

    deliver("customers/redact", sample("customers/redact"))

    [kept] = outbox.emails()
    assert kept.email["To"] == "other@example.com"
    assert re.search(r"maria\.keller", "".join(p.path.read_text() for p in outbox.emails())) is None
    assert sorted(str(row.recipient) for row in messages()) == ["None", "other@example.com"]
