"""Online store themes of a fake shop: the ``themes`` and ``theme`` query fields, and the
control route that seeds them.

A shop starts with one published theme, "Dawn" (role ``MAIN``), whose
``config/settings_data.json`` has no app embeds. ``PUT /_standin/shops/<shop>/themes``
with ``{"themes": [{"name", "role", "files": {filename: text}}]}`` replaces them;
``GET`` lists them with their files. A theme's ``files(filenames:, first:)`` answers
``OnlineStoreThemeFile`` nodes with a text body, as Shopify does for JSON and Liquid files.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from flask import jsonify, request

from shopify_loyalty.standin import control
from shopify_loyalty.standin.admin_objects import (
    ResolveContext,
    by_id,
    connection,
    parse_gid,
    require,
)
from shopify_loyalty.standin.admin_queries import query_field
from shopify_loyalty.standin.state import ShopState, current_shop, current_state, gid

ROLES = ("MAIN", "UNPUBLISHED", "DEMO", "DEVELOPMENT", "ARCHIVED", "LOCKED")
DEFAULT_SETTINGS_DATA = (
    "/*\n * ------------------------------------------------------------\n"
    " * IMPORTANT: The contents of this file are auto-generated.\n"
    " * ------------------------------------------------------------\n */\n"
    '{\n  "current": {\n    "colors_accent_1": "#121212",\n    "blocks": {}\n  }\n}\n'
)
# Kept on the shop's state object, so a stand-in reset forgets the themes with the shop.
ATTRIBUTE = "_standin_themes"


@dataclass
class Theme:
    id: int
    name: str
    role: str
    files: dict[str, str] = field(default_factory=dict)


def shop_themes(shop: ShopState) -> dict[int, Theme]:
    """The shop's themes (caller holds the state lock), made with the default on first use."""
    themes: dict[int, Theme] | None = getattr(shop, ATTRIBUTE, None)
    if themes is None:
        number = shop.next_id()
        themes = {
            number: Theme(
                number, "Dawn", "MAIN", {"config/settings_data.json": DEFAULT_SETTINGS_DATA}
            )
        }
        setattr(shop, ATTRIBUTE, themes)
    return themes


def theme_view(theme: Theme) -> dict[str, Any]:
    def files(args: dict[str, Any]) -> dict[str, Any]:
        wanted = args.get("filenames")
        chosen = [
            (index, name, text)
            for index, (name, text) in enumerate(sorted(theme.files.items()))
            if wanted is None or name in wanted
        ]
        return connection(chosen, args, _file_view, lambda item: (item[0], item[0]))

    return {
        "__typename": "OnlineStoreTheme",
        "id": gid("OnlineStoreTheme", theme.id),
        "name": theme.name,
        "role": theme.role,
        "files": files,
    }


def _file_view(item: tuple[int, str, str]) -> dict[str, Any]:
    _, name, text = item
    return {
        "__typename": "OnlineStoreThemeFile",
        "filename": name,
        "size": len(text.encode()),
        "contentType": "application/json" if name.endswith(".json") else "text/plain",
        "body": {"__typename": "OnlineStoreThemeFileBodyText", "content": text},
    }


@query_field("themes")
def themes(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    chosen = [
        theme
        for theme in shop_themes(ctx.shop).values()
        if (not args.get("roles") or theme.role in args["roles"])
        and (not args.get("names") or theme.name in args["names"])
    ]
    return connection(chosen, args, theme_view, by_id)


@query_field("theme")
def theme(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "theme"), "OnlineStoreTheme")
    found = shop_themes(ctx.shop).get(number) if number is not None else None
    return theme_view(found) if found else None


def _listing(shop: ShopState) -> dict[str, Any]:
    return {
        "themes": [
            {"id": gid("OnlineStoreTheme", t.id), "name": t.name, "role": t.role, "files": t.files}
            for t in shop_themes(shop).values()
        ]
    }


@control.bp.get("/shops/<shop>/themes")
def list_themes(shop: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    with standin.lock:
        return jsonify(_listing(shop_state))


@control.bp.put("/shops/<shop>/themes")
def replace_themes(shop: str) -> Any:
    """Replace the shop's themes; at most one may be ``MAIN`` (the published theme)."""
    standin = current_state()
    shop_state = current_shop(shop)
    body = request.get_json(silent=True)
    raw = body.get("themes") if isinstance(body, dict) else None
    if not isinstance(raw, list):
        return _bad_request('the body must be {"themes": [{"name", "role", "files"}]}')
    parsed: list[tuple[str, str, dict[str, str]]] = []
    for item in raw:
        if not isinstance(item, dict) or item.get("role", "UNPUBLISHED") not in ROLES:
            return _bad_request(f"each theme needs a name and a role among {', '.join(ROLES)}")
        files = item.get("files") or {}
        if not isinstance(files, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in files.items()
        ):
            return _bad_request("files must map file names to their text")
        parsed.append((str(item.get("name") or "Theme"), item.get("role", "UNPUBLISHED"), files))
    if sum(role == "MAIN" for _, role, _ in parsed) > 1:
        return _bad_request("only one theme can be published (role MAIN)")
    with standin.lock:
        replaced: dict[int, Theme] = {}
        for name, role, files in parsed:
            number = shop_state.next_id()
            replaced[number] = Theme(number, name, role, dict(files))
        setattr(shop_state, ATTRIBUTE, replaced)
        return jsonify(_listing(shop_state))


def _bad_request(message: str) -> Any:
    return jsonify({"error": "bad_request", "message": message, "field": None}), 400
