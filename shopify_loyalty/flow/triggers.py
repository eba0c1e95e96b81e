"""Flow triggers: a program event whose topic has a trigger is sent to Shopify Flow.

Each trigger is a ``flow_trigger`` extension (``extensions/flow-<handle>/``) whose fields
are the keys of the payload built here; the customer is a ``customer_reference``, sent as
``customer_id``. The send is a queued job (``flow.trigger``) through the Admin client, so
throttling, outages and token refresh are handled there and the job is retried; Flow's
userErrors (an unknown handle, a payload over its size limit) fail the job for good.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.jobs.queue import PermanentJobError, enqueue, job
from shopify_loyalty.program_events.models import ProgramEvent
from shopify_loyalty.program_events.recording import event_data
from shopify_loyalty.program_events.topics import Topic
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import raise_for_user_errors
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.shops.models import Shop

JOB = "flow.trigger"
# Flow refuses a trigger whose payload is larger than this ("Properties size exceeds the
# limit of 50000 bytes"); checked before sending so the job fails with a clear reason.
MAX_PAYLOAD_BYTES = 50_000
MUTATION = """
mutation flowTriggerReceive($handle: String, $payload: JSON) {
  flowTriggerReceive(handle: $handle, payload: $payload) {
    userErrors { field message }
  }
}
"""

Fields = Callable[[dict[str, Any]], dict[str, Any]]


@dataclass(frozen=True)
class FlowTrigger:
    handle: str
    fields: Fields


def _tier_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "Tier": data.get("tier") or "",
        "Previous tier": data.get("previous_tier") or "",
        "Direction": data.get("direction") or "",
    }


def _code_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {
        "Reward code": data.get("code") or "",
        "Reward title": data.get("title") or "",
        "Points spent": int(data.get("points_spent") or 0),
    }


def _expiry_fields(data: dict[str, Any]) -> dict[str, Any]:
    return {"Points": int(data.get("points") or 0), "Expires on": data.get("expires_on") or ""}


TRIGGERS: dict[str, FlowTrigger] = {
    Topic.TIER_CHANGED: FlowTrigger("loyalty-tier-changed", _tier_fields),
    Topic.REWARD_ISSUED: FlowTrigger("loyalty-reward-issued", _code_fields),
    Topic.POINTS_EXPIRING: FlowTrigger("loyalty-points-expiring", _expiry_fields),
    Topic.STAMP_CARD_COMPLETED: FlowTrigger("loyalty-stamp-card-completed", _code_fields),
}


def queue_flow_trigger(session: Session, shop: Shop, event_id: int, topic: str) -> None:
    if topic in TRIGGERS:
        enqueue(session, shop, JOB, {"event_id": event_id}, key=f"{JOB}:{event_id}")


def trigger_payload(event: ProgramEvent, shopify_customer_id: int) -> dict[str, Any]:
    """The trigger's payload: the customer reference and the trigger's own fields."""
    trigger = TRIGGERS[event.topic]
    return {"customer_id": shopify_customer_id, **trigger.fields(event_data(event))}


@job(JOB)
def send_flow_trigger(services: Services, shop_domain: str, payload: dict[str, Any]) -> None:
    with services.db.sessions() as session:
        row = session.execute(
            select(ProgramEvent, Customer.shopify_customer_id)
            .join(Customer, Customer.id == ProgramEvent.customer_id)
            .join(Shop, Shop.id == ProgramEvent.shop_id)
            .where(ProgramEvent.id == int(payload["event_id"]), Shop.domain == shop_domain)
        ).first()
        if row is None:
            raise PermanentJobError("the program event is gone")
        event, shopify_customer_id = row
        handle = TRIGGERS[event.topic].handle
        body = trigger_payload(event, shopify_customer_id)
        session.rollback()
    size = len(json.dumps(body).encode())
    if size > MAX_PAYLOAD_BYTES:
        raise PermanentJobError(
            f"the {handle} payload is {size} bytes; Flow takes at most {MAX_PAYLOAD_BYTES}"
        )
    data = admin_client(services, shop_domain).execute(
        MUTATION, {"handle": handle, "payload": body}
    )
    raise_for_user_errors(data, "flowTriggerReceive")
