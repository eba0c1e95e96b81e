"""Background work the merchant can see: what ran, what is waiting for a retry, and what
gave up, with Shopify's reason, in the shop owner's words."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shopify_loyalty.jobs.models import Job
from shopify_loyalty.shops.models import Shop

JOB_STATUSES = ("failed", "pending", "running", "done")

WHAT_IT_DOES = {
    "rewards.create_code": "Create a reward's discount code at Shopify",
    "rewards.withdraw_code": "Delete a discount code whose points were given back",
    "tiers.sync_customer_tag": "Write a customer's tier tag at Shopify",
    "tiers.sync_program": "Keep the tier discounts and segments at Shopify in step",
    "referrals.sync_friend_discount": "Create a member's friend discount at Shopify",
    "referrals.sync_program": "Keep the friend discounts at Shopify in step",
    "referrals.withdraw_friend_discount": "Delete a friend discount at Shopify",
    "affiliates.sync_code": "Create or update an affiliate code at Shopify",
    "segments.sync_tags": "Write segment tags to customers at Shopify",
    "notifications.send": "Email a shopper",
    "periodic.hourly": "Hourly upkeep (expiry, tier reviews, reminders)",
    # With Redis, beat queues each area of the hourly upkeep on its own.
    "periodic.points": "Hourly upkeep: points becoming spendable, expiry and its reminders",
    "periodic.tiers": "Hourly upkeep: tier reviews",
    "periodic.paid_membership": "Hourly upkeep: paid memberships that ran out",
    "periodic.referrals": "Hourly upkeep: friend discounts in step",
    "periodic.affiliates": "Hourly upkeep: approving affiliate commissions",
    "periodic.metafields": "Hourly upkeep: customer metafields of points now spendable",
    "periodic.perks": "Hourly upkeep: perk audiences",
    "periodic.notifications": "Hourly upkeep: emails about recent points and rewards",
    "periodic.program_events": "Hourly upkeep: telling Flow and your endpoints what happened",
    "flow.trigger": "Tell Shopify Flow about a loyalty event",
    "webhooks.deliver": "Send a loyalty event to your webhook endpoint",
    "perks.sync_offer": "Keep a perk's discount at Shopify in step",
    "perks.refresh": "Refresh the audiences and tags of perks",
    "paid_membership.sync_tag": "Write a customer's paid membership tag at Shopify",
    "paid_membership.sync_discounts": "Keep the paid membership discounts at Shopify in step",
    "metafields.flush": "Write loyalty figures to customer metafields at Shopify",
}


def describe(kind: str) -> str:
    """What a kind of job does, in the shop owner's words (its name when unknown)."""
    return WHAT_IT_DOES.get(kind, kind)


@dataclass(frozen=True)
class JobView:
    id: int
    kind: str
    description: str
    status: str
    attempts: int
    reason: str | None
    created_at: datetime
    next_attempt_at: datetime | None
    finished_at: datetime | None

    def as_json(self) -> dict[str, object]:
        return {
            "id": self.id,
            "kind": self.kind,
            "description": self.description,
            "status": self.status,
            "attempts": self.attempts,
            "reason": self.reason,
            "created_at": self.created_at.isoformat(),
            "next_attempt_at": self.next_attempt_at.isoformat() if self.next_attempt_at else None,
            "finished_at": self.finished_at.isoformat() if self.finished_at else None,
        }


def shop_jobs(session: Session, shop: Shop, status: str, limit: int) -> list[JobView]:
    """The shop's jobs in ``status``, newest first."""
    rows = session.scalars(
        select(Job)
        .where(Job.shop_id == shop.id, Job.status == status)
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return [
        JobView(
            id=row.id,
            kind=row.kind,
            description=describe(row.kind),
            status=row.status,
            attempts=row.attempts,
            reason=row.last_error,
            created_at=row.created_at,
            next_attempt_at=row.next_attempt_at if row.status == "pending" else None,
            finished_at=row.finished_at,
        )
        for row in rows
    ]
