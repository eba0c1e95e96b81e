"""The dashboard's storefront widget card: is the app embed switched on in the live theme,
what that means in plain words, and the theme editor link that switches it on.

The check asks Shopify (storefront/embed.py) while the merchant waits, so it is kept short:
two attempts and a few seconds each. When Shopify fails or the shop's token is gone, the
card says the state is unknown and why; the rest of the dashboard never depends on it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from shopify_loyalty.errors import LoyaltyError
from shopify_loyalty.services import Services
from shopify_loyalty.shopify.admin_client import AdminApiError
from shopify_loyalty.shopify.oauth_client import OAuthError
from shopify_loyalty.shops.install import admin_client
from shopify_loyalty.storefront.embed import (
    ACTIVE,
    DISABLED,
    NO_THEME,
    NOT_ADDED,
    UNREADABLE,
    activation_link,
    embed_status,
)

UNKNOWN = "unknown"
ATTEMPTS = 2
TIMEOUT_SECONDS = 4.0

HEADLINES = {
    ACTIVE: "On",
    DISABLED: "Switched off",
    NOT_ADDED: "Not added yet",
    NO_THEME: "No published theme",
    UNREADABLE: "Can't be read",
    UNKNOWN: "Unknown right now",
}


@dataclass(frozen=True)
class EmbedCard:
    state: str
    headline: str
    explanation: str
    activate_url: str
    theme_name: str | None = None

    @property
    def needs_action(self) -> bool:
        return self.state != ACTIVE


def embed_card(services: Services, session: Session, shop_domain: str) -> EmbedCard:
    """Where the widget's embed stands in the shop's live theme, for the dashboard."""
    api_key = services.settings.api_key
    session.rollback()  # no transaction held open while Shopify answers
    try:
        client = admin_client(services, shop_domain)
        client.max_attempts = ATTEMPTS
        client.timeout = TIMEOUT_SECONDS
        status = embed_status(client, shop_domain, api_key)
    except AdminApiError as error:
        return unknown_card(shop_domain, api_key, error.message)
    except OAuthError:
        return unknown_card(shop_domain, api_key, "Shopify refused to renew the app's access")
    except LoyaltyError as error:  # the shop's access token is gone
        return unknown_card(shop_domain, api_key, error.message)
    return EmbedCard(
        state=status.state,
        headline=HEADLINES[status.state],
        explanation=explanation(status.state, status.theme_name),
        activate_url=status.activate_url,
        theme_name=status.theme_name,
    )


def unknown_card(shop_domain: str, api_key: str, reason: str) -> EmbedCard:
    return EmbedCard(
        state=UNKNOWN,
        headline=HEADLINES[UNKNOWN],
        explanation=(
            f"Shopify didn't tell us about your live theme ({reason.rstrip('.')}). "
            "Reload the page to ask again, or check App embeds in the theme editor yourself."
        ),
        activate_url=activation_link(shop_domain, api_key),
    )


def explanation(state: str, theme_name: str | None) -> str:
    """What the state means for the merchant's shoppers, and what to do about it."""
    theme = f"your live theme ({theme_name})" if theme_name else "your live theme"
    if state == ACTIVE:
        return (
            f"The widget shows in {theme} on every page of your shop: shoppers can open it "
            "to see their points, stamps, tier and rewards."
        )
    if state == DISABLED:
        return (
            f"The widget was added to {theme} but is switched off in the theme editor, so "
            "shoppers don't see it. Switch it on under App embeds and save."
        )
    if state == NOT_ADDED:
        return (
            f"The widget isn't in {theme} yet, so shoppers don't see the program. The button "
            "opens the theme editor with the widget switched on under App embeds; save there "
            "to publish it."
        )
    if state == NO_THEME:
        return (
            "Your shop has no published theme, so there is nowhere to show the widget. "
            "Publish a theme, then switch the widget on in its App embeds."
        )
    return (
        f"We couldn't read the settings of {theme}. Open the theme editor and check that "
        "the loyalty widget is switched on under App embeds."
    )
