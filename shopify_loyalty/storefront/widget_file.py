"""Where the widget's one source file is, and ``GET /widget.js`` serving it.

The file lives once, in the theme app extension (``extensions/loyalty-widget/assets/``),
which Shopify's CLI deploys to the shop's CDN. The demo storefront loads the same file from
the app. In a source checkout (and an editable install) it is found next to the package;
an installed package carries it as data under ``<prefix>/share/shopify-loyalty/`` (see
``[options.data_files]`` in setup.cfg), so nothing is ever copied by hand.
"""

from __future__ import annotations

import sys
from pathlib import Path

from flask import Blueprint, Response, send_file

from shopify_loyalty.errors import NotFound

blueprint = Blueprint("storefront_widget", __name__)

EXTENSION = Path("extensions") / "loyalty-widget"
CACHE_SECONDS = 300


def extension_folder() -> Path | None:
    """The extension's folder: the checkout's, else the installed data copy."""
    candidates = (
        Path(__file__).resolve().parent.parent.parent / EXTENSION,
        Path(sys.prefix) / "share" / "shopify-loyalty" / EXTENSION,
    )
    return next((folder for folder in candidates if (folder / "assets").is_dir()), None)


def widget_path() -> Path:
    folder = extension_folder()
    if folder is None or not (folder / "assets" / "widget.js").is_file():
        raise NotFound("The widget file is not installed with this app.")
    return folder / "assets" / "widget.js"


@blueprint.get("/widget.js")
def widget() -> Response:
    return send_file(
        widget_path(),
        mimetype="text/javascript",
        max_age=CACHE_SECONDS,
        conditional=True,
        etag=True,
    )
