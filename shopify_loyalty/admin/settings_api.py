"""The merchant's program settings, one section at a time.

``GET /admin/api/settings`` lists the sections; ``GET /admin/api/settings/<section>`` gives
the current values and what each field allows; ``PUT`` with a JSON object of changes
validates them (errors name the field and the allowed range) and stores the result.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, g, jsonify, request
from sqlalchemy.orm import Session

from shopify_loyalty.admin.auth import require_shop
from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.paid_membership.discounts import queue_membership_discounts_sync
from shopify_loyalty.programs.config import load, save, to_json
from shopify_loyalty.programs.registry import all_sections, section_class
from shopify_loyalty.referrals import friend_discount
from shopify_loyalty.services import request_session
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.tiers import tier_discounts

# Sections whose settings live on at Shopify too: saving them queues the sync there, in the
# same transaction, so the shop's discounts follow the merchant's choice.
SHOPIFY_SYNC: dict[str, Callable[[Session, Shop], None]] = {
    "tiers": tier_discounts.queue_program_sync,
    "referrals": friend_discount.queue_program_sync,
    "membership": queue_membership_discounts_sync,
}

blueprint = Blueprint("settings_api", __name__, url_prefix="/admin/api/settings")


@blueprint.get("")
@require_shop
def list_sections() -> Response:
    return jsonify({"sections": list(all_sections())})


@blueprint.get("/<section>")
@require_shop
def show_section(section: str) -> Response:
    cls = section_class(section)
    return jsonify(_section_json(cls, load(request_session(), g.shop, cls)))


@blueprint.put("/<section>")
@require_shop
def update_section(section: str) -> Response:
    cls = section_class(section)
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        raise InvalidInput("the body must be a JSON object of the settings to change")
    session = request_session()
    updated = save(session, g.shop, cls, changes)
    sync = SHOPIFY_SYNC.get(cls.section)
    if sync is not None:
        sync(session, g.shop)
    session.commit()
    return jsonify(_section_json(cls, updated))


def _section_json(cls: type[Any], values: Any) -> dict[str, Any]:
    return {"section": cls.section, "settings": to_json(values), "fields": describe(cls)}


def describe(cls: type[Any]) -> dict[str, dict[str, Any]]:
    """Each field's default, allowed range or choices and help text, for the settings form."""
    fields = {}
    for field in dataclasses.fields(cls):
        if field.default is not dataclasses.MISSING:
            default = field.default
        elif field.default_factory is not dataclasses.MISSING:
            default = field.default_factory()
        else:
            default = None
        meta = field.metadata
        fields[field.name] = _plain(
            {
                "default": default,
                "minimum": meta.get("minimum"),
                "maximum": meta.get("maximum"),
                "choices": list(meta["choices"]) if meta.get("choices") else None,
                "max_length": meta.get("max_length"),
                "help": meta.get("help", ""),
            }
        )
    return fields


def _plain(value: dict[str, Any]) -> dict[str, Any]:
    """Decimals and other exact types as the strings the settings themselves use."""
    plain: dict[str, Any] = json.loads(json.dumps(value, default=str))
    return plain
