"""The Celery application: Redis as broker, no result backend, late acknowledgement.

Acknowledging after the task has run (``acks_late``) lets Redis hand a message to another
worker when its worker dies before finishing; the inbox lease and the ledger's idempotency
keys make that second delivery harmless. Messages left unacknowledged by a killed worker
come back after ``visibility_timeout``; the sweeper usually sends them sooner.
"""

from __future__ import annotations

from celery import Celery

from shopify_loyalty.workers.schedule import beat_schedule

QUEUE = "loyalty"
VISIBILITY_TIMEOUT_SECONDS = 900


def make_celery(redis_url: str) -> Celery:
    app = Celery("shopify_loyalty", broker=redis_url, set_as_current=False)
    app.conf.update(
        task_ignore_result=True,
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_default_queue=QUEUE,
        worker_prefetch_multiplier=8,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": VISIBILITY_TIMEOUT_SECONDS},
        # A web request that cannot reach Redis answers anyway; the sweeper sends later.
        task_publish_retry_policy={
            "max_retries": 2,
            "interval_start": 0,
            "interval_step": 0.2,
            "interval_max": 0.5,
        },
        beat_schedule=beat_schedule(),
        timezone="UTC",
        enable_utc=True,
    )
    return app
