"""Whether the widget's app embed is on in the live theme, read at the stand-in shop over
Admin GraphQL, and the theme editor link that switches it on."""

from __future__ import annotations

import json
from typing import Any

import pytest
import requests

from shopify_loyalty.storefront.embed import embed_state
from tests.conftest import API_KEY

EMBED_TYPE = "shopify://apps/loyalty/blocks/loyalty-widget/6f2a3c1e-8d44-4b7a-9a55-0c1d2e3f4a5b"
HEADER = "/*\n * IMPORTANT: The contents of this file are auto-generated.\n */\n"


def settings_data(blocks: dict[str, Any], *, preset: bool = False) -> str:
    current = {"colors_accent_1": "#121212", "blocks": blocks}
    document: dict[str, Any] = (
        {"current": "Default", "presets": {"Default": current}} if preset else {"current": current}
    )
    return HEADER + json.dumps(document, indent=2)


def seed_themes(standin: Any, shop: str, themes: list[dict[str, Any]]) -> None:
    response = requests.put(
        f"{standin.url}/_standin/shops/{shop}/themes", json={"themes": themes}, timeout=10
    )
    assert response.status_code == 200, response.text


def main_theme(content: str) -> dict[str, Any]:
    return {"name": "Dawn", "role": "MAIN", "files": {"config/settings_data.json": content}}


@pytest.fixture
def embed(http: requests.Session, admin_headers: dict[str, str]) -> Any:
    def read() -> dict[str, Any]:
        response = http.get("/admin/api/storefront/embed", headers=admin_headers)
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    return read


def test_a_new_shop_has_not_switched_the_embed_on(embed: Any, shop: str, standin: Any) -> None:
    body = embed()

    theme_id = body["theme"]["id"]
    assert theme_id.startswith("gid://shopify/OnlineStoreTheme/")
    assert body == {
        "state": "not_added",
        "active": False,
        "theme": {"id": theme_id, "name": "Dawn"},
        "activate_url": f"https://{shop}/admin/themes/current/editor?context=apps"
        f"&activateAppId={API_KEY}/loyalty-widget",
    }
    log = requests.get(f"{standin.url}/_standin/shops/{shop}", timeout=10).json()
    assert log["recent_requests"][-1]["detail"] == "themes"


def test_the_embed_is_active_only_on_the_published_theme(
    embed: Any, shop: str, standin: Any
) -> None:
    enabled = settings_data({"1": {"type": EMBED_TYPE, "disabled": False, "settings": {}}})
    seed_themes(
        standin,
        shop,
        [
            {
                "name": "Draft",
                "role": "UNPUBLISHED",
                "files": {"config/settings_data.json": enabled},
            },
            main_theme(settings_data({})),
        ],
    )
    assert embed()["state"] == "not_added"

    seed_themes(standin, shop, [main_theme(enabled)])
    body = embed()
    assert (body["state"], body["active"]) == ("active", True)


def test_an_embed_switched_off_in_the_theme_editor_is_disabled(
    embed: Any, shop: str, standin: Any
) -> None:
    other_app = {"type": "shopify://apps/reviews/blocks/stars/1234", "disabled": False}
    ours = {"type": EMBED_TYPE, "disabled": True, "settings": {"accent_color": "#000000"}}
    seed_themes(
        standin, shop, [main_theme(settings_data({"1": other_app, "2": ours}, preset=True))]
    )

    assert embed()["state"] == "disabled"


def test_a_shop_without_a_published_theme(embed: Any, shop: str, standin: Any) -> None:
    seed_themes(standin, shop, [])

    assert embed()["state"] == "no_theme"
    assert embed()["theme"] is None


def test_the_embed_check_needs_the_merchants_session(http: requests.Session) -> None:
    assert http.get("/admin/api/storefront/embed").status_code == 401


def test_settings_data_is_read_as_shopify_writes_it() -> None:
    block = {"type": EMBED_TYPE}
    assert embed_state(settings_data({"a": block})) == "active"
    assert embed_state(settings_data({"a": {**block, "disabled": True}})) == "disabled"
    assert embed_state(settings_data({"a": {**block, "disabled": True}, "b": block})) == "active"
    assert embed_state(settings_data({"a": {"type": EMBED_TYPE + "/x"}})) == "not_added"
    assert embed_state('{"current": {}}') == "not_added"
    assert embed_state("/* cut */ {") == "unreadable"
    assert embed_state("[]") == "unreadable"
