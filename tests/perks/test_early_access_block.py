"""The early access app block for product pages, as Shopify's CLI deploys it."""

from __future__ import annotations

import json
import re
from pathlib import Path

EXTENSION = Path(__file__).resolve().parents[2] / "extensions" / "loyalty-widget"
BLOCK = EXTENSION / "blocks" / "early-access.liquid"
SCRIPT = EXTENSION / "assets" / "early-access.js"


def test_the_block_is_a_product_page_app_block_that_hands_the_script_what_it_asks() -> None:
    text = BLOCK.read_text()
    match = re.search(r"{%\s*schema\s*%}(.*?){%\s*endschema\s*%}", text, re.DOTALL)
    assert match
    schema = json.loads(match.group(1))

    assert schema["target"] == "section"
    assert schema["enabled_on"] == {"templates": ["product"]}
    assert [s["id"] for s in schema["settings"]] == ["buy_selector", "proxy_path"]
    for needed in ("product.id", "product.collections", "early-access.js", "block.settings"):
        assert needed in text
    assert "customer.id" not in text


def test_the_script_asks_the_app_proxy_and_only_ever_sets_text() -> None:
    script = SCRIPT.read_text()

    assert '"/api/early-access?product_id="' in script
    assert "&collection_ids=" in script
    assert "innerHTML" not in script
    assert len(script.encode()) < 4 * 1024
