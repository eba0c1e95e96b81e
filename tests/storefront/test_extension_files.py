"""The theme app extension as Shopify's CLI deploys it: the TOML, the app embed block and
its schema, and the widget asset within Shopify's 10 KB (compressed) budget."""

from __future__ import annotations

import gzip
import json
import re
import tomllib
from pathlib import Path
from typing import Any

from shopify_loyalty.storefront.widget_file import extension_folder

EXTENSION = Path(__file__).resolve().parents[2] / "extensions" / "loyalty-widget"
BLOCK = EXTENSION / "blocks" / "loyalty-widget.liquid"
ASSET = EXTENSION / "assets" / "widget.js"
BUDGET_BYTES = 10 * 1024


def block_schema() -> dict[str, Any]:
    text = BLOCK.read_text()
    match = re.search(r"{%\s*schema\s*%}(.*?){%\s*endschema\s*%}", text, re.DOTALL)
    assert match, "the block has no schema"
    schema: dict[str, Any] = json.loads(match.group(1))
    return schema


def test_the_extension_toml_declares_a_theme_extension() -> None:
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())

    assert config == {"name": "Loyalty widget", "type": "theme"}


def test_the_app_embed_block_schema_is_valid_json_with_the_settings_the_widget_reads() -> None:
    schema = block_schema()

    assert schema["name"] == "Loyalty widget"
    assert schema["target"] == "body"
    settings = {item["id"]: item for item in schema["settings"]}
    assert list(settings) == [
        "accent_color",
        "background_color",
        "text_color",
        "position",
        "launcher_label",
        "proxy_path",
    ]
    assert [settings[name]["type"] for name in ("accent_color", "background_color")] == [
        "color",
        "color",
    ]
    assert [option["value"] for option in settings["position"]["options"]] == [
        "bottom-right",
        "bottom-left",
    ]
    assert settings["proxy_path"]["default"] == "/apps/loyalty"
    liquid = BLOCK.read_text()
    for name in settings:
        assert f"block.settings.{name}" in liquid, name


def test_every_data_attribute_of_the_block_is_read_by_the_widget_and_no_other() -> None:
    liquid = BLOCK.read_text()
    script = ASSET.read_text()

    given = set(re.findall(r"\bdata-([a-z]+)=", liquid))
    read = set(re.findall(r"\bcfg\.([a-z]+)", script))

    assert given == {
        "locale",
        "customer",
        "proxy",
        "accent",
        "background",
        "text",
        "position",
        "label",
        "login",
        "register",
    }
    assert read == given
    assert "<script src=\"{{ 'widget.js' | asset_url }}\" defer></script>" in liquid


def test_the_widget_stays_within_the_budget_and_asks_no_third_party() -> None:
    source = ASSET.read_bytes()
    compressed = len(gzip.compress(source, compresslevel=9))

    assert compressed <= BUDGET_BYTES, f"widget.js is {compressed} bytes gzipped"
    text = source.decode()
    assert not re.search(r"fetch\(\s*[\"']https?:", text)
    assert re.findall(r"fetch\(\"?([^,)]*)", text) == ["url", '/cart/update.js"']
    assert "innerHTML" not in text and "insertAdjacentHTML" not in text
    assert "import " not in text and "require(" not in text


def test_the_app_serves_the_extensions_own_file() -> None:
    assert extension_folder() == EXTENSION
