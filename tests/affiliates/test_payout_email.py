"""A payout marked as paid is mailed to the affiliate (at the address the merchant gave),
once however often it is marked, in the shop's default email language."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import requests

from shopify_loyalty.affiliates.periodic import run_periodic
from shopify_loyalty.db import utcnow
from shopify_loyalty.services import Services
from tests.affiliates.conftest import Api, buyer, paid_order
from tests.notifications.conftest import Outbox


def test_a_payout_is_mailed_to_the_affiliate_once_in_the_shops_language(
    make_affiliate: Callable[..., dict[str, Any]],
    make_code: Callable[..., dict[str, Any]],
    deliver: Callable[..., requests.Response],
    api: Api,
    http: requests.Session,
    session_token: Callable[..., str],
    settle: Callable[[], None],
    services: Services,
    shop: str,
) -> None:
    shutil.rmtree(services.settings.instance_path / "outbox", ignore_errors=True)
    outbox = Outbox(services.settings.instance_path / "outbox" / shop)
    headers = {"Authorization": f"Bearer {session_token(shop)}"}
    response = http.put(
        "/admin/api/settings/email_branding", json={"default_locale": "de"}, headers=headers
    )
    assert response.status_code == 200, response.text
    anna = make_affiliate(commission_value="10")
    make_code(anna["id"], "ANNA15")
    deliver("orders/paid", paid_order("120.00", codes=("ANNA15",), customer=buyer()))
    run_periodic(services, shop, utcnow() + timedelta(days=14, minutes=1))
    today = utcnow().date()

    paid = api("POST", f"/{anna['id']}/payouts", json={"until": str(today), "reference": "PP-7"})
    again = api("POST", f"/{anna['id']}/payouts", json={"until": str(today)})
    settle()

    assert (paid.status_code, again.status_code) == (201, 200)
    [email] = outbox.to("anna@partners.example")
    assert email.kind == "affiliate_payout"
    currency = paid.json()["currency"]
    assert email.email["Subject"].endswith(f"hat deine Provision ausgezahlt: 12,00 {currency}")
    assert "Hallo Anna, deine Auszahlung ist unterwegs" in email.text
    assert f"Wir haben dir 12,00 {currency} für 1 Bestellung bis zum {today}" in email.text
    assert "(Referenz PP-7)" in email.text
    # Transactional: no unsubscribe link, whatever the affiliate's consent.
    assert email.email["List-Unsubscribe"] is None
    assert [e.kind for e in outbox.emails()] == ["affiliate_payout"]
