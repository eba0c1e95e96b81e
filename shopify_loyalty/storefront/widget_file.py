"""Where the widget's one source file is, and ``GET /widget.js`` serving it.

The file lives once, in the theme app extension (``extensions/loyalty-widget/assets/``),
which Shopify's CLI deploys to the shop's CDN. The demo storefront loads the same file from
the app, found by ``shopify_loyalty.app_extensions`` (the checkout's, or the copy built
into an installed package).
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, send_file

from shopify_loyalty.app_extensions import extensions_folder
from shopify_loyalty.errors import NotFound

blueprint = Blueprint("storefront_widget", __name__)

CACHE_SECONDS = 300


def extension_folder() -> Path:
    return extensions_folder() / "loyalty-widget"


def widget_path() -> Path:
    path = extension_folder() / "assets" / "widget.js"
    if not path.is_file():
        raise NotFound("The widget file is not installed with this app.")
    return path


@blueprint.get("/widget.js")
def widget() -> Response:
    return send_file(
        widget_path(),
        mimetype="text/javascript",
        max_age=CACHE_SECONDS,
        conditional=True,
        etag=True,
    )
