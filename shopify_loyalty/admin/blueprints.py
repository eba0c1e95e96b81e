"""The merchant admin's pages and the JSON APIs of insights, segments and imports."""

from __future__ import annotations

from flask import Flask


def register_admin_blueprints(app: Flask) -> None:
    from shopify_loyalty.admin.affiliate_pages import blueprint as affiliate_pages
    from shopify_loyalty.admin.data_pages import blueprint as downloads
    from shopify_loyalty.admin.dev_login import blueprint as dev_login
    from shopify_loyalty.admin.import_pages import blueprint as import_pages
    from shopify_loyalty.admin.imports_api import blueprint as imports_api
    from shopify_loyalty.admin.insights_api import blueprint as insights_api
    from shopify_loyalty.admin.jobs_api import blueprint as jobs_api
    from shopify_loyalty.admin.pages import blueprint as pages
    from shopify_loyalty.admin.rewards_pages import blueprint as rewards_pages
    from shopify_loyalty.admin.segments_api import blueprint as segments_api
    from shopify_loyalty.admin.terms_api import blueprint as terms_api
    from shopify_loyalty.admin.terms_pages import blueprint as terms_pages
    from shopify_loyalty.admin.webhooks_pages import blueprint as webhooks_pages
    from shopify_loyalty.perks.admin_pages import blueprint as perks_pages

    # The development login's cookie: signed with the app's secret (SECRET_KEY), never
    # readable by scripts, not sent on cross-site requests, HTTPS-only behind HTTPS.
    app.config.update(
        SESSION_COOKIE_NAME="loyalty_admin",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=_served_over_https(app),
    )
    for blueprint in (insights_api, segments_api, imports_api, pages, downloads, dev_login):
        app.register_blueprint(blueprint)
    app.register_blueprint(jobs_api)
    for blueprint in (rewards_pages, terms_pages, terms_api, import_pages, affiliate_pages):
        app.register_blueprint(blueprint)
    app.register_blueprint(webhooks_pages)
    app.register_blueprint(perks_pages)


def _served_over_https(app: Flask) -> bool:
    from shopify_loyalty.services import EXTENSION_KEY

    services = app.extensions.get(EXTENSION_KEY)
    return bool(services and services.settings.app_url.startswith("https://"))
