"""``shopify-loyalty backfill`` and ``shopify-loyalty import-points``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from shopify_loyalty.errors import LoyaltyError


def _services(ctx: click.Context) -> Any:
    """The command's services: the caller's (``obj``) or built from the environment."""
    if isinstance(ctx.obj, dict) and "services" in ctx.obj:
        return ctx.obj["services"]
    from shopify_loyalty.services import Services
    from shopify_loyalty.settings import SettingsError, load_settings

    try:
        return Services.from_settings(load_settings())
    except SettingsError as error:
        raise click.ClickException(f"configuration: {error}") from error


class _Bar:
    """A progress bar that learns its length from the first report."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.bar: Any = None
        self.shown = 0

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            self.bar = click.progressbar(length=max(total, 1), label=self.label, show_pos=True)
            self.bar.__enter__()
        self.bar.update(done - self.shown)
        self.shown = done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
            self.bar = None


@click.command("backfill")
@click.option("--shop", "shop_domain", required=True, help="The shop's myshopify.com domain.")
@click.option(
    "--source",
    type=click.Choice(["admin", "csv", "jsonl"]),
    default="admin",
    show_default=True,
    help="Shopify's Admin API (a bulk operation), a CSV file, or a JSONL file of "
    "orders/paid payloads (bulk inserts, for millions of orders).",
)
@click.argument(
    "csv_file", metavar="FILE", required=False, type=click.Path(dir_okay=False, path_type=Path)
)
@click.option("--credit-points", is_flag=True, help="Credit the points past orders earn.")
@click.pass_context
def backfill_command(
    ctx: click.Context,
    shop_domain: str,
    source: str,
    csv_file: Path | None,
    credit_points: bool,
) -> None:
    """Bring in a shop's past customers and orders; run it again to resume."""
    from shopify_loyalty.imports.backfill import backfill_from_admin, backfill_from_csv

    services = _services(ctx)
    bar = _Bar("Backfilling")
    try:
        if source == "jsonl":
            if csv_file is None:
                raise click.UsageError("--source jsonl needs the JSONL file")
            _backfill_jsonl(services, shop_domain, csv_file, credit_points, bar)
            return
        if source == "csv":
            if csv_file is None:
                raise click.UsageError("--source csv needs the CSV file")
            text = csv_file.read_text(encoding="utf-8-sig")
            result = backfill_from_csv(
                services, shop_domain, text, credit_points=credit_points, progress=bar
            )
        else:
            if csv_file is not None:
                raise click.UsageError("a file is read only with --source csv or jsonl")
            click.echo("Asking Shopify for the shop's history (a bulk operation)...")
            result = backfill_from_admin(
                services, shop_domain, credit_points=credit_points, progress=bar
            )
    except LoyaltyError as error:
        raise click.ClickException(error.message) from error
    finally:
        bar.close()
    if result.already_done:
        click.echo("This file was imported before; nothing changed.")
        return
    if result.resumed_at:
        click.echo(f"Resumed after record {result.resumed_at}.")
    click.echo(
        f"Done: {result.customers} customers and {result.orders} orders"
        + (f", {result.points_credited} points credited." if credit_points else ".")
    )


def _backfill_jsonl(
    services: Any, shop_domain: str, path: Path, credit_points: bool, bar: _Bar
) -> None:
    from shopify_loyalty.imports.jsonl_backfill import backfill_from_jsonl

    result = backfill_from_jsonl(
        services, shop_domain, path, credit_points=credit_points, progress=bar
    )
    bar.close()
    if result.already_done:
        click.echo("This file was imported before; nothing changed.")
        return
    if result.resumed_at:
        click.echo(f"Resumed after line {result.resumed_at}.")
    click.echo(
        f"Done: {result.lines} lines; {result.orders} new orders, {result.customers} new "
        f"customers, {result.points_rows} points credits."
    )


@click.command("import-points")
@click.option("--shop", "shop_domain", required=True, help="The shop's myshopify.com domain.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Report what would change; change nothing.")
@click.pass_context
def import_points_command(
    ctx: click.Context, shop_domain: str, csv_file: Path, dry_run: bool
) -> None:
    """Credit points balances exported from another loyalty app (CSV: email,balance)."""
    from sqlalchemy import select

    from shopify_loyalty.imports.points_import import import_points, summary
    from shopify_loyalty.shops.models import Shop

    services = _services(ctx)
    text = csv_file.read_text(encoding="utf-8-sig")
    try:
        with services.db.sessions() as session:
            shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
            if shop is None or not shop.is_installed:
                raise click.ClickException(f"the app is not installed in {shop_domain}")
            rows = import_points(session, shop, text, dry_run=dry_run)
            if dry_run:
                session.rollback()  # a dry run writes nothing
            else:
                session.commit()
    except LoyaltyError as error:
        raise click.ClickException(error.message) from error
    for row in rows:
        if row.outcome != "credit":
            click.echo(f"line {row.line}: {row.email}: {row.outcome}: {row.message}")
    counts = summary(rows)
    verb = "Would credit" if dry_run else "Credited"
    click.echo(
        f"{verb} {counts['points']} points to {counts['credit']} customers; "
        f"{counts['unknown_customer']} unknown, {counts['already_imported']} imported before, "
        f"{counts['invalid'] + counts['duplicate']} rows refused."
    )
