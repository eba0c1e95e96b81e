"""The merchant's view of the emails: every message with its switch, a preview of each in
both languages with sample data, the outbox of recent messages, and the Emails page."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import requests

from shopify_loyalty.notifications.kinds import Kind
from tests.admin.signed_in import csrf_of, sign_in
from tests.conftest import OTHER_SHOP, new_id
from tests.live_server import LiveServer
from tests.notifications.conftest import Deliver, member_payload

KINDS = [kind.value for kind in Kind]
TRANSACTIONAL = {"reward_code_issued", "stamp_card_completed", "affiliate_payout"}


def test_every_message_is_listed_with_its_switch_and_kind(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    response = http.get("/admin/api/notifications/messages", headers=admin_headers)

    assert response.status_code == 200
    body = response.json()
    assert body["settings_section"] == "email_messages"
    assert [m["kind"] for m in body["messages"]] == KINDS
    assert len(KINDS) == 12
    for message in body["messages"]:
        assert message["enabled"] is True
        assert message["marketing"] is (message["kind"] not in TRANSACTIONAL)
        assert message["locales"] == ["en", "de"]
        assert message["description"]


@pytest.mark.parametrize("locale", ["en", "de"])
def test_every_template_previews_with_sample_data_in_both_languages(
    http: requests.Session, admin_headers: dict[str, str], locale: str
) -> None:
    subjects = set()
    for kind in KINDS:
        response = http.get(
            f"/admin/api/notifications/previews/{kind}?locale={locale}", headers=admin_headers
        )
        assert response.status_code == 200, (kind, response.text)
        preview = response.json()
        assert (preview["kind"], preview["locale"]) == (kind, locale)
        assert f'lang="{locale}"' in preview["html"]
        assert preview["subject"] and preview["subject"] in preview["html"]
        assert "Loyal Goods" in preview["html"] and "Loyal Goods" in preview["text"]
        has_link = "/notifications/unsubscribe/" in preview["text"]
        assert has_link is preview["marketing"] is (kind not in TRANSACTIONAL)
        subjects.add(preview["subject"])
    assert len(subjects) == len(KINDS)


def test_a_german_preview_is_german(http: requests.Session, admin_headers: dict[str, str]) -> None:
    response = http.get(
        "/admin/api/notifications/previews/reward_code_issued?locale=de", headers=admin_headers
    )

    assert response.json()["subject"] == "Dein Prämiencode: LOY-7Q2M9XK4"
    assert "Du hast 500 Punkte für „5.00 off your next order“ eingelöst." in response.json()["text"]


def test_an_unknown_message_or_language_is_refused(
    http: requests.Session, admin_headers: dict[str, str]
) -> None:
    unknown = http.get("/admin/api/notifications/previews/newsletter", headers=admin_headers)
    french = http.get("/admin/api/notifications/previews/welcome?locale=fr", headers=admin_headers)

    assert unknown.status_code == 404
    assert unknown.json()["field"] == "kind"
    assert french.status_code == 400
    assert french.json() == {
        "error": "invalid",
        "message": "locale must be one of en, de",
        "field": "locale",
    }


def test_the_outbox_lists_recent_messages_with_their_status(
    deliver: Deliver, http: requests.Session, admin_headers: dict[str, str]
) -> None:
    sent_to, skipped_to = new_id(), new_id()
    deliver("customers/create", member_payload(sent_to, locale="de"))
    deliver("customers/create", member_payload(skipped_to, locale="en", subscribed=False))

    response = http.get("/admin/api/notifications/outbox", headers=admin_headers)
    skipped = http.get("/admin/api/notifications/outbox?status=skipped", headers=admin_headers)

    assert response.status_code == 200
    assert response.json()["delivery"] == "outbox_folder"
    rows = [
        (m["kind"], m["customer_id"], m["recipient"], m["locale"], m["status"], m["skip_reason"])
        for m in response.json()["messages"]
    ]
    assert rows == [
        ("welcome", skipped_to, f"shopper-{skipped_to}@example.com", "en", "skipped", "no_consent"),
        ("welcome", sent_to, f"shopper-{sent_to}@example.com", "de", "sent", None),
    ]
    assert [m["customer_id"] for m in skipped.json()["messages"]] == [skipped_to]
    bad = http.get("/admin/api/notifications/outbox?limit=0", headers=admin_headers)
    assert bad.status_code == 400 and bad.json()["field"] == "limit"


def test_the_notification_api_needs_a_session_token_and_keeps_shops_apart(
    deliver: Deliver,
    http: requests.Session,
    install: Callable[[str], None],
    session_token: Callable[..., str],
) -> None:
    deliver("customers/create", member_payload(new_id()))
    install(OTHER_SHOP)
    theirs = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}

    for path in ("messages", "previews/welcome", "outbox"):
        assert http.get(f"/admin/api/notifications/{path}").status_code == 401
    assert http.get("/admin/api/notifications/outbox", headers=theirs).json()["messages"] == []


def test_the_emails_page_previews_and_switches_a_message(
    live: LiveServer, shop: str, monkeypatch: pytest.MonkeyPatch, admin_headers: dict[str, str]
) -> None:
    client = sign_in(live, shop, monkeypatch)
    page = client.get("/admin/notifications")
    assert page.status_code == 200
    assert 'href="/admin/notifications"' in page.text  # in the nav
    assert 'id="message-tier_down"' in page.text

    preview = client.get("/admin/notifications/previews/tier_up?locale=de")
    assert preview.status_code == 200
    assert "Willkommen bei Gold" in preview.text
    assert 'sandbox=""' in preview.text

    switched = client.post(
        "/admin/notifications/switches",
        data={"csrf_token": csrf_of(page.text), "kind": "tier_down", "enabled": "0"},
        allow_redirects=False,
    )
    assert switched.status_code == 303
    listed = client.get(switched.headers["Location"]).text
    assert "Saved: tier_down." in listed
    assert '<tr id="message-tier_down">' in listed and "Switch on" in listed
    forged = client.post("/admin/notifications/switches", data={"kind": "welcome", "enabled": "0"})
    assert forged.status_code == 403
    messages = live.client().get("/admin/api/notifications/messages", headers=admin_headers)
    enabled = {m["kind"]: m["enabled"] for m in messages.json()["messages"]}
    assert (enabled["tier_down"], enabled["welcome"]) == (False, True)
