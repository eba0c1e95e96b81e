"""What Celery beat sends, and when.

Each periodic area gets its own entry, sent every five minutes, which queues one job per
installed shop keyed on the hour (``periodic.<area>:<hour>``): each runs once an hour, a
beat that was down at the top of the hour catches up within minutes, and several beats
queue each job once. Notifications and program events wait for the second half of the
hour: they tell the facts the other areas recorded. The sweeper runs every few seconds, and
finished work older than the retention period is deleted once an hour.
"""

from __future__ import annotations

from typing import Any

from celery.schedules import crontab

from shopify_loyalty.jobs.periodic_areas import AREA_NAMES, LATE_AREAS

SWEEP_SECONDS = 5.0


def beat_schedule() -> dict[str, dict[str, Any]]:
    from shopify_loyalty.workers.dispatch import PERIODIC_TASK, PRUNE_TASK, SWEEP_TASK

    schedule: dict[str, dict[str, Any]] = {
        "sweep": {"task": SWEEP_TASK, "schedule": SWEEP_SECONDS, "options": {"expires": 30}},
        "prune": {
            "task": PRUNE_TASK,
            "schedule": crontab(minute="17"),
            "options": {"expires": 3000},
        },
    }
    for area in AREA_NAMES:
        schedule[f"periodic.{area}"] = {
            "task": PERIODIC_TASK,
            "schedule": crontab(minute="30-55/5" if area in LATE_AREAS else "*/5"),
            "args": (area,),
            "options": {"expires": 240},
        }
    return schedule
