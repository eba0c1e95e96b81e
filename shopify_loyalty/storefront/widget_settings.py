"""The merchant's widget settings (section ``widget``): colours, position, launcher, texts.

The theme editor's colours and position (the app embed block's settings) win on the
storefront; these apply where the block leaves one empty and on the demo storefront. Text
on the panel's background must stay readable: the pair is refused below WCAG AA contrast
(4.5:1). Text on the accent colour is chosen by the widget (white or near-black, whichever
reads better), so any accent is allowed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.programs.config import setting
from shopify_loyalty.programs.registry import register_section
from shopify_loyalty.storefront.texts import (
    DEFAULT_TEXTS,
    LOCALES,
    MAX_TEXT_LENGTH,
    placeholders,
)

HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
POSITIONS = ("bottom-right", "bottom-left")
MIN_CONTRAST = 4.5
MAX_LAUNCHER_LABEL = 40


@register_section
@dataclass(frozen=True)
class WidgetConfig:
    section: ClassVar[str] = "widget"

    accent_color: str = setting(
        "#1f5f4a", max_length=7, help="Launcher and button colour, as #RRGGBB."
    )
    background_color: str = setting("#ffffff", max_length=7, help="Panel background, #RRGGBB.")
    text_color: str = setting(
        "#1a1a1a",
        max_length=7,
        help="Panel text, #RRGGBB; needs a contrast of at least 4.5:1 on the background.",
    )
    position: str = setting("bottom-right", choices=POSITIONS, help="Corner of the launcher.")
    launcher_label: str = setting(
        "",
        max_length=MAX_LAUNCHER_LABEL,
        help="Text on the launcher button; empty uses 'Rewards' in the shop's language.",
    )
    texts: dict[str, Any] = setting(
        {},
        help="Your own wording, per language (en, de) and text key, e.g. "
        '{"de": {"redeem": "Jetzt einlösen"}}; keep the {placeholders} of the text.',
    )

    def __post_init__(self) -> None:
        for name in ("accent_color", "background_color", "text_color"):
            value = getattr(self, name)
            if not HEX_COLOUR.fullmatch(value):
                raise InvalidInput(f"{name} must be a colour like #1f5f4a", field=name)
            object.__setattr__(self, name, value.lower())
        ratio = contrast_ratio(self.text_color, self.background_color)
        if ratio < MIN_CONTRAST:
            raise InvalidInput(
                f"text_color must contrast with background_color by at least "
                f"{MIN_CONTRAST}:1 (it is {ratio:.2f}:1)",
                field="text_color",
            )
        object.__setattr__(self, "launcher_label", self.launcher_label.strip())
        object.__setattr__(self, "texts", _texts(self.texts))


def _texts(raw: Any) -> dict[str, dict[str, str]]:
    if not isinstance(raw, dict):
        raise InvalidInput("texts must be an object of languages", field="texts")
    cleaned: dict[str, dict[str, str]] = {}
    for locale, entries in raw.items():
        if locale not in LOCALES:
            raise InvalidInput(
                f"texts.{locale} is not a language of the widget ({', '.join(LOCALES)})",
                field=f"texts.{locale}",
            )
        if not isinstance(entries, dict):
            raise InvalidInput(f"texts.{locale} must be an object", field=f"texts.{locale}")
        defaults = DEFAULT_TEXTS[locale]
        cleaned[locale] = {}
        for key, text in entries.items():
            field = f"texts.{locale}.{key}"
            if key not in defaults:
                raise InvalidInput(f"{field} is not a text of the widget", field=field)
            if not isinstance(text, str) or not text.strip() or len(text) > MAX_TEXT_LENGTH:
                raise InvalidInput(
                    f"{field} must be text of 1 to {MAX_TEXT_LENGTH} characters", field=field
                )
            extra = sorted(placeholders(text) - placeholders(defaults[key]))
            if extra:
                allowed = ", ".join(f"{{{name}}}" for name in sorted(placeholders(defaults[key])))
                raise InvalidInput(
                    f"{field} uses {{{extra[0]}}}, which this text does not have "
                    f"(it may use: {allowed or 'none'})",
                    field=field,
                )
            cleaned[locale][key] = text.strip()
    return cleaned


def relative_luminance(colour: str) -> float:
    """WCAG 2 relative luminance of a ``#rrggbb`` colour."""

    def channel(hex_pair: str) -> float:
        value = int(hex_pair, 16) / 255
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(colour[i : i + 2]) for i in (1, 3, 5))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


def contrast_ratio(first: str, second: str) -> float:
    """WCAG 2 contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((relative_luminance(first), relative_luminance(second)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def text_on(colour: str) -> str:
    """White or near-black, whichever reads better on ``colour``."""
    on_white = contrast_ratio(colour, "#ffffff")
    on_dark = contrast_ratio(colour, "#111111")
    return "#ffffff" if on_white >= on_dark else "#111111"
