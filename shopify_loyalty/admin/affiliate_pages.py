"""The merchant's affiliate pages: the list with its create form, and one affiliate's page
with their codes, commission ledger, return over a period, portal link, payouts and archive.

The same sign-in and CSRF rules as the other admin pages (page_auth.py). Every change is
one call into the affiliates area (accounts.py, codes.py, payouts.py), which validates it;
a refusal is shown beside the field it names, with what the merchant typed kept. A change
that worked redirects back to the page (303), so reloading never repeats it. The portal
link is the exception: it exists only in the answer to the request that made it, which is
therefore never cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, g, redirect, render_template, request, url_for
from flask import Response as FlaskResponse
from werkzeug.wrappers import Response

from shopify_loyalty.admin.affiliate_forms import (
    AFFILIATE_FIELDS,
    CODE_FIELDS,
    PAYOUT_FIELDS,
    RANGE_FIELDS,
    affiliate_data,
    code_data,
    day_field,
)
from shopify_loyalty.admin.page_auth import require_page_shop
from shopify_loyalty.admin.pages import page_context
from shopify_loyalty.affiliates.accounts import (
    PAYOUT_METHODS,
    archive_affiliate,
    create_affiliate,
    find_affiliate,
    list_affiliates,
    portal_url,
    rotate_portal_link,
)
from shopify_loyalty.affiliates.admin_api import affiliate_json, conversion_json
from shopify_loyalty.affiliates.codes import code_by_id, create_code, set_code_active
from shopify_loyalty.affiliates.models import ARCHIVED
from shopify_loyalty.affiliates.overview import click_counts, conversions_of, program_start
from shopify_loyalty.affiliates.payouts import mark_paid, payout_export, payouts_of
from shopify_loyalty.affiliates.reporting import AffiliateReturn, affiliate_returns
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput, LoyaltyError
from shopify_loyalty.insights.periods import Period, parse_period
from shopify_loyalty.services import current_services, request_session

blueprint = Blueprint("admin_affiliates", __name__, url_prefix="/admin/affiliates")
blueprint.context_processor(page_context)

LEDGER_ROWS = 100
RETURN_DAYS = 30
MAX_REFERENCE = 255
FORMS = {
    "affiliate": AFFILIATE_FIELDS,
    "code": CODE_FIELDS,
    "payout": PAYOUT_FIELDS,
    "range": RANGE_FIELDS,
}
NO_STORE = {"Cache-Control": "no-store"}
NOTICES = ("created", "code_added", "paused", "resumed", "paid", "already_paid", "archived")

# The stored values in the shop owner's words.
WORDS = {
    "percentage": "Percentage of the order",
    "fixed_amount": "Fixed amount per order",
    "paypal": "PayPal",
    "bank_transfer": "Bank transfer",
    "store_credit": "Store credit",
    "other": "Other",
    "discount_code": "Code at checkout",
    "note_attribute": "Tracking link",
    "landing_site": "Landing page link",
    "pending": "Pending (return window)",
    "approved": "Approved",
    "rejected": "Rejected",
    "voided": "Voided",
    "own_order": "the affiliate's own order",
    "code_order_cap": "the code's order cap was reached",
    "code_commission_cap": "the code's commission cap was reached",
    "order_cancelled": "the order was cancelled",
    "order_refunded": "the order was refunded in full",
    "affiliate_archived": "the affiliate was archived",
}


@dataclass(frozen=True)
class ListRow:
    """One affiliate on the list: as the API shows them, with their figures since the
    program began."""

    affiliate: dict[str, Any]
    figures: AffiliateReturn
    clicks: int


@dataclass(frozen=True)
class Refusal:
    """A refused form: which one, the message beside each field, and what was typed."""

    form: str
    errors: dict[str, str]
    general: str | None
    submitted: dict[str, str]


@blueprint.route("", methods=["GET", "POST"])
@require_page_shop
def affiliates() -> str | tuple[str, int] | Response:
    if request.method == "POST":
        session = request_session()
        try:
            affiliate, _token = create_affiliate(session, g.shop, affiliate_data(request.form))
            session.commit()
        except (InvalidInput, Conflict) as refused:
            session.rollback()
            return _list_page(_refusal("affiliate", refused)), 400
        # The portal link made with the affiliate is never shown: the affiliate page makes
        # the one to send, so that a reload of this answer cannot add the affiliate twice.
        return _back_to(affiliate.id, "created")
    return _list_page(None)


@blueprint.get("/<int:affiliate_id>")
@require_page_shop
def affiliates_detail(affiliate_id: int) -> str | tuple[str, int]:
    try:
        period = _chosen_period()
    except InvalidInput as refused:
        return _detail_page(affiliate_id, _refusal("range", refused, request.args)), 400
    return _detail_page(affiliate_id, None, period)


@blueprint.post("/<int:affiliate_id>/codes")
@require_page_shop
def affiliates_add_code(affiliate_id: int) -> tuple[str, int] | Response:
    session = request_session()
    try:
        code = create_code(session, g.shop, affiliate_id, code_data(request.form))
        session.commit()
    except (InvalidInput, Conflict) as refused:
        session.rollback()
        return _detail_page(affiliate_id, _refusal("code", refused)), 400
    return _back_to(affiliate_id, "code_added", code=code.code)


@blueprint.post("/codes/<int:code_id>/<any(pause, resume):action>")
@require_page_shop
def affiliates_code_state(code_id: int, action: str) -> tuple[str, int] | Response:
    session = request_session()
    code = code_by_id(session, g.shop, code_id)
    affiliate_id, text = code.affiliate_id, code.code
    try:
        set_code_active(session, g.shop, code_id, action == "resume")
        session.commit()
    except InvalidInput as refused:  # resuming an expired code, or an archived affiliate's
        session.rollback()
        return _detail_page(affiliate_id, _refusal("code_state", refused)), 400
    return _back_to(affiliate_id, "resumed" if action == "resume" else "paused", code=text)


@blueprint.post("/<int:affiliate_id>/portal-link")
@require_page_shop
def affiliates_portal_link(affiliate_id: int) -> tuple[str, int, dict[str, str]]:
    session = request_session()
    try:
        _affiliate, token = rotate_portal_link(session, g.shop, affiliate_id)
        session.commit()
    except InvalidInput as refused:
        session.rollback()
        return _detail_page(affiliate_id, _refusal("portal", refused)), 400, NO_STORE
    link = portal_url(current_services().settings.app_url, token)
    return _detail_page(affiliate_id, None, portal_link=link), 200, NO_STORE


@blueprint.post("/<int:affiliate_id>/payouts")
@require_page_shop
def affiliates_mark_paid(affiliate_id: int) -> tuple[str, int] | Response:
    session = request_session()
    try:
        until = day_field(request.form.get("until", ""), "until")
        reference = request.form.get("reference", "").strip() or None
        if reference is not None and len(reference) > MAX_REFERENCE:
            raise InvalidInput(
                f"reference must be at most {MAX_REFERENCE} characters", field="reference"
            )
        payout, new = mark_paid(session, g.shop, affiliate_id, until, reference)
        session.commit()
    except (InvalidInput, Conflict) as refused:  # a bad date, or nothing owed up to it
        session.rollback()
        return _detail_page(affiliate_id, _refusal("payout", refused)), 400
    return _back_to(affiliate_id, "paid" if new else "already_paid", payout=str(payout.id))


@blueprint.post("/<int:affiliate_id>/archive")
@require_page_shop
def affiliates_archive(affiliate_id: int) -> Response:
    session = request_session()
    archive_affiliate(session, g.shop, affiliate_id)
    session.commit()
    return _back_to(affiliate_id, "archived")


@blueprint.get("/payouts.csv")
@require_page_shop
def affiliates_payouts_csv() -> Response:
    raw = request.args.get("until", "")
    until = day_field(raw, "until") if raw.strip() else utcnow().date()
    return FlaskResponse(
        payout_export(request_session(), g.shop, until),
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="affiliate-payouts-{until}.csv"',
            **NO_STORE,
        },
    )


def _list_page(refusal: Refusal | None) -> str:
    session = request_session()
    shop = g.shop
    today = utcnow().date()
    period = Period(min(program_start(session, shop) or today, today), today)
    figures = {
        row.affiliate_id: row for row in affiliate_returns(session, shop, period.first, today)
    }
    clicks = click_counts(session, shop, period.start, period.end)
    found = sorted(list_affiliates(session, shop), key=lambda a: a.status == ARCHIVED)
    rows = [
        ListRow(
            affiliate_json(session, shop, affiliate),
            figures[affiliate.id],
            clicks.get(affiliate.id, 0),
        )
        for affiliate in found
    ]
    flagged = [
        (row.affiliate, code) for row in rows for code in row.affiliate["codes"] if code["flagged"]
    ]
    return render_template(
        "admin/affiliates.html",
        rows=rows,
        flagged=flagged,
        period=period,
        today=today,
        currency=shop.currency,
        payout_methods=PAYOUT_METHODS,
        refusal=refusal or _no_refusal(),
        words=WORDS,
    )


def _detail_page(
    affiliate_id: int,
    refusal: Refusal | None,
    period: Period | None = None,
    *,
    portal_link: str | None = None,
) -> str:
    session = request_session()
    shop = g.shop
    found = find_affiliate(session, shop, affiliate_id)
    today = utcnow().date()
    period = period or _default_period(today)
    returns = affiliate_returns(session, shop, period.first, period.last)
    figures: AffiliateReturn = next(r for r in returns if r.affiliate_id == found.id)
    payouts = list(reversed(payouts_of(session, shop, found.id)))
    affiliate = affiliate_json(session, shop, found)
    for code in affiliate["codes"]:
        code["expiry"] = expiry_words(code["ends_at"])
    notice = request.args.get("notice") if request.method == "GET" else None
    shown_payout = request.args.get("payout", "")
    return render_template(
        "admin/affiliate.html",
        affiliate=affiliate,
        figures=figures,
        clicks=click_counts(session, shop, period.start, period.end).get(found.id, 0),
        period=period,
        ledger=[
            (conversion_json(conversion), code)
            for conversion, code in conversions_of(session, shop, found, LEDGER_ROWS)
        ],
        ledger_rows=LEDGER_ROWS,
        payouts=payouts,
        notice=notice if notice in NOTICES else None,
        notice_code=request.args.get("code", ""),
        notice_payout=next((p for p in payouts if str(p.id) == shown_payout), None),
        portal_link=portal_link,
        today=today,
        currency=shop.currency,
        refusal=refusal or _no_refusal(),
        words=WORDS,
    )


def expiry_words(ends_at: str | None) -> str | None:
    """A code's expiry as the merchant chose it: the last day when it ends at midnight
    (as codes made on these pages do), otherwise the moment it ends."""
    if ends_at is None:
        return None
    moment = datetime.fromisoformat(ends_at)
    if moment.time() == time(0):
        return f"Last day {moment.date() - timedelta(days=1)} (UTC)"
    return f"Ends {moment.strftime('%Y-%m-%d %H:%M')} UTC"


def _chosen_period() -> Period:
    if request.args.get("from") or request.args.get("to"):
        return parse_period(request.args.get("from"), request.args.get("to"))
    return _default_period(utcnow().date())


def _default_period(today: date) -> Period:
    return Period(today - timedelta(days=RETURN_DAYS - 1), today)


def _refusal(form: str, error: LoyaltyError, values: Any = None) -> Refusal:
    submitted = {key: str(value) for key, value in (values or request.form).items()}
    if error.field in FORMS.get(form, ()):
        return Refusal(form, {str(error.field): error.message}, None, submitted)
    return Refusal(form, {}, error.message, submitted)


def _no_refusal() -> Refusal:
    return Refusal("", {}, None, {})


def _back_to(affiliate_id: int, notice: str, **details: str) -> Response:
    """303 to the affiliate's page with its notice; inside the Shopify admin the session
    token goes along, since the next page is opened without App Bridge."""
    query = {"notice": notice, **details}
    token = request.values.get("id_token")
    if token:
        query["id_token"] = token
    target = url_for("admin_affiliates.affiliates_detail", affiliate_id=affiliate_id)
    return redirect(f"{target}?{urlencode(query)}", code=303)
