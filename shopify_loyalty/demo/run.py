"""``shopify-loyalty demo``: the app on SQLite, the stand-in shop, a stream of webhooks."""

from __future__ import annotations

import os
import signal
import threading
import time
from dataclasses import replace
from urllib.parse import urlsplit

import click
import requests
from werkzeug.serving import make_server

from shopify_loyalty.admin.dev_login import ENV_FLAG as DEV_LOGIN_FLAG
from shopify_loyalty.app import create_app
from shopify_loyalty.demo.emails import print_outbox, wait_for_jobs
from shopify_loyalty.demo.storefront import Storefront, StorefrontServer
from shopify_loyalty.demo.stream import shop_activity
from shopify_loyalty.migrate import upgrade
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import Settings
from shopify_loyalty.standin.app import StandinServer
from shopify_loyalty.standin.webhook_sender import WebhookSender

DEMO_SHOP = "demo-loyalty.myshopify.com"


def run_demo(
    settings: Settings, host: str, port: int, standin_port: int, storefront_port: int
) -> None:
    """Start everything, install the app into the demo shop, play its activity, then wait."""
    standin = StandinServer(settings.api_key, settings.api_secret, host=host, port=standin_port)
    standin.start()
    app_url = f"http://{host}:{port}"
    settings = replace(settings, app_url=app_url, admin_url_template=standin.admin_url_template)
    upgrade(settings.database_url)
    # The merchant admin outside Shopify: the development login, for this process only.
    os.environ[DEV_LOGIN_FLAG] = "1"
    app = create_app(settings)
    server = make_server(host, port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="demo-app", daemon=True)
    thread.start()
    services: Services = app.extensions[EXTENSION_KEY]
    stop = threading.Event()
    storefront: StorefrontServer | None = None
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        click.echo(f"app on {app_url}, Shopify stand-in on {standin.url}")
        # A shop selling in euros, as the demo's orders do.
        requests.patch(
            f"{standin.url}/_standin/shops/{DEMO_SHOP}",
            json={"name": "Demo Loyalty Goods", "currency_code": "EUR"},
            timeout=10,
        ).raise_for_status()
        install_by_oauth(app_url, DEMO_SHOP)
        click.echo(f"installed into {DEMO_SHOP} (authorization code, expiring offline token)")
        # The sender also records each customer and order in the stand-in shop, as they would
        # exist in a real one, so tier tags and discounts have someone to apply to.
        sender = WebhookSender(
            app_url, settings.api_secret, settings.api_version, standin_url=standin.url
        )
        deliveries = shop_activity()
        answers: dict[str, int] = {}
        for delivery in deliveries:
            response = sender.deliver(
                DEMO_SHOP,
                delivery.topic,
                delivery.payload,
                event_id=delivery.event_id,
                webhook_id=delivery.webhook_id,
            )
            status = response.json().get("status", str(response.status_code))
            answers[status] = answers.get(status, 0) + 1
        summary = ", ".join(f"{count} {status}" for status, count in sorted(answers.items()))
        click.echo(f"delivered {len(deliveries)} signed webhooks: {summary}")
        wait_for_worker(services)
        wait_for_jobs(services)
        best_member = print_members(services)
        print_outbox(services, DEMO_SHOP)
        storefront = StorefrontServer(
            Storefront(app_url, DEMO_SHOP, settings.api_secret), host, storefront_port
        ).start()
        print_urls(app_url, standin.url, storefront.url, best_member)
        click.echo("Ctrl-C stops the demo.")
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping")
        if services.worker is not None:
            services.worker.stop()
        server.shutdown()
        if storefront is not None:
            storefront.stop()
        standin.stop()
        services.db.dispose()


def install_by_oauth(app_url: str, shop: str) -> None:
    """Click through the install as a merchant's browser would."""
    browser = requests.Session()
    start = browser.get(
        f"{app_url}/auth/install", params={"shop": shop}, allow_redirects=False, timeout=30
    )
    start.raise_for_status()
    authorize = browser.get(start.headers["Location"], allow_redirects=False, timeout=30)
    callback = urlsplit(authorize.headers["Location"])
    done = browser.get(
        f"{app_url}{callback.path}?{callback.query}", allow_redirects=False, timeout=60
    )
    if done.status_code != 302:
        raise click.ClickException(f"install failed: {done.status_code} {done.text}")


def wait_for_worker(services: Services, timeout: float = 30.0) -> None:
    from sqlalchemy import func, select

    from shopify_loyalty.inbox.models import PENDING, PROCESSING, WebhookEvent

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with services.db.sessions() as session:
            waiting = session.scalar(
                select(func.count()).where(WebhookEvent.status.in_((PENDING, PROCESSING)))
            )
        if not waiting:
            return
        time.sleep(0.2)


def print_members(services: Services) -> int | None:
    """The demo shop's members as the merchant would see them; returns the Shopify id of the
    member with the most spendable points."""
    from sqlalchemy import select

    from shopify_loyalty.customers.models import Customer
    from shopify_loyalty.lifecycle.stages import lifecycle_stage
    from shopify_loyalty.points.ledger import balance_of
    from shopify_loyalty.shops.models import Shop
    from shopify_loyalty.stamps.cards import card_summary
    from shopify_loyalty.tiers.membership import tier_name

    click.echo("")
    click.echo(f"{'member':<28}{'points':>8}{'pending':>9}  {'stamps':<8}{'tier':<9}stage")
    with services.db.sessions() as session:
        shop = session.scalars(select(Shop).where(Shop.domain == DEMO_SHOP)).one()
        customers = session.scalars(
            select(Customer).where(Customer.shop_id == shop.id).order_by(Customer.id)
        ).all()
        best: tuple[int, int] | None = None
        for customer in customers:
            balance = balance_of(session, customer)
            if best is None or balance.available > best[0]:
                best = (balance.available, customer.shopify_customer_id)
            stamps = card_summary(session, shop, customer)
            click.echo(
                f"{customer.display_name[:27]:<28}{balance.available:>8}{balance.pending:>9}  "
                f"{f'{stamps.collected}/{stamps.required}':<8}"
                f"{tier_name(session, shop, customer) or '-':<9}"
                f"{lifecycle_stage(session, shop, customer)}"
            )
    return best[1] if best else None


def print_urls(app_url: str, standin_url: str, storefront_url: str, member: int | None) -> None:
    click.echo("")
    click.echo("Open:")
    click.echo(f"  {storefront_url}/                           the storefront with the widget")
    if member is not None:
        click.echo(f"  {storefront_url}/account/login?customer={member}   signed in as a member")
    click.echo(f"  {storefront_url}/?locale=de                 the widget in German")
    click.echo(f"  {app_url}/admin/dev-login                  the merchant admin (dev login)")
    click.echo(f"  {app_url}/admin/notifications              emails: switches, previews, outbox")
    click.echo(f"  {app_url}/healthz                          app health, inbox and worker")
    click.echo(f"  {standin_url}/_standin/shops/{DEMO_SHOP}   the shop: webhooks, discounts, tags")
    click.echo("Inspect the inbox:  shopify-loyalty events list")
    click.echo("")
