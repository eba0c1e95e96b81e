"""Starting a Celery worker (optionally with beat inside it) or a beat on its own."""

from __future__ import annotations

from shopify_loyalty.services import Services
from shopify_loyalty.workers.collector import settle_collector
from shopify_loyalty.workers.dispatch import CeleryDispatcher
from shopify_loyalty.workers.tasks import register_tasks


def _celery_app(services: Services):
    if not isinstance(services.dispatcher, CeleryDispatcher):
        raise ValueError("REDIS_URL is not set")
    app = services.dispatcher.celery
    register_tasks(app, services)
    return app


def _schedule_file(services: Services) -> str:
    services.settings.instance_path.mkdir(parents=True, exist_ok=True)
    return str(services.settings.instance_path / "celerybeat-schedule")


def run_celery_worker(
    services: Services, *, concurrency: int | None, beat: bool, loglevel: str = "INFO"
) -> None:
    """Run a Celery worker in the foreground (prefork, one child per core by default)."""
    app = _celery_app(services)
    argv = ["worker", f"--loglevel={loglevel}", "--without-gossip", "--without-mingle"]
    if concurrency:
        argv.append(f"--concurrency={concurrency}")
    if beat:
        argv += ["--beat", f"--schedule={_schedule_file(services)}"]
    settle_collector()
    app.worker_main(argv)


def run_celery_beat(services: Services, *, loglevel: str = "INFO") -> None:
    """Run Celery beat in the foreground: the sweeper and the periodic work."""
    app = _celery_app(services)
    app.start(["beat", f"--loglevel={loglevel}", f"--schedule={_schedule_file(services)}"])
