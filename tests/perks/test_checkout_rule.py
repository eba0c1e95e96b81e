"""The early access checkout rule: the function extension's files, and its JavaScript and
the Python rule giving the same answer on the same carts."""

from __future__ import annotations

import json
import shutil
import subprocess
import tomllib
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from shopify_loyalty.db import utcnow
from shopify_loyalty.perks.checkout_rule import DEFAULT_MESSAGE, function_config, validation_errors
from shopify_loyalty.perks.early_access import EARLY_ACCESS_TAG
from shopify_loyalty.perks.models import EarlyAccessWindow
from shopify_loyalty.settings import SCOPES

ROOT = Path(__file__).resolve().parents[2]
EXTENSION = ROOT / "extensions" / "early-access-guard"
SCRIPT = EXTENSION / "src" / "cart_validations_generate_run.js"
QUERY = EXTENSION / "src" / "cart_validations_generate_run.graphql"


def cart(*lines: tuple[str, bool | None], tagged: bool | None, config: Any) -> dict[str, Any]:
    """A function input: ``lines`` of (product id, inAnyCollection); ``tagged`` None is a
    guest; ``config`` the validation metafield's jsonValue (None: no metafield)."""
    return {
        "cart": {
            "buyerIdentity": None if tagged is None else {"customer": {"hasAnyTag": tagged}},
            "lines": [
                {
                    "id": f"gid://shopify/CartLine/{index}",
                    "merchandise": {
                        "__typename": "ProductVariant",
                        "product": {"id": product, "inAnyCollection": in_collection},
                    },
                }
                for index, (product, in_collection) in enumerate(lines)
            ]
            + [{"id": "gid://shopify/CartLine/99", "merchandise": {"__typename": "CustomProduct"}}],
        },
        "validation": {"metafield": None if config is None else {"jsonValue": config}},
    }


CONFIG = {"productIds": ["gid://shopify/Product/7001"], "message": "Members only until Friday."}
CARTS = {
    "guest with a window product": cart(
        ("gid://shopify/Product/7001", False), tagged=None, config=CONFIG
    ),
    "untagged customer": cart(("gid://shopify/Product/7001", False), tagged=False, config=CONFIG),
    "tagged customer": cart(("gid://shopify/Product/7001", False), tagged=True, config=CONFIG),
    "product through a collection": cart(
        ("gid://shopify/Product/5", True), tagged=False, config=CONFIG
    ),
    "other products": cart(("gid://shopify/Product/5", False), tagged=False, config=CONFIG),
    "no window configured": cart(("gid://shopify/Product/7001", None), tagged=None, config=None),
    "config without message": cart(
        ("gid://shopify/Product/7001", False),
        tagged=False,
        config={"productIds": ["gid://shopify/Product/7001"]},
    ),
}
EXPECTED_BLOCKED = {
    "guest with a window product",
    "untagged customer",
    "product through a collection",
    "config without message",
}


def test_the_python_rule_refuses_exactly_the_carts_it_should() -> None:
    blocked = {name for name, given in CARTS.items() if validation_errors(given)}

    assert blocked == EXPECTED_BLOCKED
    assert validation_errors(CARTS["untagged customer"]) == [
        {"message": "Members only until Friday.", "target": "$.cart"}
    ]
    assert validation_errors(CARTS["config without message"])[0]["message"] == DEFAULT_MESSAGE


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_the_function_and_the_python_rule_agree_on_every_cart() -> None:
    program = (
        f"import {{ cartValidationsGenerateRun }} from {json.dumps(SCRIPT.as_uri())};\n"
        "const carts = JSON.parse(process.argv[1]);\n"
        "const out = {};\n"
        "for (const [name, input] of Object.entries(carts)) {\n"
        "  out[name] = cartValidationsGenerateRun(input);\n"
        "}\n"
        "console.log(JSON.stringify(out));\n"
    )
    node = shutil.which("node")
    assert node is not None
    run = subprocess.run(  # noqa: S603  (our own script and data)
        [node, "--input-type=module", "-e", program, json.dumps(CARTS)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    answers = json.loads(run.stdout)

    for name, given in CARTS.items():
        expected = {"operations": [{"validationAdd": {"errors": validation_errors(given)}}]}
        assert answers[name] == expected, name


def test_the_config_names_the_products_and_collections_of_open_windows_only() -> None:
    now = utcnow()

    def window(products: str, collections: str, starts: int, ends: int) -> EarlyAccessWindow:
        return EarlyAccessWindow(
            title="w",
            product_ids=products,
            collection_ids=collections,
            audiences="tier:gold",
            starts_at=now + timedelta(hours=starts),
            ends_at=now + timedelta(hours=ends),
        )

    config, variables = function_config(
        [window("7001,7002", "9001", -1, 5), window("8000", "9900", 2, 5)], now
    )

    assert config["productIds"] == ["gid://shopify/Product/7001", "gid://shopify/Product/7002"]
    assert variables == {"collectionIds": ["gid://shopify/Collection/9001"]}


def test_the_extension_declares_the_validation_target_its_query_and_the_scope() -> None:
    config = tomllib.loads((EXTENSION / "shopify.extension.toml").read_text())
    [extension] = config["extensions"]
    [target] = extension["targeting"]
    query = QUERY.read_text()

    assert extension["type"] == "function"
    assert target["target"] == "cart.validations.generate.run"
    assert (EXTENSION / target["input_query"]) == QUERY
    assert f'hasAnyTag(tags: ["{EARLY_ACCESS_TAG}"])' in query
    assert "inAnyCollection(ids: $collectionIds)" in query
    assert 'metafield(namespace: "$app:loyalty", key: "early-access")' in query
    assert extension["input"]["variables"] == {
        "namespace": "$app:loyalty",
        "key": "early-access-input",
    }
    assert "write_validations" in SCOPES
    app = tomllib.loads((ROOT / "shopify.app.toml").read_text())
    assert "write_validations" in app["access_scopes"]["scopes"].split(",")
