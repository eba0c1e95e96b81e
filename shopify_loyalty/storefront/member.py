"""A logged-in shopper's own loyalty record, as the widget shows it.

Points (available and pending), the open stamp card with its head-start stamps marked, the
tier and the way to the next, the rewards with what they can afford, their unused codes,
their referral link, birthday, the orders awaiting their feedback, and recent history.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from sqlalchemy import BindParameter, Select, and_, bindparam, func, select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.customers.records import CustomerDetails, find_customer, record_customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.orders.models import Order
from shopify_loyalty.paid_membership.models import MembershipPurchase, PaidMembership
from shopify_loyalty.paid_membership.status import KnownMembership
from shopify_loyalty.paid_membership.views import membership_json, shopper_perks_json
from shopify_loyalty.perks.audiences import audiences_column, split_audiences
from shopify_loyalty.perks.storefront import early_access_windows, member_offers
from shopify_loyalty.points.ledger import Balance, balance_columns, recent_entries
from shopify_loyalty.points.models import CustomerBirthday, LedgerEntry
from shopify_loyalty.programs.config import load
from shopify_loyalty.referrals.codes import link_for_code, make_referral_code
from shopify_loyalty.referrals.models import ReferralCode
from shopify_loyalty.referrals.rules import ReferralConfig
from shopify_loyalty.relaxed_commit import relax_commit_if_nothing_written
from shopify_loyalty.rewards.catalogue import rewards_catalogue
from shopify_loyalty.rewards.models import ISSUED, IssuedCode
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.stamps.cards import summary_of
from shopify_loyalty.stamps.models import CARD_OPENED, JOINED, StampCard, StampEntry
from shopify_loyalty.stamps.rules import StampConfig
from shopify_loyalty.storefront.program import reward_json, threshold_text
from shopify_loyalty.storefront.proxy_auth import require_installed
from shopify_loyalty.storefront.texts import fill, texts_for, widget_locale
from shopify_loyalty.storefront.widget_settings import WidgetConfig
from shopify_loyalty.surveys.models import SurveyResponse
from shopify_loyalty.tiers.membership import TierProgress, progress_of_membership
from shopify_loyalty.tiers.models import TierMembership

HISTORY_ROWS = 10
MAX_HISTORY_ROWS = 50
OPEN_CODES = 5
FEEDBACK_WINDOW = timedelta(days=60)
FEEDBACK_ORDERS = 3


def shopper(session: Session, shop: Shop, shopify_customer_id: int) -> Customer:
    """The logged-in shopper's row; made on the spot when Shopify's customers/create has not
    reached us yet (the id is Shopify's own, signed by the app proxy)."""
    customer = find_customer(session, shop, shopify_customer_id)
    if customer is None:
        customer = record_customer(session, shop, CustomerDetails(shopify_customer_id))
    return customer


@dataclass(frozen=True)
class Member:
    """The shopper with the rows they have at most one of, their balance and their
    audiences, as one query read them (see :func:`read_member`)."""

    shop: Shop
    customer: Customer
    balance: Balance
    birthday: CustomerBirthday | None
    tier: TierMembership | None
    card: StampCard | None
    head_start_stamps: int  # of the open card, as given
    membership: KnownMembership
    referral_code: ReferralCode | None
    audiences: frozenset[str]  # as of the last refresh


def read_member(session: Session, shop_domain: str, shopify_customer_id: int) -> Member:
    """The installed shop (NotFound otherwise) and its logged-in shopper, in one query that
    also reads each row the shopper has at most one of: a widget visit sent one query for
    each. A shopper not stored yet is stored (see :func:`shopper`), then read."""
    values = {"domain": shop_domain, "shopify_customer_id": shopify_customer_id, "now": utcnow()}
    found = session.execute(_member_query(), values).first()
    shop = require_installed(found[0] if found is not None else None)
    if found is None or found[1] is None:
        shopper(session, shop, shopify_customer_id)
        found = session.execute(_member_query(), values).one()
    (
        _,
        customer,
        birthday,
        tier,
        card,
        paid_membership,
        referral_code,
        available,
        pending,
        head_start,
        bought_membership,
        audiences,
    ) = found
    return Member(
        shop=shop,
        customer=customer,
        balance=Balance(available=int(available), pending=int(pending)),
        birthday=birthday,
        tier=tier,
        card=card,
        head_start_stamps=int(head_start or 0),
        membership=KnownMembership(paid_membership, bool(bought_membership)),
        referral_code=referral_code,
        audiences=frozenset(split_audiences(audiences or "")),
    )


@cache
def _member_query() -> Select[Any]:
    # Built once, values bound at execution: building it cost more than sending it. Each
    # joined table is unique per (shop_id, customer_id), so the query reads one row.
    def of_customer(model: Any) -> Any:
        return and_(model.shop_id == Shop.id, model.customer_id == Customer.id)

    available, pending = balance_columns(
        Shop.id, Customer.id, bindparam("now", type_=LedgerEntry.available_at.type)
    )
    head_start = (
        select(func.coalesce(func.sum(StampEntry.stamps), 0))
        .where(
            of_customer(StampEntry),
            StampEntry.card_number == StampCard.card_number,
            StampEntry.kind.in_((JOINED, CARD_OPENED)),
        )
        .scalar_subquery()
    )
    bought_membership = (
        select(MembershipPurchase.id)
        .where(of_customer(MembershipPurchase), MembershipPurchase.paid_at.is_not(None))
        .exists()
    )
    return (
        select(
            Shop,
            Customer,
            CustomerBirthday,
            TierMembership,
            StampCard,
            PaidMembership,
            ReferralCode,
            available,
            pending,
            head_start,
            bought_membership,
            audiences_column(Shop.id, Customer.id),
        )
        .select_from(Shop)
        .outerjoin(
            Customer,
            and_(
                Customer.shop_id == Shop.id,
                Customer.shopify_customer_id == bindparam("shopify_customer_id"),
            ),
        )
        .outerjoin(CustomerBirthday, of_customer(CustomerBirthday))
        .outerjoin(TierMembership, of_customer(TierMembership))
        .outerjoin(StampCard, of_customer(StampCard))
        .outerjoin(PaidMembership, of_customer(PaidMembership))
        .outerjoin(ReferralCode, of_customer(ReferralCode))
        .where(Shop.domain == bindparam("domain"))
    )


def member_view(session: Session, member: Member, locale: str) -> dict[str, Any]:
    shop, customer, balance = member.shop, member.customer, member.balance
    language = widget_locale(locale)
    texts = texts_for(language, load(session, shop, WidgetConfig).texts)
    currency = shop.currency
    referrals = load(session, shop, ReferralConfig)
    birthday = member.birthday
    progress = progress_of_membership(session, shop, customer, member.tier)
    audiences = set(member.audiences)
    now = utcnow()
    body: dict[str, Any] = {
        "locale": language,
        "points_balance": balance.available,
        "points_pending": balance.pending,
        "stamps": stamp_card(session, member),
        "tier": tier_view(progress, texts, currency, language),
        "membership": membership_json(session, shop, customer, known=member.membership),
        "perks": shopper_perks_json(session, shop, customer, progress.tier),
        "rewards": [
            {**reward_json(reward, texts, currency, language), "affordable": affordable}
            for reward in rewards_catalogue(session, shop, active_only=True)
            for affordable in [reward.points_cost <= balance.available]
        ],
        "codes": open_codes(session, shop, customer),
        "referral": None,
        "birthday": birthday.birthday.isoformat() if birthday else None,
        "feedback_orders": orders_awaiting_feedback(session, shop, customer),
        "history": history(session, customer, texts, limit=HISTORY_ROWS),
        "offers": member_offers(session, shop, audiences, texts, language, now),
        "early_access": early_access_windows(session, shop, audiences, now),
    }
    # Last, as nothing may be written after it: a first visit's referral code commits
    # without waiting for the disk when it is the visit's only write.
    if referrals.enabled:
        body["referral"] = referral_view(session, member)
    return body


def referral_view(session: Session, member: Member) -> dict[str, str]:
    """The member's code and link; the code is made on the member's first visit.

    When the code (with its friend discount's job) is the visit's only write, its commit does
    not wait for the disk: a database crash that loses it loses the job with it, and the
    next visit makes both again, the code identical (its candidates are the member's own,
    see ``referrals.codes.candidate_codes``), so the code shown stays the member's code."""
    row = member.referral_code
    if row is None:
        relax_commit_if_nothing_written(session)
        row = make_referral_code(session, member.shop, member.customer)
    return {"code": row.code, "link": link_for_code(member.shop, row.code)}


def stamp_card(session: Session, member: Member) -> dict[str, Any]:
    """The open card; ``head_start`` is how many of its stamps came as the head start."""
    card = member.card
    summary = summary_of(card, load(session, member.shop, StampConfig))
    head_start = min(member.head_start_stamps, summary.collected) if card is not None else 0
    return {
        "collected": summary.collected,
        "required": summary.required,
        "head_start": head_start,
        "completed_cards": summary.completed_cards,
    }


def tier_view(
    progress: TierProgress, texts: dict[str, str], currency: str, language: str
) -> dict[str, Any]:
    """The tier, the next one, and the share of the way there (0 to 1)."""
    floor = progress.tier.threshold if progress.tier else Decimal(0)
    share = 1.0
    if progress.next_tier is not None:
        span = progress.next_tier.threshold - floor
        reached = progress.qualifying_value - floor
        share = float(min(max(reached / span, Decimal(0)), Decimal(1))) if span > 0 else 1.0
    return {
        "name": progress.tier.name if progress.tier else None,
        "next": progress.next_tier.name if progress.next_tier else None,
        "progress": round(share, 4),
        "to_next": threshold_text(texts, progress.basis, progress.to_next, currency, language)
        if progress.to_next is not None
        else None,
    }


def open_codes(session: Session, shop: Shop, customer: Customer) -> list[dict[str, Any]]:
    """The shopper's issued codes not used yet and not expired, newest first."""
    codes = session.scalars(
        _open_codes_query(), {"shop_id": shop.id, "customer_id": customer.id, "now": utcnow()}
    )
    return [code_json(code) for code in codes]


@cache
def _open_codes_query() -> Select[IssuedCode]:
    # Built once, values bound at execution: building it cost more than sending it.
    now = bindparam("now", type_=IssuedCode.ends_at.type)
    return (
        select(IssuedCode)
        .where(
            IssuedCode.shop_id == bindparam("shop_id"),
            IssuedCode.customer_id == bindparam("customer_id"),
            IssuedCode.status == ISSUED,
            (IssuedCode.ends_at.is_(None)) | (IssuedCode.ends_at > now),
        )
        .order_by(IssuedCode.id.desc())
        .limit(OPEN_CODES)
    )


def code_json(code: IssuedCode) -> dict[str, Any]:
    return {
        "code": code.code,
        "title": code.title,
        "apply_path": f"/discount/{code.code}",
        "ends_at": code.ends_at.isoformat() if code.ends_at else None,
    }


def orders_awaiting_feedback(
    session: Session, shop: Shop, customer: Customer
) -> list[dict[str, Any]]:
    """Recent paid orders of the shopper that have no survey answer yet, newest first."""
    orders = session.scalars(
        _awaiting_feedback_query(),
        {"shop_id": shop.id, "customer_id": customer.id, "since": utcnow() - FEEDBACK_WINDOW},
    )
    return [
        {
            "order_id": str(order.shopify_order_id),
            "name": order.name or f"#{order.shopify_order_id}",
        }
        for order in orders
    ]


@cache
def _awaiting_feedback_query() -> Select[Order]:
    # Built once, values bound at execution: building it cost more than sending it.
    shop_id: BindParameter[int] = bindparam("shop_id")
    customer_id: BindParameter[int] = bindparam("customer_id")
    answered = select(SurveyResponse.shopify_order_id).where(
        SurveyResponse.shop_id == shop_id, SurveyResponse.customer_id == customer_id
    )
    return (
        select(Order)
        .where(
            Order.shop_id == shop_id,
            Order.customer_id == customer_id,
            Order.paid_at.is_not(None),
            Order.paid_at > bindparam("since", type_=Order.paid_at.type),
            Order.cancelled_at.is_(None),
            Order.test.is_(False),
            Order.shopify_order_id.not_in(answered),
        )
        .order_by(Order.paid_at.desc())
        .limit(FEEDBACK_ORDERS)
    )


def history(
    session: Session, customer: Customer, texts: dict[str, str], *, limit: int
) -> list[dict[str, Any]]:
    """The newest ledger rows, each with a label in the shopper's language."""
    now = utcnow()
    return [
        {
            "points": entry.points,
            "label": label(entry, texts),
            "pending": entry.available_at > now,
            "created_at": entry.created_at.isoformat(),
        }
        for entry in recent_entries(session, customer, limit=limit)
    ]


def label(entry: LedgerEntry, texts: dict[str, str]) -> str:
    for key in (f"reason_{entry.reason}", f"reason_{entry.source}"):
        if key in texts:
            return texts[key]
    return fill(texts["reason_adjustment"])
