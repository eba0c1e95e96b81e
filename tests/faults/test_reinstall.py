"""Uninstall and reinstall in the middle of traffic: what was triggered while the app was
uninstalled is not applied to the new installation, and a stale ``app/uninstalled`` (one
triggered before the reinstall) does not uninstall it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from shopify_loyalty.db import utcnow
from shopify_loyalty.inbox.models import WebhookEvent
from shopify_loyalty.points.models import LedgerEntry
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.standin.webhook_sender import WebhookSender
from tests.conftest import new_id, sample


def credited_orders(services: Services) -> list[int]:
    with services.db.sessions() as session:
        orders = [
            entry.shopify_order_id
            for entry in session.scalars(select(LedgerEntry).where(LedgerEntry.reason == "order"))
        ]
    assert None not in orders, "an order's points without the order"
    return sorted(order for order in orders if order is not None)


def shop_status(services: Services, domain: str) -> str:
    with services.db.sessions() as session:
        return session.scalars(select(Shop.status).where(Shop.domain == domain)).one()


def outcome_of(services: Services, webhook_id: str) -> tuple[str, str | None]:
    with services.db.sessions() as session:
        event = session.scalars(
            select(WebhookEvent).where(WebhookEvent.webhook_id == webhook_id)
        ).one()
        return event.status, event.last_error


def test_events_from_the_uninstalled_gap_and_a_stale_uninstall_do_not_touch_the_new_installation(
    shop: str,
    services: Services,
    sender: WebhookSender,
    settle: Callable[..., None],
    install: Callable[[str], None],
) -> None:
    def paid(webhook_id: str, triggered_at: datetime | None = None) -> int:
        order_id = new_id()
        answer = sender.deliver(
            shop,
            "orders/paid",
            sample("orders/paid", id=order_id),
            webhook_id=webhook_id,
            triggered_at=triggered_at,
        )
        assert answer.status_code == 200, answer.text
        return order_id

    before = paid("w-before")
    settle()
    uninstalled_at = utcnow()
    gone = sender.deliver(
        shop, "app/uninstalled", sample("app/uninstalled"), triggered_at=uninstalled_at
    )
    assert gone.status_code == 200
    settle()
    assert shop_status(services, shop) == "uninstalled"
    paid("w-while-away")  # Shopify still delivering what it had queued
    settle()

    install(shop)  # the merchant comes back
    assert shop_status(services, shop) == "installed"
    # Late deliveries of the old installation, arriving after the reinstall:
    in_gap = uninstalled_at + timedelta(milliseconds=5)
    paid("w-late", triggered_at=in_gap)
    stale = sender.deliver(
        shop,
        "app/uninstalled",
        sample("app/uninstalled"),
        webhook_id="w-stale-uninstall",
        triggered_at=in_gap,
    )
    assert stale.status_code == 200
    after = paid("w-after")
    settle()

    assert shop_status(services, shop) == "installed"
    assert outcome_of(services, "w-while-away") == ("ignored", "shop has uninstalled the app")
    assert outcome_of(services, "w-late") == ("ignored", "triggered while the app was uninstalled")
    assert outcome_of(services, "w-stale-uninstall") == (
        "ignored",
        "app/uninstalled triggered before the current installation began",
    )
    assert outcome_of(services, "w-after") == ("done", None)
    assert credited_orders(services) == sorted([before, after])


def test_an_uninstall_triggered_during_the_installation_still_uninstalls(
    shop: str, services: Services, sender: WebhookSender, settle: Callable[..., None]
) -> None:
    assert sender.deliver(shop, "app/uninstalled", sample("app/uninstalled")).status_code == 200
    settle()
    assert shop_status(services, shop) == "uninstalled"
