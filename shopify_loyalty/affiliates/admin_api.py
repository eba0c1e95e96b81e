"""The merchant's affiliate API (App Bridge session token), under ``/admin/api/affiliates``.

- ``GET/POST /affiliates``; ``GET/PUT/DELETE /affiliates/<id>`` (DELETE archives);
- ``POST /affiliates/<id>/portal-link``: a new secret portal link (the old one stops);
- ``POST /affiliates/<id>/codes``; ``POST /affiliates/codes/<id>/pause`` and ``/resume``;
- ``GET /affiliates/<id>/conversions``: the commission ledger of one affiliate;
- ``GET /affiliates/returns?from=YYYY-MM-DD&to=YYYY-MM-DD``: return per affiliate;
- ``GET /affiliates/flags``: codes flagged for unusual use;
- ``GET /affiliates/payouts.csv?until=YYYY-MM-DD``: what is owed, for paying;
- ``POST /affiliates/<id>/payouts`` ``{"until": "YYYY-MM-DD", "reference": ...}``: mark paid.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy import select

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.affiliates.accounts import (
    archive_affiliate,
    codes_of,
    create_affiliate,
    find_affiliate,
    list_affiliates,
    portal_url,
    rotate_portal_link,
    update_affiliate,
)
from shopify_loyalty.affiliates.codes import (
    click_link,
    create_code,
    set_code_active,
    tracking_link,
)
from shopify_loyalty.affiliates.models import (
    Affiliate,
    AffiliateCode,
    AffiliateConversion,
    AffiliatePayout,
)
from shopify_loyalty.affiliates.payouts import amount_due, mark_paid, payout_export
from shopify_loyalty.affiliates.reporting import affiliate_returns
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.insights.periods import FIRST_DAY, LAST_DAY
from shopify_loyalty.services import current_services, request_session
from shopify_loyalty.shops.models import Shop

blueprint = Blueprint("affiliates_api", __name__, url_prefix="/admin/api/affiliates")


@blueprint.get("")
@require_shop
def list_all() -> Response:
    session = request_session()
    return jsonify(
        {
            "affiliates": [
                affiliate_json(session, g.shop, a) for a in list_affiliates(session, g.shop)
            ]
        }
    )


@blueprint.post("")
@require_shop
def add() -> tuple[Response, int]:
    session = request_session()
    affiliate, token = create_affiliate(session, g.shop, json_object())
    session.commit()
    body = affiliate_json(session, g.shop, affiliate)
    body["portal_url"] = portal_url(current_services().settings.app_url, token)
    return jsonify(body), 201


@blueprint.get("/<int:affiliate_id>")
@require_shop
def show(affiliate_id: int) -> Response:
    session = request_session()
    return jsonify(affiliate_json(session, g.shop, find_affiliate(session, g.shop, affiliate_id)))


@blueprint.put("/<int:affiliate_id>")
@require_shop
def change(affiliate_id: int) -> Response:
    session = request_session()
    affiliate = update_affiliate(session, g.shop, affiliate_id, json_object())
    session.commit()
    return jsonify(affiliate_json(session, g.shop, affiliate))


@blueprint.delete("/<int:affiliate_id>")
@require_shop
def archive(affiliate_id: int) -> Response:
    session = request_session()
    affiliate = archive_affiliate(session, g.shop, affiliate_id)
    session.commit()
    return jsonify(affiliate_json(session, g.shop, affiliate))


@blueprint.post("/<int:affiliate_id>/portal-link")
@require_shop
def rotate(affiliate_id: int) -> Response:
    session = request_session()
    affiliate, token = rotate_portal_link(session, g.shop, affiliate_id)
    session.commit()
    body = affiliate_json(session, g.shop, affiliate)
    body["portal_url"] = portal_url(current_services().settings.app_url, token)
    return jsonify(body)


@blueprint.post("/<int:affiliate_id>/codes")
@require_shop
def add_code(affiliate_id: int) -> tuple[Response, int]:
    session = request_session()
    code = create_code(session, g.shop, affiliate_id, json_object())
    session.commit()
    return jsonify(code_json(g.shop, code)), 201


@blueprint.post("/codes/<int:code_id>/pause")
@require_shop
def pause(code_id: int) -> Response:
    session = request_session()
    code = set_code_active(session, g.shop, code_id, False)
    session.commit()
    return jsonify(code_json(g.shop, code))


@blueprint.post("/codes/<int:code_id>/resume")
@require_shop
def resume(code_id: int) -> Response:
    session = request_session()
    code = set_code_active(session, g.shop, code_id, True)
    session.commit()
    return jsonify(code_json(g.shop, code))


@blueprint.get("/flags")
@require_shop
def flags() -> Response:
    session = request_session()
    flagged = session.scalars(
        select(AffiliateCode)
        .where(AffiliateCode.shop_id == g.shop.id, AffiliateCode.flagged_at.is_not(None))
        .order_by(AffiliateCode.flagged_at.desc())
    )
    return jsonify({"codes": [code_json(g.shop, code) for code in flagged]})


@blueprint.get("/<int:affiliate_id>/conversions")
@require_shop
def conversions(affiliate_id: int) -> Response:
    session = request_session()
    affiliate = find_affiliate(session, g.shop, affiliate_id)
    rows = session.scalars(
        select(AffiliateConversion)
        .where(
            AffiliateConversion.shop_id == g.shop.id,
            AffiliateConversion.affiliate_id == affiliate.id,
        )
        .order_by(AffiliateConversion.ordered_at.desc(), AffiliateConversion.id.desc())
    )
    return jsonify({"conversions": [conversion_json(row) for row in rows]})


@blueprint.get("/returns")
@require_shop
def returns() -> Response:
    today = utcnow().date()
    start = day_argument("from", today - timedelta(days=29))
    end = day_argument("to", today)
    if end < start:
        raise InvalidInput("to must not be before from.", field="to")
    rows = affiliate_returns(request_session(), g.shop, start, end)
    return jsonify(
        {
            "from": start.isoformat(),
            "to": end.isoformat(),
            "currency": g.shop.currency,
            "affiliates": [
                {
                    key: str(value) if key.startswith(("revenue", "commission")) else value
                    for key, value in asdict(row).items()
                }
                for row in rows
            ],
        }
    )


@blueprint.get("/payouts.csv")
@require_shop
def payouts_csv() -> Response:
    until = day_argument("until", utcnow().date())
    body = payout_export(request_session(), g.shop, until)
    return Response(
        body,
        mimetype="text/csv",
        headers={
            "Content-Disposition": f'attachment; filename="affiliate-payouts-{until}.csv"',
            "Cache-Control": "no-store",
        },
    )


@blueprint.post("/<int:affiliate_id>/payouts")
@require_shop
def pay(affiliate_id: int) -> tuple[Response, int]:
    data = json_object()
    raw = data.get("until")
    until = _parse_day(raw, "until") if raw is not None else None
    if until is None:
        raise InvalidInput("until is required (YYYY-MM-DD).", field="until")
    reference = data.get("reference")
    if reference is not None and (not isinstance(reference, str) or len(reference) > 255):
        raise InvalidInput("reference must be text of up to 255 characters.", field="reference")
    session = request_session()
    payout, new = mark_paid(session, g.shop, affiliate_id, until, reference)
    session.commit()
    return jsonify(payout_json(payout)), 201 if new else 200


def affiliate_json(session: Any, shop: Shop, affiliate: Affiliate) -> dict[str, Any]:
    due = amount_due(session, shop, affiliate, utcnow().date())
    return {
        "id": affiliate.id,
        "name": affiliate.name,
        "email": affiliate.email,
        "shopify_customer_id": affiliate.shopify_customer_id,
        "commission_kind": affiliate.commission_kind,
        "commission_value": str(affiliate.commission_value),
        "payout_method": affiliate.payout_method,
        "payout_details": affiliate.payout_details,
        "status": affiliate.status,
        "has_portal_link": affiliate.portal_token_digest is not None,
        "portal_link_made_at": _iso(affiliate.portal_link_made_at),
        "approved_commission_owed": str(due.amount),
        "codes": [code_json(shop, code) for code in codes_of(session, shop, affiliate)],
        "created_at": affiliate.created_at.isoformat(),
        "updated_at": affiliate.updated_at.isoformat(),
    }


def code_json(shop: Shop, code: AffiliateCode) -> dict[str, Any]:
    return {
        "id": code.id,
        "affiliate_id": code.affiliate_id,
        "code": code.code,
        "discount_kind": code.discount_kind,
        "discount_value": str(code.discount_value),
        "minimum_order": str(code.minimum_order) if code.minimum_order is not None else None,
        "usage_limit": code.usage_limit,
        "once_per_customer": code.once_per_customer,
        "ends_at": _iso(code.ends_at),
        "max_orders": code.max_orders,
        "max_commission": str(code.max_commission) if code.max_commission is not None else None,
        "active": code.active,
        "at_shopify": code.discount_gid is not None
        and code.synced_version is not None
        and code.synced_version >= code.version,
        "sync_error": code.sync_error,
        "flagged": code.flagged_at is not None,
        "flagged_at": _iso(code.flagged_at),
        "flag_note": code.flag_note,
        "tracking_link": tracking_link(shop, code),
        "click_link": click_link(current_services().settings.app_url, shop, code),
    }


def conversion_json(row: AffiliateConversion) -> dict[str, Any]:
    return {
        "id": row.id,
        "order_id": row.shopify_order_id,
        "code_id": row.code_id,
        "matched_by": row.matched_by,
        "status": row.status,
        "reason": row.reason,
        "new_customer": row.new_customer,
        "order_subtotal": str(row.order_subtotal),
        "refunded_subtotal": str(row.refunded_subtotal),
        "commission": str(row.commission),
        "paid_commission": str(row.paid_commission),
        "currency": row.currency,
        "ordered_at": row.ordered_at.isoformat(),
        "approve_at": row.approve_at.isoformat(),
        "approved_at": _iso(row.approved_at),
        "payout_id": row.payout_id,
    }


def payout_json(payout: AffiliatePayout) -> dict[str, Any]:
    return {
        "id": payout.id,
        "affiliate_id": payout.affiliate_id,
        "covers_until": payout.covers_until.isoformat(),
        "amount": str(payout.amount),
        "currency": payout.currency,
        "conversions": payout.conversions,
        "reference": payout.reference,
        "paid_at": payout.paid_at.isoformat(),
    }


def json_object() -> dict[str, Any]:
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise InvalidInput("The request body must be a JSON object.")
    return data


def day_argument(name: str, default: date) -> date:
    raw = request.args.get(name)
    return _parse_day(raw, name) if raw else default


def _parse_day(raw: Any, field: str) -> date:
    if not isinstance(raw, str):
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD).", field=field)
    try:
        day = date.fromisoformat(raw)
    except ValueError as error:
        raise InvalidInput(f"{field} must be a date (YYYY-MM-DD).", field=field) from error
    if not FIRST_DAY <= day <= LAST_DAY:
        raise InvalidInput(
            f"{field} must be a day from {FIRST_DAY.isoformat()} to {LAST_DAY.isoformat()}.",
            field=field,
        )
    return day


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None
