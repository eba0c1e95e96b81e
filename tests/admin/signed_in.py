"""The merchant's browser session for the admin pages, through the development login."""

from __future__ import annotations

import re

import pytest
import requests

from tests.live_server import LiveServer


def sign_in(live: LiveServer, shop: str, monkeypatch: pytest.MonkeyPatch) -> requests.Session:
    """A client signed in to ``shop`` with the development login (its own cookie jar)."""
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "1")
    client = live.client()
    response = client.post("/admin/dev-login", data={"shop": shop})
    assert response.status_code == 303, response.text
    return client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert match, "the page has no form with a CSRF token"
    return match.group(1)


def field_error(html: str, field: str) -> str | None:
    """The error shown beside ``field``, or None."""
    match = re.search(
        rf'id="field-{field}">(?:(?!id="field-).)*?<div class="error" id="{field}-error">'
        r"([^<]*)</div>",
        html,
        re.S,
    )
    return match.group(1) if match else None
