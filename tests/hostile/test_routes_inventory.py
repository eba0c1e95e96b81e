"""Every route the app serves is classified in the inventory (tests/hostile/routes.py), and
every ``/admin/api`` and ``/proxy/api`` route is described in ``openapi/loyalty.yaml``."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import yaml
from flask import Flask

from tests.hostile.routes import KINDS, ROUTES, route_key, served_routes

OPENAPI = Path(__file__).resolve().parents[2] / "openapi" / "loyalty.yaml"
DESCRIBED_PREFIXES = ("/admin/api/", "/proxy/api/")


def openapi_path(rule: str) -> str:
    """``/admin/api/customers/<int:shopify_customer_id>`` as OpenAPI writes it."""
    return re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?([a-z_]+)>", r"{\1}", rule)


def described_operations() -> set[tuple[str, str]]:
    spec: dict[str, Any] = yaml.safe_load(OPENAPI.read_text())
    return {
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    }


def test_every_served_route_is_classified(app: Flask) -> None:
    served = {route_key(method, rule) for method, rule in served_routes(app)}

    unclassified = sorted(served - set(ROUTES))
    stale = sorted(set(ROUTES) - served)

    assert not unclassified, (
        "classify these routes in tests/hostile/routes.py (and describe /admin/api and "
        f"/proxy/api ones in openapi/loyalty.yaml): {unclassified}"
    )
    assert not stale, f"these inventory entries name no route any more: {stale}"
    assert {probe.kind for probe in ROUTES.values()} <= set(KINDS)


def test_every_admin_and_proxy_api_route_is_in_the_openapi_description(app: Flask) -> None:
    wanted = {
        (method, openapi_path(rule))
        for method, rule in served_routes(app)
        if rule.startswith(DESCRIBED_PREFIXES)
    }

    described = described_operations()

    assert sorted(wanted - described) == [], "describe these in openapi/loyalty.yaml"
    assert sorted(described - wanted) == [], "openapi/loyalty.yaml describes routes not served"


def test_the_openapi_path_of_a_flask_rule() -> None:
    assert openapi_path("/admin/api/rewards/<int:reward_id>") == "/admin/api/rewards/{reward_id}"
    assert openapi_path("/admin/api/settings/<section>") == "/admin/api/settings/{section}"
    assert openapi_path("/x/<any(pause, resume):action>") == "/x/{action}"
