"""The application factory: settings, services, blueprints, error handlers, worker."""

from __future__ import annotations

import atexit
import logging
from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from shopify_loyalty.error_responses import register_error_handlers
from shopify_loyalty.id_converter import IdConverter
from shopify_loyalty.services import EXTENSION_KEY, Services, close_request_session
from shopify_loyalty.settings import Settings, load_settings
from shopify_loyalty.storable_input import register_storable_input


def create_app(
    settings: Settings | None = None,
    *,
    environ: Mapping[str, str] | None = None,
    start_worker: bool | None = None,
) -> Flask:
    """Build the WSGI app. The in-process worker starts unless ``LOYALTY_WORKER=off`` or
    ``REDIS_URL`` is set (then Celery workers do its work)."""
    settings = settings or load_settings(environ)
    app = Flask(__name__, instance_path=str(settings.instance_path))
    app.config["MAX_CONTENT_LENGTH"] = 4 * 1024 * 1024
    app.config["SECRET_KEY"] = settings.api_secret
    register_storable_input(app)
    services = register_services(app, settings)
    app.url_map.converters["int"] = IdConverter
    register_blueprints(app)
    register_error_handlers(app)
    app.teardown_appcontext(close_request_session)
    # Imported here, as the blueprints are: the receiver needs `webhooks`, whose handlers
    # import this package.
    from shopify_loyalty.inbox.fast_path import install as install_webhook_fast_path

    install_webhook_fast_path(app, services)
    # With Redis the web side only enqueues; Celery workers apply.
    in_process = settings.worker_mode == "thread" and not settings.redis_url
    if start_worker if start_worker is not None else in_process:
        start_inbox_worker(services)
    return app


def register_services(app: Flask, settings: Settings) -> Services:
    Path(settings.instance_path).mkdir(parents=True, exist_ok=True)
    services = Services.from_settings(settings)
    app.extensions[EXTENSION_KEY] = services
    return services


def register_blueprints(app: Flask) -> None:
    from shopify_loyalty.admin import customers_api, privacy_api, settings_api
    from shopify_loyalty.admin.rewards_api import blueprint as rewards_api
    from shopify_loyalty.affiliates import admin_api as affiliates_api
    from shopify_loyalty.affiliates import portal_views as affiliate_portal
    from shopify_loyalty.flow.adjust_points_action import blueprint as flow_actions
    from shopify_loyalty.health import blueprint as health
    from shopify_loyalty.inbox.receiver import blueprint as webhooks
    from shopify_loyalty.notifications.admin_api import blueprint as notifications_api
    from shopify_loyalty.notifications.admin_pages import blueprint as notification_pages
    from shopify_loyalty.notifications.views import blueprint as notifications
    from shopify_loyalty.outbound_webhooks.admin_api import blueprint as webhook_endpoints_api
    from shopify_loyalty.perks.admin_api import blueprint as perks_api
    from shopify_loyalty.shops.oauth_views import blueprint as oauth
    from shopify_loyalty.storefront import embed_api, proxy_views, widget_file

    for blueprint in (
        webhooks,
        oauth,
        health,
        privacy_api.blueprint,
        customers_api.blueprint,
        settings_api.blueprint,
        rewards_api,
        affiliates_api.blueprint,
        perks_api,
        affiliate_portal.blueprint,
        proxy_views.blueprint,
        widget_file.blueprint,
        embed_api.blueprint,
        notifications,
        flow_actions,
        webhook_endpoints_api,
        notifications_api,
        notification_pages,
    ):
        app.register_blueprint(blueprint)
    from shopify_loyalty.admin.blueprints import register_admin_blueprints

    register_admin_blueprints(app)


def start_inbox_worker(services: Services) -> None:
    from shopify_loyalty.inbox.worker import InboxWorker

    worker = InboxWorker(services)
    services.worker = worker
    worker.start()
    atexit.register(worker.stop)
    logging.getLogger(__name__).info("in-process inbox worker started")
