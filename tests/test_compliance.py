"""Uninstall and the mandatory privacy topics, end to end through /webhooks."""

from __future__ import annotations

from collections.abc import Callable

from sqlalchemy import func, select

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.models import Base
from shopify_loyalty.points.ledger import balance_of
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from tests.conftest import OTHER_SHOP, SHOP, sample

CUSTOMER_ID = 7418203938302


def only_shop(services: Services) -> Shop:
    with services.db.sessions() as session:
        return session.scalars(select(Shop).where(Shop.domain == SHOP)).one()


def customer(services: Services) -> Customer:
    with services.db.sessions() as session:
        return session.scalars(
            select(Customer).where(Customer.shopify_customer_id == CUSTOMER_ID)
        ).one()


def test_uninstall_forgets_the_tokens_and_ignores_later_orders(
    shop: str, sender, settle, services: Services
) -> None:
    sender.deliver(shop, "app/uninstalled", sample("app/uninstalled"))
    settle()
    stored = only_shop(services)
    assert stored.status == "uninstalled"
    assert stored.access_token_encrypted is None
    assert stored.refresh_token_encrypted is None
    late = sender.deliver(shop, "orders/paid", sample("orders/paid"))
    assert late.json()["status"] == "ignored"
    settle()
    with services.db.sessions() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_an_order_queued_before_the_uninstall_is_not_applied_after_it(
    shop: str, sender, settle, services: Services
) -> None:
    worker = services.worker
    assert worker is not None
    worker.stop()
    try:
        sender.deliver(shop, "app/uninstalled", sample("app/uninstalled"))
        sender.deliver(shop, "orders/paid", sample("orders/paid"))
    finally:
        worker.start()
    settle()
    with services.db.sessions() as session:
        statuses = session.scalars(select(WebhookEvent.status).order_by(WebhookEvent.id)).all()
        assert statuses == ["done", "ignored"]
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 0


def test_a_data_request_leaves_an_export_for_the_merchant(
    shop: str, sender, settle, http, session_token: Callable[..., str]
) -> None:
    sender.deliver(shop, "orders/paid", sample("orders/paid"))
    sender.deliver(shop, "customers/data_request", sample("customers/data_request"))
    settle()
    auth = {"Authorization": f"Bearer {session_token()}"}
    listing = http.get("/admin/api/privacy/exports", headers=auth).json()["exports"]
    assert [(e["shopify_customer_id"], e["data_request_id"]) for e in listing] == [
        (CUSTOMER_ID, 9931)
    ]
    document = http.get(f"/admin/api/privacy/exports/{listing[0]['id']}", headers=auth)
    assert document.status_code == 200
    body = document.json()
    assert body["customer"]["email"] == "maria.keller@example.com"
    assert [row["points"] for row in body["ledger"]] == [84]
    assert body["orders"][0]["shopify_order_id"] == 5832104771838


def test_another_shop_cannot_download_the_export(
    shop: str, sender, settle, http, install, session_token: Callable[..., str]
) -> None:
    sender.deliver(shop, "customers/data_request", sample("customers/data_request"))
    settle()
    mine = {"Authorization": f"Bearer {session_token(SHOP)}"}
    export_id = http.get("/admin/api/privacy/exports", headers=mine).json()["exports"][0]["id"]
    install(OTHER_SHOP)
    theirs = {"Authorization": f"Bearer {session_token(OTHER_SHOP)}"}
    assert http.get("/admin/api/privacy/exports", headers=theirs).json() == {"exports": []}
    response = http.get(f"/admin/api/privacy/exports/{export_id}", headers=theirs)
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"


def test_a_customer_redact_erases_personal_data_and_keeps_the_points(
    shop: str, sender, settle, services: Services
) -> None:
    sender.deliver(shop, "customers/create", sample("customers/create"))
    sender.deliver(shop, "orders/paid", sample("orders/paid"))
    settle()
    with services.db.sessions() as session:
        before = balance_of(session, customer(services))
    sender.deliver(shop, "customers/redact", sample("customers/redact"))
    settle()
    redacted = customer(services)
    assert (redacted.email, redacted.first_name, redacted.last_name, redacted.phone) == (
        None,
        None,
        None,
        None,
    )
    assert redacted.redacted_at is not None
    with services.db.sessions() as session:
        assert balance_of(session, redacted) == before
    sender.deliver(shop, "customers/update", sample("customers/update"))
    settle()
    assert customer(services).email is None


def test_a_shop_redact_after_uninstall_deletes_every_row_of_the_shop(
    shop: str, sender, settle, install, services: Services
) -> None:
    install(OTHER_SHOP)
    sender.deliver(OTHER_SHOP, "orders/paid", sample("orders/paid"))
    sender.deliver(shop, "orders/paid", sample("orders/paid"))
    sender.deliver(shop, "app/uninstalled", sample("app/uninstalled"))
    settle()
    redact = sender.deliver(shop, "shop/redact", sample("shop/redact"))
    assert redact.json()["status"] == "accepted"
    settle()
    with services.db.sessions() as session:
        assert session.scalar(select(Shop.domain).where(Shop.domain == SHOP)) is None
        other = session.scalars(select(Shop).where(Shop.domain == OTHER_SHOP)).one()
        for table in Base.metadata.sorted_tables:
            if "shop_id" in table.c:
                remaining = session.scalar(
                    select(func.count()).select_from(table).where(table.c.shop_id != other.id)
                )
                assert remaining == 0, table.name
        left = session.scalars(
            select(WebhookEvent.topic).where(WebhookEvent.shop_domain == SHOP)
        ).all()
        assert left == ["shop/redact"]
        assert session.scalar(select(func.count()).select_from(LedgerEntry)) == 1
