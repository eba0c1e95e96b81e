"""The areas of the periodic work by name, apart from the functions that do it (see
``jobs.periodic``): Celery beat schedules each area by its name and loads none of them."""

from __future__ import annotations

AREA_NAMES = (
    "points",
    "tiers",
    "paid_membership",
    "referrals",
    "affiliates",
    "metafields",
    "perks",
    "notifications",
    "program_events",
)
# Areas that tell what the others recorded; beat queues them in the second half-hour.
LATE_AREAS = frozenset({"notifications", "program_events"})
