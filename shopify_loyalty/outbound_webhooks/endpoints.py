"""The merchant's webhook endpoints: register, change, pause and resume, rotate the signing
secret, delete. Every function is scoped to one shop and validates what it is given."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shopify_loyalty.crypto import TokenCipher
from shopify_loyalty.db import utcnow
from shopify_loyalty.errors import Conflict, InvalidInput, NotFound
from shopify_loyalty.outbound_webhooks.addresses import check_destination
from shopify_loyalty.outbound_webhooks.models import (
    ACTIVE,
    ENDPOINT_STATUSES,
    PAUSED,
    WebhookEndpoint,
)
from shopify_loyalty.outbound_webhooks.signing import new_secret
from shopify_loyalty.program_events.topics import ALL_TOPICS
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.transaction_memo import transaction_memo

MAX_ENDPOINTS = 10
MAX_DESCRIPTION = 255


@dataclass(frozen=True)
class NewSecret:
    """An endpoint with its signing secret in clear text: shown to the merchant once."""

    endpoint: WebhookEndpoint
    secret: str


ENDPOINTS_MEMO = "outbound_webhooks.endpoints"


def endpoints_of_transaction(session: Session, shop: Shop) -> list[WebhookEndpoint]:
    """The shop's endpoints, read once per transaction: telling the facts of many orders
    queues deliveries for each of their events. Creating or deleting an endpoint in the
    same transaction drops the copy; other changes are made to these very objects."""
    memo: dict[int, list[WebhookEndpoint]] = transaction_memo(session, ENDPOINTS_MEMO)
    if shop.id not in memo:
        memo[shop.id] = shop_endpoints(session, shop)
    return memo[shop.id]


def shop_endpoints(session: Session, shop: Shop) -> list[WebhookEndpoint]:
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.shop_id == shop.id)
            .order_by(WebhookEndpoint.id)
        )
    )


def find_endpoint(session: Session, shop: Shop, endpoint_id: int) -> WebhookEndpoint:
    endpoint = session.scalar(
        select(WebhookEndpoint).where(
            WebhookEndpoint.shop_id == shop.id, WebhookEndpoint.id == endpoint_id
        )
    )
    if endpoint is None:
        raise NotFound(f"No webhook endpoint {endpoint_id} in this shop.")
    return endpoint


def create_endpoint(
    session: Session, shop: Shop, cipher: TokenCipher, fields: Mapping[str, Any]
) -> NewSecret:
    """Register an endpoint from ``url``, ``topics`` and an optional ``description``."""
    _known_fields(fields, ("url", "topics", "description"))
    count = session.scalar(
        select(func.count(WebhookEndpoint.id)).where(WebhookEndpoint.shop_id == shop.id)
    )
    if (count or 0) >= MAX_ENDPOINTS:
        raise Conflict(f"A shop can have at most {MAX_ENDPOINTS} webhook endpoints.")
    url = _url(fields.get("url"))
    secret = new_secret()
    endpoint = WebhookEndpoint(
        shop_id=shop.id,
        url=url,
        topics=" ".join(_topics(fields.get("topics"))),
        description=_description(fields.get("description")),
        secret_encrypted=cipher.encrypt(secret),
        status=ACTIVE,
        consecutive_failures=0,
    )
    session.add(endpoint)
    session.flush()
    transaction_memo(session, ENDPOINTS_MEMO).pop(shop.id, None)
    return NewSecret(endpoint, secret)


def update_endpoint(
    session: Session, shop: Shop, endpoint_id: int, fields: Mapping[str, Any]
) -> WebhookEndpoint:
    """Change ``url``, ``topics``, ``description`` or ``status`` (``active``/``paused``)."""
    _known_fields(fields, ("url", "topics", "description", "status"))
    endpoint = find_endpoint(session, shop, endpoint_id)
    if "url" in fields:
        endpoint.url = _url(fields["url"])
    if "topics" in fields:
        endpoint.topics = " ".join(_topics(fields["topics"]))
    if "description" in fields:
        endpoint.description = _description(fields["description"])
    if "status" in fields:
        status = fields["status"]
        if status not in ENDPOINT_STATUSES:
            raise InvalidInput("status must be one of active, paused", field="status")
        if status == PAUSED and endpoint.status != PAUSED:
            pause_endpoint(endpoint, "paused by the merchant")
        elif status == ACTIVE and endpoint.status != ACTIVE:
            resume_endpoint(session, shop, endpoint)
    endpoint.updated_at = utcnow()
    return endpoint


def pause_endpoint(endpoint: WebhookEndpoint, reason: str) -> None:
    endpoint.status = PAUSED
    endpoint.paused_reason = reason[:255]


def resume_endpoint(session: Session, shop: Shop, endpoint: WebhookEndpoint) -> None:
    """Resume an endpoint: deliveries held while it was paused start again."""
    from shopify_loyalty.outbound_webhooks.deliveries import restart_held_deliveries

    endpoint.status = ACTIVE
    endpoint.paused_reason = None
    endpoint.consecutive_failures = 0
    restart_held_deliveries(session, shop, endpoint)


def rotate_secret(session: Session, shop: Shop, cipher: TokenCipher, endpoint_id: int) -> NewSecret:
    """A new signing secret for the endpoint; the old one stops signing at once."""
    endpoint = find_endpoint(session, shop, endpoint_id)
    secret = new_secret()
    endpoint.secret_encrypted = cipher.encrypt(secret)
    endpoint.secret_rotated_at = utcnow()
    return NewSecret(endpoint, secret)


def delete_endpoint(session: Session, shop: Shop, endpoint_id: int) -> None:
    session.delete(find_endpoint(session, shop, endpoint_id))
    transaction_memo(session, ENDPOINTS_MEMO).pop(shop.id, None)


def _known_fields(fields: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    for name in fields:
        if name not in allowed:
            raise InvalidInput(
                f"{name} is not a field of a webhook endpoint (fields: {', '.join(allowed)})",
                field=name,
            )


def _url(value: Any) -> str:
    check_destination(value)
    return str(value).strip()


def _topics(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        raise InvalidInput(
            f"topics must be a non-empty list of: {', '.join(ALL_TOPICS)}", field="topics"
        )
    chosen = []
    for topic in value:
        if topic not in ALL_TOPICS:
            raise InvalidInput(
                f"topics: {topic!r} is not one of {', '.join(ALL_TOPICS)}", field="topics"
            )
        if topic not in chosen:
            chosen.append(topic)
    return chosen


def _description(value: Any) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > MAX_DESCRIPTION:
        raise InvalidInput(
            f"description must be text of at most {MAX_DESCRIPTION} characters",
            field="description",
        )
    return value.strip() or None


def rotate_secret_encryption(session: Session, cipher: TokenCipher) -> int:
    """Re-encrypt every endpoint's signing secret under the newest encryption key (part of
    ``shopify-loyalty keys rotate``); returns how many endpoints there were."""
    endpoints = list(session.scalars(select(WebhookEndpoint)))
    for endpoint in endpoints:
        endpoint.secret_encrypted = cipher.rotate(endpoint.secret_encrypted)
    return len(endpoints)
