"""The merchant's widget settings: colours, position, launcher label and their own texts."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.storefront.conftest import ProxyClient


def put_widget(
    http: requests.Session, headers: dict[str, str], changes: dict[str, Any]
) -> requests.Response:
    return http.put("/admin/api/settings/widget", json=changes, headers=headers)


def test_the_merchants_wording_and_colours_reach_the_widget(
    http: requests.Session, admin_headers: dict[str, str], proxy: ProxyClient
) -> None:
    response = put_widget(
        http,
        admin_headers,
        {
            "accent_color": "#FFD400",
            "position": "bottom-left",
            "launcher_label": "  Treuepunkte ",
            "texts": {"de": {"redeem": "Jetzt einlösen", "pending": "{points} kommen noch"}},
        },
    )

    assert response.status_code == 200, response.text
    german = proxy.get("/api/program", query="locale=de").json()
    assert german["texts"]["redeem"] == "Jetzt einlösen"
    assert german["texts"]["pending"] == "{points} kommen noch"
    assert german["appearance"] == {
        "accent_color": "#ffd400",
        "accent_text_color": "#111111",
        "background_color": "#ffffff",
        "text_color": "#1a1a1a",
        "position": "bottom-left",
        "launcher_label": "Treuepunkte",
    }
    english = proxy.get("/api/program", query="locale=en").json()
    assert english["texts"]["redeem"] == "Redeem"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"accent_color": "green"}, "accent_color", "accent_color must be a colour like #1f5f4a"),
        (
            {"text_color": "#cccccc"},
            "text_color",
            "text_color must contrast with background_color by at least 4.5:1 (it is 1.61:1)",
        ),
        (
            {"position": "top-left"},
            "position",
            "position must be one of bottom-right, bottom-left",
        ),
        (
            {"texts": {"fr": {"redeem": "Échanger"}}},
            "texts.fr",
            "texts.fr is not a language of the widget (en, de)",
        ),
        (
            {"texts": {"en": {"welcome": "Hi"}}},
            "texts.en.welcome",
            "texts.en.welcome is not a text of the widget",
        ),
        (
            {"texts": {"en": {"pending": "{balance} on the way"}}},
            "texts.en.pending",
            "texts.en.pending uses {balance}, which this text does not have (it may use: {points})",
        ),
        (
            {"texts": {"en": {"redeem": "x" * 301}}},
            "texts.en.redeem",
            "texts.en.redeem must be text of 1 to 300 characters",
        ),
        (
            {"launcher_label": "x" * 41},
            "launcher_label",
            "launcher_label must be at most 40 characters",
        ),
    ],
)
def test_unusable_widget_settings_are_refused_naming_the_field(
    http: requests.Session,
    admin_headers: dict[str, str],
    changes: dict[str, object],
    field: str,
    message: str,
) -> None:
    response = put_widget(http, admin_headers, changes)

    assert response.status_code == 400
    assert response.json() == {"error": "invalid", "message": message, "field": field}
