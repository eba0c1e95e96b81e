"""The ``shopify-loyalty`` command: serve, work, migrate, install, inspect events, demo."""

from __future__ import annotations

import importlib
import json
import logging
import signal
import sys
import threading
from typing import TYPE_CHECKING

import click
from sqlalchemy import select

from shopify_loyalty.serving.capacity import DEFAULT_THREADS, default_workers
from shopify_loyalty.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from shopify_loyalty.services import Services

# Commands defined elsewhere, imported only when run or listed: a worker or a migration
# needs neither the stand-in (a whole fake Shopify) nor the importers.
COMMANDS_ELSEWHERE = {
    "standin": "shopify_loyalty.standin.cli:standin_command",
    "backfill": "shopify_loyalty.imports.cli:backfill_command",
    "import-points": "shopify_loyalty.imports.cli:import_points_command",
}


class LoyaltyCommands(click.Group):
    """The command group, with the commands of ``COMMANDS_ELSEWHERE`` loaded on demand."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *COMMANDS_ELSEWHERE})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS_ELSEWHERE and cmd_name not in self.commands:
            module, name = COMMANDS_ELSEWHERE[cmd_name].split(":")
            command = getattr(importlib.import_module(module), name)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


def _settings(demo: bool = False) -> Settings:
    try:
        return load_settings(demo=demo)
    except SettingsError as error:
        raise click.ClickException(f"configuration: {error}") from error


def _services() -> Services:
    from shopify_loyalty.services import Services

    return Services.from_settings(_settings())


@click.group(cls=LoyaltyCommands)
@click.option("--verbose", is_flag=True, help="Log at debug level.")
def main(verbose: bool) -> None:
    """Loyalty for Shopify shops."""
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    if not verbose:
        for noisy in ("alembic", "werkzeug"):
            logging.getLogger(noisy).setLevel(logging.WARNING)


@main.command()
def migrate() -> None:
    """Bring the database to the newest schema."""
    from shopify_loyalty.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    click.echo("database is at the newest schema")


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option(
    "--workers",
    type=click.IntRange(1, 64),
    help="gunicorn web processes  [default: 1 per core + 1]",
)
@click.option(
    "--threads",
    default=DEFAULT_THREADS,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Threads per web process.",
)
@click.option("--access-log", is_flag=True, help="Log every request to stdout.")
@click.option("--dev", is_flag=True, help="Flask's development server, with the worker thread.")
def serve(
    host: str, port: int, workers: int | None, threads: int, access_log: bool, dev: bool
) -> None:
    """Migrate, then serve the app under gunicorn (or Flask's server with --dev).

    Under gunicorn the inbox worker runs as one process beside the web processes (without
    REDIS_URL and unless LOYALTY_WORKER=off); with REDIS_URL the web processes only enqueue.
    """
    from shopify_loyalty.migrate import upgrade

    settings = _settings()
    upgrade(settings.database_url)
    if dev:
        from werkzeug.serving import run_simple

        from shopify_loyalty.app import create_app

        run_simple(host, port, create_app(settings), threaded=True, use_reloader=False)
        return
    from shopify_loyalty.serving.gunicorn_server import LoyaltyServer

    LoyaltyServer(
        settings,
        host=host,
        port=port,
        workers=workers or default_workers(),
        threads=threads,
        access_log=access_log,
    ).run()


@main.command()
@click.option(
    "--concurrency",
    type=click.IntRange(1, 64),
    default=None,
    help="Celery worker processes (with REDIS_URL; default: one per core).",
)
@click.option(
    "--beat",
    "with_beat",
    is_flag=True,
    help="Also run Celery beat in this worker (with REDIS_URL; one beat per deployment).",
)
def worker(concurrency: int | None, with_beat: bool) -> None:
    """Apply inbox events and run jobs in the foreground until interrupted: a Celery worker
    with REDIS_URL, else the in-process worker (which also queues the periodic work)."""
    from shopify_loyalty.inbox.worker import InboxWorker

    services = _services()
    if services.settings.redis_url:
        from shopify_loyalty.workers.commands import run_celery_worker

        run_celery_worker(services, concurrency=concurrency, beat=with_beat)
        return
    inbox_worker = InboxWorker(services)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    inbox_worker.start()
    click.echo("inbox worker running; Ctrl-C stops it")
    try:
        while not stop.wait(1.0):
            pass
    except KeyboardInterrupt:
        pass
    inbox_worker.stop()


@main.command()
def beat() -> None:
    """Run Celery beat (needs REDIS_URL): the sweeper every few seconds and the hourly
    periodic work. Run exactly one, or use ``worker --beat`` on one machine."""
    from shopify_loyalty.workers.commands import run_celery_beat

    settings = _settings()
    if not settings.redis_url:
        raise click.ClickException("beat needs REDIS_URL (without it `worker` does this work)")
    run_celery_beat(settings)


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@click.option("--standin-port", default=8081, show_default=True, type=int)
@click.option("--storefront-port", default=8082, show_default=True, type=int)
def demo(host: str, port: int, standin_port: int, storefront_port: int) -> None:
    """Everything on this machine: the app on SQLite, the stand-in shop, a webhook stream."""
    from shopify_loyalty.demo.run import run_demo

    run_demo(_settings(demo=True), host, port, standin_port, storefront_port)


@main.group()
def shops() -> None:
    """Installed shops."""


@shops.command("add")
@click.argument("domain")
@click.option("--token", required=True, help="The custom app's Admin API access token.")
def shops_add(domain: str, token: str) -> None:
    """Install into a shop with a custom app's token (made in the shop's admin)."""
    from shopify_loyalty.shopify.oauth_client import TokenGrant
    from shopify_loyalty.shopify.signatures import is_valid_shop_domain
    from shopify_loyalty.shops.install import install_shop

    if not is_valid_shop_domain(domain):
        raise click.BadParameter("must be a domain like example.myshopify.com", param_hint="DOMAIN")
    services = _services()
    grant = TokenGrant(
        access_token=token.strip(),
        scope=(),
        expires_at=None,
        refresh_token=None,
        refresh_token_expires_at=None,
    )
    try:
        shop = install_shop(services, domain.lower(), grant, method="custom_app")
    except Exception as error:
        raise click.ClickException(f"install failed: {error}") from error
    click.echo(f"installed {shop.domain} ({shop.name or 'unnamed'}, {shop.currency})")


@main.group()
def keys() -> None:
    """Encryption keys of the stored tokens."""


@keys.command("rotate")
def keys_rotate() -> None:
    """Re-encrypt every stored token and webhook signing secret under the newest
    LOYALTY_ENCRYPTION_KEY.

    Put the new key first and keep the old ones after it, run this, then drop the old keys.
    """
    from shopify_loyalty.outbound_webhooks.endpoints import rotate_secret_encryption
    from shopify_loyalty.shops.tokens import rotate_token_encryption

    services = _services()
    changed = rotate_token_encryption(services)
    click.echo(f"re-encrypted the tokens of {changed} shops under the newest key")
    with services.db.transaction() as session:
        secrets = rotate_secret_encryption(session, services.cipher)
    click.echo(f"re-encrypted the signing secrets of {secrets} webhook endpoints")


@main.group()
def events() -> None:
    """The webhook inbox."""


@events.command("list")
@click.option("--status", type=click.Choice(["pending", "processing", "done", "failed", "ignored"]))
@click.option("--shop", help="Only this shop's events.")
@click.option("--limit", default=50, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
def events_list(status: str | None, shop: str | None, limit: int, as_json: bool) -> None:
    """Show the newest inbox events with their state and last error."""
    from shopify_loyalty.inbox.models import WebhookEvent

    services = _services()
    query = select(WebhookEvent).order_by(WebhookEvent.id.desc()).limit(limit)
    if status:
        query = query.where(WebhookEvent.status == status)
    if shop:
        query = query.where(WebhookEvent.shop_domain == shop)
    with services.db.sessions() as session:
        for event in session.scalars(query):
            row = {
                "id": event.id,
                "shop": event.shop_domain,
                "topic": event.topic,
                "status": event.status,
                "attempts": event.attempts,
                "received_at": event.received_at.isoformat(),
                "error": event.last_error,
            }
            if as_json:
                click.echo(json.dumps(row))
            else:
                error = f"  {event.last_error}" if event.last_error else ""
                click.echo(
                    f"{event.id:>8}  {event.status:<10} {event.topic:<24} {event.shop_domain}  "
                    f"attempts={event.attempts}{error}"
                )


@events.command("replay")
@click.argument("event_id", type=int)
def events_replay(event_id: int) -> None:
    """Apply one event again now (safe: effects are keyed, so nothing doubles)."""
    from shopify_loyalty.inbox.worker import InboxWorker

    services = _services()
    try:
        result = InboxWorker(services).replay(event_id)
    except LookupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"event {event_id}: {result.value}")
    if result.value in ("failed", "retry"):
        sys.exit(1)


@events.command("prune")
def events_prune() -> None:
    """Delete the events applied and the jobs done more than LOYALTY_RETENTION_DAYS ago (the
    workers do it every hour; failed and waiting ones are kept)."""
    from shopify_loyalty.retention import prune_as_configured

    services = _services()
    days = services.settings.retention_days
    pruned = prune_as_configured(services)
    click.echo(
        f"deleted {pruned.events} events and {pruned.jobs} jobs that ended over {days} days ago"
    )
