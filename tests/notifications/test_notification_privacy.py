"""A data request lists the customer's emails and consent; erasure removes the address."""

from __future__ import annotations

from collections.abc import Callable

import requests

from shopify_loyalty.notifications.models import NotificationMessage
from tests.conftest import sample
from tests.notifications.conftest import Deliver, Outbox, member_payload

CUSTOMER_ID = 7418203938302


def test_the_export_lists_the_emails_and_erasure_removes_the_address(
    deliver: Deliver,
    outbox: Outbox,
    http: requests.Session,
    admin_headers: dict[str, str],
    messages: Callable[[], list[NotificationMessage]],
) -> None:
    deliver(
        "customers/create",
        member_payload(CUSTOMER_ID, locale="de", email="maria.keller@example.com"),
    )
    deliver("customers/data_request", sample("customers/data_request"))
    [listed] = http.get("/admin/api/privacy/exports", headers=admin_headers).json()["exports"]
    document = http.get(f"/admin/api/privacy/exports/{listed['id']}", headers=admin_headers)

    body = document.json()
    assert body["email_marketing"] == {
        "accepts_email_marketing": True,
        "consent_updated_at": "2026-11-20T12:58:02+00:00",
        "unsubscribed_at": None,
    }
    assert [(e["kind"], e["recipient"], e["status"]) for e in body["emails"]] == [
        ("welcome", "maria.keller@example.com", "sent")
    ]

    deliver("customers/redact", sample("customers/redact"))

    assert [(row.kind, row.recipient) for row in messages()] == [("welcome", None)]
