"""The send job: render a queued message and hand it over, once.

The worker runs it after the queueing transaction commits and retries it with backoff when
the SMTP server is unreachable or refuses for now. Consent and the merchant's switch are
checked again, so a shopper who unsubscribed between the fact and the send gets nothing.
A message already sent is left alone, so a job run twice sends once.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.affiliates.models import Affiliate
from shopify_loyalty.customers.models import Customer
from shopify_loyalty.db import utcnow
from shopify_loyalty.jobs.queue import PermanentJobError, job
from shopify_loyalty.notifications.branding import shop_frame
from shopify_loyalty.notifications.consent import reason_not_to_send
from shopify_loyalty.notifications.delivery import (
    Envelope,
    SmtpServer,
    build_email,
    outbox_folder,
    send_by_smtp,
    write_to_outbox,
)
from shopify_loyalty.notifications.email_settings import email_settings
from shopify_loyalty.notifications.kinds import is_marketing
from shopify_loyalty.notifications.models import (
    CUSTOMER_GONE,
    NO_EMAIL,
    QUEUED,
    SENT,
    SKIPPED,
    SWITCHED_OFF,
    NotificationMessage,
)
from shopify_loyalty.notifications.outbox import SEND_JOB
from shopify_loyalty.notifications.rendering import Frame, message_data, render_message
from shopify_loyalty.notifications.switches import message_switches
from shopify_loyalty.notifications.unsubscribe_tokens import unsubscribe_token
from shopify_loyalty.services import Services
from shopify_loyalty.shops.models import Shop


@dataclass(frozen=True)
class Outgoing:
    kind: str
    locale: str
    data: dict[str, Any]
    frame: Frame
    first_name: str | None
    envelope: Envelope
    smtp: SmtpServer | None


@job(SEND_JOB)
def send_message(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    message_id = int(payload["message_id"])
    with services.db.transaction() as session:
        outgoing = _prepare(session, services, shop_domain, message_id)
    if outgoing is None:
        return
    rendered = render_message(
        outgoing.kind,
        outgoing.locale,
        outgoing.data,
        outgoing.frame,
        outgoing.first_name,
        outgoing.envelope.unsubscribe_url,
    )
    email = build_email(outgoing.envelope, rendered)
    try:
        if outgoing.smtp is None:
            folder = outbox_folder(services.settings.instance_path, shop_domain)
            write_to_outbox(folder, message_id, outgoing.kind, email)
        else:
            send_by_smtp(outgoing.smtp, email)
    except Exception as failure:
        # Shown in the admin's outbox; the job is retried with backoff.
        with services.db.transaction() as session:
            message = session.get(NotificationMessage, message_id)
            if message is not None:
                message.error = f"{type(failure).__name__}: {failure}"[:1000]
        raise
    with services.db.transaction() as session:
        message = session.get(NotificationMessage, message_id)
        if message is not None and message.status == QUEUED:
            message.status, message.sent_at, message.error = SENT, utcnow(), None


def _prepare(
    session: Session, services: Services, shop_domain: str, message_id: int
) -> Outgoing | None:
    shop = session.scalar(select(Shop).where(Shop.domain == shop_domain))
    message = session.get(NotificationMessage, message_id)
    if shop is None or message is None or message.shop_id != shop.id:
        raise PermanentJobError(f"message {message_id} of {shop_domain} no longer exists")
    if message.status != QUEUED:
        return None
    if not message_switches(session, shop).sends(message.kind):
        message.status, message.skip_reason = SKIPPED, SWITCHED_OFF
        return None
    recipient = _recipient(session, services, shop, message)
    if recipient.skip_reason is not None:
        message.status, message.skip_reason = SKIPPED, recipient.skip_reason
        return None
    message.attempts += 1
    config = email_settings(session, shop)
    frame = shop_frame(session, shop)
    smtp = None
    if config.enabled:
        password = (
            services.cipher.decrypt(config.smtp_password_encrypted)
            if config.smtp_password_encrypted
            else ""
        )
        smtp = SmtpServer(
            config.smtp_host, config.smtp_port, config.smtp_user, password, config.starttls
        )
    return Outgoing(
        kind=message.kind,
        locale=message.locale,
        data=message_data(message.data),
        frame=frame,
        first_name=recipient.first_name,
        envelope=Envelope(
            message_id=message.id,
            shop_domain=shop.domain,
            sender_name=config.from_name or frame.shop_name,
            sender_address=config.from_address or f"no-reply@{shop.domain}",
            recipient=recipient.address,
            unsubscribe_url=recipient.unsubscribe_url,
        ),
        smtp=smtp,
    )


@dataclass(frozen=True)
class Recipient:
    address: str
    first_name: str | None
    unsubscribe_url: str | None
    skip_reason: str | None = None


def _recipient(
    session: Session, services: Services, shop: Shop, message: NotificationMessage
) -> Recipient:
    """Who the message goes to: the customer (consent checked again, the unsubscribe link
    for marketing) or the affiliate of a payout notice."""
    if message.affiliate_id is not None:
        affiliate = session.get(Affiliate, message.affiliate_id)
        if affiliate is None or not affiliate.email:
            return Recipient("", None, None, NO_EMAIL)
        first_name = affiliate.name.split()[0] if affiliate.name.strip() else None
        return Recipient(message.recipient or affiliate.email, first_name, None)
    customer = session.get(Customer, message.customer_id) if message.customer_id else None
    if customer is None:
        return Recipient("", None, None, CUSTOMER_GONE)
    reason = reason_not_to_send(session, shop, customer, message.kind)
    if reason is not None:
        return Recipient("", None, None, reason)
    unsubscribe_url = None
    if is_marketing(message.kind):
        token = unsubscribe_token(
            services.settings.api_secret, shop.domain, customer.shopify_customer_id
        )
        unsubscribe_url = f"{services.settings.app_url}/notifications/unsubscribe/{token}"
    return Recipient(
        message.recipient or customer.email or "", customer.first_name, unsubscribe_url
    )
