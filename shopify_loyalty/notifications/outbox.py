"""Queueing messages: one row per fact in ``notification_messages``, and its send job.

:func:`queue_notifications` is called at the end of the order and customer webhooks and
when a reward code reaches Shopify; :func:`queue_shop_notifications` by the hourly periodic
job. Both read the facts recorded recently (:data:`RECENT`) and queue a message for each
one not yet queued; the unique ``(shop, event_key)`` makes a replayed webhook or a second
run a no-op. A customer who may not receive the message (no email address, no marketing
consent) gets a ``skipped`` row with the reason, as does a message the merchant switched
off, so the fact is settled either way. :func:`queue_welcome` is called by customers/create
and :func:`queue_payout_notice` when the merchant marks an affiliate payout as paid.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import Affiliate, AffiliatePayout
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import enqueue
from shopify_loyalty.notifications.branding import email_branding
from shopify_loyalty.notifications.consent import reason_not_to_send
from shopify_loyalty.notifications.facts import (
    Notice,
    last_chances,
    recent_notices,
    welcome_notice,
)
from shopify_loyalty.notifications.kinds import Kind
from shopify_loyalty.notifications.locales import customer_locale
from shopify_loyalty.notifications.models import (
    NO_EMAIL,
    QUEUED,
    SKIPPED,
    SWITCHED_OFF,
    NotificationMessage,
)
from shopify_loyalty.notifications.switches import EmailMessages, message_switches
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.unique_rows import insert_unless_present, insert_values_unless_present

SEND_JOB = "notifications.send"
RECENT = timedelta(days=7)
# Keys looked up per query (a shop's hourly run can hold many; a statement's bound values
# are limited).
LOOKUP_CHUNK = 1000


def queue_welcome(session: Session, shop: Shop, customer: Customer) -> NotificationMessage | None:
    """Welcome a new member, once, whatever the sign-up bonus."""
    return queue_notice(session, shop, welcome_notice(session, shop, customer))


def queue_payout_notice(
    session: Session, shop: Shop, payout: AffiliatePayout
) -> NotificationMessage | None:
    """Tell the affiliate (at the email the merchant gave) that a payout was made."""
    key = f"affiliate_payout:{payout.id}"
    if _queued_before(session, shop, key):
        return None
    affiliate = session.get(Affiliate, payout.affiliate_id)
    if affiliate is None or affiliate.shop_id != shop.id:
        return None
    reason = None if message_switches(session, shop).sends(Kind.AFFILIATE_PAYOUT) else SWITCHED_OFF
    if reason is None and not affiliate.email:
        reason = NO_EMAIL
    data = {
        "amount": f"{payout.amount:.2f}",
        "currency": payout.currency,
        "conversions": payout.conversions,
        "covers_until": payout.covers_until.isoformat(),
        "reference": payout.reference,
    }
    return _add_message(
        session,
        shop,
        NotificationMessage(
            shop_id=shop.id,
            customer_id=None,
            affiliate_id=affiliate.id,
            kind=Kind.AFFILIATE_PAYOUT.value,
            event_key=key,
            recipient=affiliate.email,
            locale=email_branding(session, shop).default_locale,
            data=json.dumps(data, default=str),
            status=QUEUED if reason is None else SKIPPED,
            skip_reason=reason,
            attempts=0,
            created_at=utcnow(),
        ),
    )


def queue_notifications(session: Session, shop: Shop, customer: Customer | None) -> int:
    """Queue the messages for the customer's recent facts; returns how many were new."""
    if customer is None:
        return 0
    notices = recent_notices(session, shop, utcnow() - RECENT, [customer.id])
    return queue_notices(session, shop, notices)


def queue_shop_notifications(session: Session, shop: Shop, now: datetime) -> int:
    """Queue the messages for every recent fact of the shop, and the last chances due at
    ``now``; returns how many were new."""
    notices = [*recent_notices(session, shop, utcnow() - RECENT), *last_chances(session, shop, now)]
    return queue_notices(session, shop, notices)


@cache
def _told_query() -> Select[str]:
    # Built once, values bound at execution: building it cost more than sending it.
    return select(NotificationMessage.event_key).where(
        NotificationMessage.shop_id == bindparam("shop_id"),
        NotificationMessage.event_key.in_(bindparam("keys", expanding=True)),
    )


def queue_notices(session: Session, shop: Shop, notices: Iterable[Notice]) -> int:
    """Queue a message for each notice whose fact was not queued before (found in one
    query); returns how many were new."""
    notices = list(notices)
    if not notices:
        return 0
    keys = sorted({notice.key for notice in notices})
    told: set[str] = set()
    for start in range(0, len(keys), LOOKUP_CHUNK):
        told.update(
            session.scalars(
                _told_query(), {"shop_id": shop.id, "keys": keys[start : start + LOOKUP_CHUNK]}
            )
        )
    messages = []
    switches, default_locale = message_switches(session, shop), _default_locale(session, shop)
    for notice in notices:
        if notice.key not in told:
            told.add(notice.key)
            values = _message_values(session, shop, notice, switches, default_locale)
            if values is not None:
                messages.append(values)
    # All in one statement; a fact another worker queued a moment ago is left out. No
    # object is made of the messages: only their ids and statuses are wanted.
    stored = insert_values_unless_present(session, NotificationMessage, messages, ("status",))
    for message_id, status in stored:
        _queue_sending(session, shop, message_id, status)
    return len(stored)


def queue_notice(session: Session, shop: Shop, notice: Notice) -> NotificationMessage | None:
    """The new message for the notice, or None when its fact was queued before."""
    if _queued_before(session, shop, notice.key):
        return None
    return _queue_new_notice(session, shop, notice)


def _queue_new_notice(session: Session, shop: Shop, notice: Notice) -> NotificationMessage | None:
    """The message for a notice not queued before (the unique key settles a race)."""
    values = _message_values(
        session, shop, notice, message_switches(session, shop), _default_locale(session, shop)
    )
    return None if values is None else _add_message(session, shop, NotificationMessage(**values))


def _default_locale(session: Session, shop: Shop) -> str:
    return email_branding(session, shop).default_locale


def _message_values(
    session: Session, shop: Shop, notice: Notice, switches: EmailMessages, default_locale: str
) -> dict[str, Any] | None:
    """The columns of the message telling the notice (not stored yet); None for a customer
    not of the shop. ``switches`` and ``default_locale`` are the shop's settings, read once
    by a caller queueing many."""
    customer = session.get(Customer, notice.customer_id)
    if customer is None or customer.shop_id != shop.id:
        return None
    reason = (
        reason_not_to_send(session, shop, customer, notice.kind)
        if switches.sends(notice.kind)
        else SWITCHED_OFF
    )
    return {
        "shop_id": shop.id,
        "customer_id": customer.id,
        "kind": notice.kind.value,
        "event_key": notice.key,
        "recipient": customer.email,
        "locale": customer_locale(customer, default_locale),
        "data": json.dumps(notice.data, default=str),
        "status": QUEUED if reason is None else SKIPPED,
        "skip_reason": reason,
        "attempts": 0,
        "created_at": utcnow(),
    }


def _add_message(
    session: Session, shop: Shop, message: NotificationMessage
) -> NotificationMessage | None:
    """Store the message and, unless skipped, its send job; None when the fact was queued
    a moment ago by another worker."""
    stored = insert_unless_present(session, message)
    if stored is None:
        # Another worker queued the same fact a moment ago.
        return None
    _queue_sending(session, shop, stored.id, stored.status)
    return stored


def _queue_sending(session: Session, shop: Shop, message_id: int, status: str) -> None:
    """The send job of a stored message (a skipped message has none)."""
    if status == QUEUED:
        enqueue(session, shop, SEND_JOB, {"message_id": message_id}, key=f"{SEND_JOB}:{message_id}")


def _queued_before(session: Session, shop: Shop, key: str) -> bool:
    return (
        session.scalar(
            select(NotificationMessage.id).where(
                NotificationMessage.shop_id == shop.id, NotificationMessage.event_key == key
            )
        )
        is not None
    )
