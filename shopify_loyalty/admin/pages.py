"""The merchant's admin pages, rendered on the server: dashboard, program settings,
customers, insights and data. Each shows what the JSON API under /admin/api/ gives."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request, url_for
from sqlalchemy import select
from werkzeug.wrappers import Response

from shopify_loyalty.admin.auth import staff_actor
from shopify_loyalty.admin.embed_card import embed_card
from shopify_loyalty.admin.page_auth import app_bridge_api_key, csrf_token, require_page_shop
from shopify_loyalty.admin.settings_api import SHOPIFY_SYNC
from shopify_loyalty.admin.settings_form import changes_from_form, error_field, form_fields
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import find_customer
from shopify_loyalty.customers.search import find_customers
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput, LoyaltyError, NotFound
from shopify_loyalty.insights.charts import bar_chart
from shopify_loyalty.insights.periods import Period, parse_period
from shopify_loyalty.insights.report import kpi_report
from shopify_loyalty.insights.tables import TABLES
from shopify_loyalty.insights.trends import trend
from shopify_loyalty.jobs.history import shop_jobs
from shopify_loyalty.perks.insights import early_access_insights
from shopify_loyalty.plain_numbers import is_plain_number
from shopify_loyalty.points.adjustments import adjust_points
from shopify_loyalty.points.ledger import balance_of, recent_entries
from shopify_loyalty.privacy.models import DataRequestExport
from shopify_loyalty.program_events import record_customer_events
from shopify_loyalty.programs.config import load, save
from shopify_loyalty.programs.registry import all_sections, section_class
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint(
    "admin_pages",
    __name__,
    url_prefix="/admin",
    template_folder="templates",
    static_folder="static",
    static_url_path="/admin-static",
)

SEARCH_LIMIT = 50
LEDGER_ROWS = 50
DEFAULT_DAYS = 30


@blueprint.context_processor
def page_context() -> dict[str, Any]:
    shop = getattr(g, "shop", None)
    return {
        "shop": shop,
        "embedded": getattr(g, "embedded", False),
        "api_key": app_bridge_api_key(),
        "csrf_token": csrf_token if shop is not None else None,
        "nav": [
            ("admin_pages.dashboard", "Dashboard"),
            ("admin_pages.settings", "Program settings"),
            ("admin_pages.customers", "Customers"),
            ("admin_rewards_pages.rewards", "Rewards"),
            ("admin_terms_pages.terms", "Terms"),
            ("admin_affiliates.affiliates", "Affiliates"),
            ("admin_perks.perks", "Perks"),
            ("admin_notification_pages.notifications", "Emails"),
            ("admin_pages.insights", "Insights"),
            ("admin_webhooks_pages.webhooks", "Webhooks"),
            ("admin_pages.data", "Data"),
        ],
    }


@blueprint.get("/session-token")
def session_token_bounce() -> str:
    return render_template("admin/bounce.html")


FAILED_JOBS_SHOWN = 5


@blueprint.get("")
@blueprint.get("/")
@require_page_shop
def dashboard() -> str:
    session = request_session()
    period = _recent_period(DEFAULT_DAYS)
    report = kpi_report(session, g.shop, period)
    points = trend(session, g.shop, period)
    labels = [p.starts.strftime("%d %b") for p in points]
    return render_template(
        "admin/dashboard.html",
        period=period,
        report=report,
        revenue_chart=bar_chart("Revenue per day", labels, [p.revenue for p in points]),
        members_chart=bar_chart("New members per day", labels, [p.new_members for p in points]),
        embed=embed_card(current_services(), session, g.shop.domain),
        failed_jobs=shop_jobs(session, g.shop, "failed", FAILED_JOBS_SHOWN),
    )


@blueprint.get("/settings")
@require_page_shop
def settings() -> str:
    return render_template("admin/settings_index.html", sections=list(all_sections()))


@blueprint.route("/settings/<section>", methods=["GET", "POST"])
@require_page_shop
def settings_section(section: str) -> str | tuple[str, int]:
    cls = section_class(section)
    session = request_session()
    if request.method == "GET":
        values = load(session, g.shop, cls)
        return render_template(
            "admin/settings_section.html",
            section=section,
            fields=form_fields(cls, values),
            saved=request.args.get("saved") == "1",
        )
    changes, errors = changes_from_form(cls, request.form)
    if not errors:
        try:
            values = save(session, g.shop, cls, changes)
        except InvalidInput as error:
            errors = {error_field(error.field) or "": error.message}
        else:
            sync = SHOPIFY_SYNC.get(section)
            if sync is not None:
                sync(session, g.shop)
            session.commit()
            return render_template(
                "admin/settings_section.html",
                section=section,
                fields=form_fields(cls, values),
                saved=True,
            )
    session.rollback()
    current = load(session, g.shop, cls)
    fields = form_fields(cls, current, errors, submitted=request.form.to_dict())
    general = errors.get("")
    return (
        render_template(
            "admin/settings_section.html",
            section=section,
            fields=fields,
            saved=False,
            general_error=general,
        ),
        400,
    )


@blueprint.get("/customers")
@require_page_shop
def customers() -> str:
    query = request.args.get("q", "").strip()
    session = request_session()
    found = find_customers(session, g.shop, query, SEARCH_LIMIT)
    rows = [(customer, balance_of(session, customer)) for customer in found]
    return render_template("admin/customers.html", query=query, rows=rows)


@blueprint.route("/customers/<int:shopify_customer_id>", methods=["GET", "POST"])
@require_page_shop
def customer(shopify_customer_id: int) -> str | tuple[str, int] | Response:
    session = request_session()
    found = find_customer(session, g.shop, shopify_customer_id)
    if found is None:
        raise NotFound("This shop has no customer with that id.", field="shopify_customer_id")
    error: LoyaltyError | None = None
    if request.method == "POST":
        try:
            points = _whole_number(request.form.get("points", ""))
            adjust_points(
                session,
                g.shop,
                found,
                points,
                request.form.get("reason", ""),
                staff_actor(),
                f"adjustment:{request.form.get('request_id') or uuid.uuid4().hex}",
            )
            record_customer_events(session, g.shop, found)
            session.commit()
            target = url_for(
                "admin_pages.customer", shopify_customer_id=shopify_customer_id, adjusted="1"
            )
            return redirect(target + _token_query(), code=303)
        except (InvalidInput, Conflict) as refused:  # a bad value, or more than the balance
            session.rollback()
            error = refused
    return _customer_page(found, error), (400 if error else 200)


@blueprint.get("/insights")
@require_page_shop
def insights() -> str:
    session = request_session()
    if request.args.get("from") or request.args.get("to"):
        period = parse_period(request.args.get("from"), request.args.get("to"))
    else:
        period = _recent_period(DEFAULT_DAYS)
    report = kpi_report(session, g.shop, period)
    points = trend(session, g.shop, period)
    labels = [p.starts.strftime("%d %b") for p in points]
    return render_template(
        "admin/insights.html",
        period=period,
        report=report,
        early_access=early_access_insights(session, g.shop, utcnow()),
        tables=list(TABLES),
        revenue_chart=bar_chart("Revenue", labels, [p.revenue for p in points]),
        orders_chart=bar_chart("Paid orders", labels, [p.orders for p in points]),
        members_chart=bar_chart("New members", labels, [p.new_members for p in points]),
        satisfaction_chart=bar_chart(
            "Satisfaction",
            [row["level"].replace("_", " ") for row in report["satisfaction"]["levels"]],
            [row["responses"] for row in report["satisfaction"]["levels"]],
        ),
    )


@blueprint.get("/data")
@require_page_shop
def data() -> str:
    exports = request_session().scalars(
        select(DataRequestExport)
        .where(DataRequestExport.shop_id == g.shop.id)
        .order_by(DataRequestExport.id.desc())
    )
    period = _recent_period(DEFAULT_DAYS)
    return render_template(
        "admin/data.html", exports=list(exports), tables=list(TABLES), period=period
    )


def _customer_page(found: Customer, error: LoyaltyError | None) -> str:
    # Imported here as in customers_api: each area owns its summary of a customer.
    from shopify_loyalty.lifecycle.stages import lifecycle_stage
    from shopify_loyalty.paid_membership.views import membership_history_json
    from shopify_loyalty.stamps.cards import card_summary
    from shopify_loyalty.tiers.membership import tier_name

    session = request_session()
    field = error_field(error.field) if error else None
    return render_template(
        "admin/customer.html",
        customer=found,
        balance=balance_of(session, found),
        stamps=card_summary(session, g.shop, found),
        tier=tier_name(session, g.shop, found),
        stage=lifecycle_stage(session, g.shop, found),
        membership=membership_history_json(session, g.shop, found),
        ledger=recent_entries(session, found, limit=LEDGER_ROWS),
        error=error.message if error else None,
        error_field=field if field in ("points", "reason") else "points",
        form=request.form if error else {},
        request_id=uuid.uuid4().hex,
        adjusted=request.args.get("adjusted") == "1",
    )


def _recent_period(days: int) -> Period:
    today = utcnow().date()
    return Period(today - timedelta(days=days - 1), today)


def _whole_number(raw: str) -> int:
    text = raw.strip()
    if not is_plain_number(text.removeprefix("-"), 9):
        raise InvalidInput("points must be a whole number, like 50 or -20", field="points")
    return int(text)


def _token_query() -> str:
    """Carry the session token to the next page, which the browser opens without App Bridge."""
    token = request.values.get("id_token")
    return f"&{urlencode({'id_token': token})}" if token else ""
