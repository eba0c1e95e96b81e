"""Starting a Celery worker (optionally with beat inside it) or a beat on its own.

Both are started as ``celery worker`` and ``celery beat`` start them, without Celery's own
command line (whose interactive shell alone takes a quarter of a second to import). The
worker's main process loads, before it forks its children, everything the tasks will run:
each child starts with the code imported and the mappers configured, instead of doing that
again on its first task. Beat only sends tasks by name: it loads none of that, and needs no
database.
"""

from __future__ import annotations

from sqlalchemy.orm import configure_mappers

from shopify_loyalty.services import Services
from shopify_loyalty.settings import Settings
from shopify_loyalty.workers.collector import settle_collector
from shopify_loyalty.workers.dispatch import CeleryDispatcher


def _schedule_file(settings: Settings) -> str:
    settings.instance_path.mkdir(parents=True, exist_ok=True)
    return str(settings.instance_path / "celerybeat-schedule")


def run_celery_worker(
    services: Services, *, concurrency: int | None, beat: bool, loglevel: str = "INFO"
) -> None:
    """Run a Celery worker in the foreground (prefork, one child per core by default)."""
    # The tasks import all the domain code: here, not at the top, which beat imports too.
    from shopify_loyalty.workers.tasks import load_task_modules, register_tasks

    if not isinstance(services.dispatcher, CeleryDispatcher):
        raise ValueError("REDIS_URL is not set")
    app = services.dispatcher.celery
    register_tasks(app, services)
    options: dict[str, object] = {
        "loglevel": loglevel,
        "without_gossip": True,
        "without_mingle": True,
    }
    if concurrency:
        options["concurrency"] = concurrency
    if beat:
        options.update(beat=True, schedule_filename=_schedule_file(services.settings))
    load_task_modules()
    configure_mappers()
    settle_collector()
    app.Worker(**options).start()


def run_celery_beat(settings: Settings, *, loglevel: str = "INFO") -> None:
    """Run Celery beat in the foreground: the sweeper and the periodic work."""
    from shopify_loyalty.workers.celery_app import make_celery

    if not settings.redis_url:
        raise ValueError("REDIS_URL is not set")
    app = make_celery(settings.redis_url)
    app.Beat(loglevel=loglevel, schedule=_schedule_file(settings)).run()
