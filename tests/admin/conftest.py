"""Fixtures for the merchant admin tests: the engine's signed deliveries and admin headers,
and a shop seeded with a known history."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
import requests

from shopify_loyalty.services import Services
from tests.admin.history import History, seed_history
from tests.engine.conftest import admin_headers, deliver  # noqa: F401  (fixtures)


@pytest.fixture
def history(
    deliver: Callable[..., requests.Response],  # noqa: F811
    http: requests.Session,
    admin_headers: dict[str, str],  # noqa: F811
    services: Services,
    shop: str,
    settle: Callable[..., None],
) -> History:
    """The shop after the history described in tests/admin/history.py."""
    return seed_history(deliver, http, admin_headers, services, shop, settle)


def get_json(http: requests.Session, path: str, headers: dict[str, str]) -> Any:
    response = http.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()
