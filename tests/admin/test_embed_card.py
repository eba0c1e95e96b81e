"""The dashboard's storefront widget card, read from the stand-in shop's live theme over Admin
GraphQL: each state of the app embed in plain words with the theme editor link that switches
it on, and a Shopify failure that leaves the rest of the dashboard standing."""

from __future__ import annotations

import html
import re
from typing import Any

import pytest
import requests

from shopify_loyalty.standin.app import StandinServer
from tests.conftest import API_KEY
from tests.storefront.test_embed import EMBED_TYPE, main_theme, seed_themes, settings_data


@pytest.fixture
def dashboard(http: requests.Session, shop: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The dashboard as the merchant signed in with the development login sees it."""
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "1")
    assert http.post("/admin/dev-login", data={"shop": shop}).status_code == 303

    def read() -> str:
        response = http.get("/admin")
        assert response.status_code == 200, response.text[:300]
        return response.text

    return read


def card(page: str) -> dict[str, str]:
    found = re.search(
        r'<div class="card embed-card embed-(\w+)" id="embed-card" data-state="(\w+)">'
        r'.*?<span class="embed-headline">([^<]*)</span>'
        r'.*?<p class="embed-explanation">([^<]*)</p>'
        r'.*?<a class="button[^"]*" id="embed-activate" href="([^"]+)"[^>]*>\s*([^<]*?)\s*</a>',
        page,
        re.S,
    )
    assert found, "the dashboard has no storefront widget card"
    css_state, state, headline, explanation, href, button = found.groups()
    assert css_state == state
    return {
        "state": state,
        "headline": html.unescape(headline),
        "explanation": html.unescape(explanation),
        "href": html.unescape(href),
        "button": button,
    }


def activation(shop: str) -> str:
    return (
        f"https://{shop}/admin/themes/current/editor?context=apps"
        f"&activateAppId={API_KEY}/loyalty-widget"
    )


def test_a_new_shop_is_told_the_widget_is_not_added_and_how_to_switch_it_on(
    dashboard: Any, shop: str
) -> None:
    assert card(dashboard()) == {
        "state": "not_added",
        "headline": "Not added yet",
        "explanation": "The widget isn't in your live theme (Dawn) yet, so shoppers don't see "
        "the program. The button opens the theme editor with the widget switched on under "
        "App embeds; save there to publish it.",
        "href": activation(shop),
        "button": "Switch it on in the theme editor",
    }


@pytest.mark.parametrize(
    ("themes", "state", "headline", "explanation", "button"),
    [
        (
            [main_theme(settings_data({"1": {"type": EMBED_TYPE, "disabled": False}}))],
            "active",
            "On",
            "The widget shows in your live theme (Dawn) on every page of your shop: shoppers "
            "can open it to see their points, stamps, tier and rewards.",
            "Open the theme editor",
        ),
        (
            [main_theme(settings_data({"1": {"type": EMBED_TYPE, "disabled": True}}))],
            "disabled",
            "Switched off",
            "The widget was added to your live theme (Dawn) but is switched off in the theme "
            "editor, so shoppers don't see it. Switch it on under App embeds and save.",
            "Switch it on in the theme editor",
        ),
        (
            [{"name": "Draft", "role": "UNPUBLISHED", "files": {}}],
            "no_theme",
            "No published theme",
            "Your shop has no published theme, so there is nowhere to show the widget. Publish "
            "a theme, then switch the widget on in its App embeds.",
            "Switch it on in the theme editor",
        ),
        (
            [main_theme('/* settings */ {"current": ')],
            "unreadable",
            "Can't be read",
            "We couldn't read the settings of your live theme (Dawn). Open the theme editor and "
            "check that the loyalty widget is switched on under App embeds.",
            "Switch it on in the theme editor",
        ),
    ],
    ids=["active", "disabled", "no_theme", "unreadable"],
)
def test_each_state_of_the_embed_is_explained_on_the_dashboard(
    dashboard: Any,
    standin: StandinServer,
    shop: str,
    themes: list[dict[str, Any]],
    state: str,
    headline: str,
    explanation: str,
    button: str,
) -> None:
    seed_themes(standin, shop, themes)

    assert card(dashboard()) == {
        "state": state,
        "headline": headline,
        "explanation": explanation,
        "href": activation(shop),
        "button": button,
    }


def test_a_theme_without_its_settings_file_cannot_be_read(
    dashboard: Any, standin: StandinServer, shop: str
) -> None:
    seed_themes(standin, shop, [{"name": "Bare", "role": "MAIN", "files": {}}])

    shown = card(dashboard())
    assert (shown["state"], shown["headline"]) == ("unreadable", "Can't be read")
    assert "your live theme (Bare)" in shown["explanation"]


def test_when_shopify_fails_the_state_is_unknown_and_the_dashboard_still_opens(
    dashboard: Any, standin: StandinServer, shop: str
) -> None:
    queued = requests.post(
        f"{standin.url}/_standin/shops/{shop}/faults", json={"status": 500, "count": 2}, timeout=5
    )
    assert queued.status_code == 200, queued.text

    page = dashboard()
    assert card(page) == {
        "state": "unknown",
        "headline": "Unknown right now",
        "explanation": "Shopify didn't tell us about your live theme (Shopify server error "
        "(HTTP 500)). Reload the page to ask again, or check App embeds in the theme editor "
        "yourself.",
        "href": activation(shop),
        "button": "Switch it on in the theme editor",
    }
    assert '<div class="label">Revenue (EUR)</div>' in page
    assert 'class="chart"' in page

    assert card(dashboard())["state"] == "not_added"  # the next look asks Shopify again
