"""How the program's emails look (section ``email_branding``): the shop's logo, the accent
colour and the language for shoppers whose language is unknown (and for affiliates).

The shop's name comes from Shopify. An empty accent colour uses the widget's, so the
emails match the storefront until the merchant chooses otherwise. The logo must be an
``https://`` image address: mail clients block plain HTTP images and anything else.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar
from urllib.parse import urlsplit

from sqlalchemy.orm import Session

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.notifications.locales import LOCALES
from shopify_loyalty.notifications.rendering import Frame
from shopify_loyalty.programs.config import load, setting
from shopify_loyalty.programs.registry import register_section
from shopify_loyalty.shops.models import Shop
from shopify_loyalty.storefront.widget_settings import WidgetConfig, text_on

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
UNSAFE_IN_URL = re.compile(r"[\s\"'<>\\]")
MAX_LOGO_URL = 500


@register_section
@dataclass(frozen=True)
class EmailBranding:
    section: ClassVar[str] = "email_branding"

    logo_url: str = setting(
        "",
        max_length=MAX_LOGO_URL,
        help="Logo at the top of every email: an https:// image address (about 200 x 48 "
        "pixels); empty shows the shop's name.",
    )
    accent_color: str = setting(
        "",
        max_length=7,
        help="Header and button colour, as #RRGGBB; empty uses the widget's accent colour.",
    )
    default_locale: str = setting(
        "en",
        choices=LOCALES,
        help="Language of emails to shoppers whose language is unknown, and to affiliates.",
    )

    def __post_init__(self) -> None:
        logo = self.logo_url.strip()
        if logo:
            parts = urlsplit(logo)
            if parts.scheme != "https" or not parts.hostname or UNSAFE_IN_URL.search(logo):
                raise InvalidInput(
                    "logo_url must be an https:// address like https://cdn.example.com/logo.png",
                    field="logo_url",
                )
        object.__setattr__(self, "logo_url", logo)
        accent = self.accent_color.strip()
        if accent and not HEX_COLOUR.fullmatch(accent):
            raise InvalidInput("accent_color must be a colour like #1f5f4a", field="accent_color")
        object.__setattr__(self, "accent_color", accent.lower())


def email_branding(session: Session, shop: Shop) -> EmailBranding:
    return load(session, shop, EmailBranding)


def accent_colour(session: Session, shop: Shop, branding: EmailBranding | None = None) -> str:
    """The emails' accent: the branding's own, else the widget's."""
    chosen = (branding or email_branding(session, shop)).accent_color
    return chosen or load(session, shop, WidgetConfig).accent_color


def shop_frame(session: Session, shop: Shop) -> Frame:
    """What every email of the shop shares: name, link, colours and logo."""
    branding = email_branding(session, shop)
    accent = accent_colour(session, shop, branding)
    return Frame(
        shop_name=shop.name or shop.domain,
        shop_url=f"https://{shop.domain}",
        accent=accent,
        on_accent=text_on(accent),
        logo_url=branding.logo_url,
    )
