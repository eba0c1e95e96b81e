"""The settings sections a merchant can read and change through ``/admin/api/settings``.

Each section module registers its class with :func:`register_section`; the modules are
listed here so that looking a section up imports them all first.
"""

from __future__ import annotations

import importlib
from typing import Any, TypeVar

from shopify_loyalty.errors import NotFound

SECTION_MODULES: tuple[str, ...] = (
    "shopify_loyalty.points.rules",
    "shopify_loyalty.stamps.rules",
    "shopify_loyalty.tiers.rules",
    "shopify_loyalty.referrals.rules",
    "shopify_loyalty.lifecycle.rules",
    "shopify_loyalty.storefront.widget_settings",
    "shopify_loyalty.paid_membership.rules",
    "shopify_loyalty.notifications.branding",
    "shopify_loyalty.notifications.switches",
)

C = TypeVar("C", bound=type[Any])

_SECTIONS: dict[str, type[Any]] = {}


def register_section(cls: C) -> C:
    """Make ``cls`` (a settings section, see programs.config) editable by the merchant."""
    name: str = cls.section
    if name in _SECTIONS and _SECTIONS[name] is not cls:
        raise ValueError(f"settings section {name} is registered twice")
    _SECTIONS[name] = cls
    return cls


def all_sections() -> dict[str, type[Any]]:
    """Every registered section by name, in a stable order."""
    for module in SECTION_MODULES:
        importlib.import_module(module)
    return dict(sorted(_SECTIONS.items()))


def section_class(name: str) -> type[Any]:
    """The section called ``name``; NotFound when there is none."""
    sections = all_sections()
    if name not in sections:
        raise NotFound(f"There is no settings section called {name}.", field="section")
    return sections[name]
