"""The life cycle that early access windows and member offers share.

Both run from ``starts_at`` to ``ends_at`` and can be ended early (``ended_at``). Once ended
they can no longer be changed; every change or ending stamps ``updated_at``, and that stamp
is the version in the keys of the sync jobs it queues, so a retried request queues nothing
twice while a later change queues its own sync.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy.orm import Session

from shopify_loyalty.errors import Conflict
from shopify_loyalty.perks.models import EarlyAccessWindow, MemberOffer
from shopify_loyalty.shops.models import Shop

# The models that share this life cycle: each has ends_at, ended_at and updated_at.
TimeBoxed = MemberOffer | EarlyAccessWindow
P = TypeVar("P", MemberOffer, EarlyAccessWindow)


@dataclass(frozen=True)
class TimeBox(Generic[P]):
    """One kind of time-boxed perk: its name in messages, its id field, and its sync."""

    noun: str
    id_field: str
    queue_sync: Callable[[Session, Shop, P], None]


def has_ended(perk: TimeBoxed, now: datetime) -> bool:
    """Ended by the merchant, or past its end."""
    return perk.ended_at is not None or perk.ends_at <= now


def sync_version(perk: TimeBoxed) -> str:
    """The version of the perk's last change, for the keys of the jobs that sync it."""
    return perk.updated_at.strftime("%Y%m%dT%H%M%S.%f")


def change_perk(
    session: Session,
    shop: Shop,
    box: TimeBox[P],
    perk: P,
    columns: Callable[[], Mapping[str, Any]],
    now: datetime,
) -> P:
    """Apply the new ``columns`` and queue the sync; an ended perk is refused before the
    new values are even read."""
    if has_ended(perk, now):
        raise Conflict(
            f"The {box.noun} has ended and can no longer be changed.", field=box.id_field
        )
    for name, value in columns().items():
        setattr(perk, name, value)
    perk.updated_at = now
    session.flush()
    box.queue_sync(session, shop, perk)
    return perk


def end_perk(session: Session, shop: Shop, box: TimeBox[P], perk: P, now: datetime) -> P:
    """End the perk now and queue the sync; ending twice changes nothing."""
    if perk.ended_at is None:
        perk.ended_at = now
        perk.updated_at = now
        session.flush()
        box.queue_sync(session, shop, perk)
    return perk
