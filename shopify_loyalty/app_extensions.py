"""Where the app's Shopify extensions are, for the files the app itself reads at runtime.

Each extension lives once, in the project's ``extensions/`` folder, from which Shopify's
CLI deploys it. Building the package copies the files the app reads (every extension's
``shopify.extension.toml`` and the widget) into the package as ``shopify_extensions/``
(see ``setup.py``), so an installed app finds them inside itself; a source checkout or an
editable install reads the checkout's folder.
"""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parent / "shopify_extensions"
CHECKOUT = Path(__file__).resolve().parent.parent / "extensions"


def extensions_folder() -> Path:
    """The copy built into the package, else the checkout's ``extensions/``."""
    return PACKAGED if PACKAGED.is_dir() else CHECKOUT
