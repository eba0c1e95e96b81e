"""Rendering a message into its subject, HTML part and plain-text part.

Each kind has a Jinja template per language (``templates/<locale>/<kind>.j2``) with the
blocks ``subject``, ``heading``, ``highlight`` and ``body`` (paragraphs separated by a blank
line), written as plain text. The layouts put them into the shop's frame: its name and
logo, the accent colour of its email branding (or of its widget), a link to the shop and,
for marketing messages, the unsubscribe link.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from shopify_loyalty.notifications.kinds import Kind
from shopify_loyalty.notifications.locales import email_locale

TEMPLATES = Path(__file__).resolve().parent / "templates"

LABELS: dict[str, dict[str, str]] = {
    "en": {
        "visit": "Visit the shop",
        "footer": "You receive this email as a member of our rewards program.",
        "unsubscribe": "Unsubscribe from these emails",
    },
    "de": {
        "visit": "Zum Shop",
        "footer": "Du erhältst diese E-Mail als Mitglied unseres Prämienprogramms.",
        "unsubscribe": "Diese E-Mails abbestellen",
    },
}

# The message blocks and the plain-text layout are plain text, escaped by the HTML layout
# (``_pages``) where they land in HTML; escaping them here would put entities in the text part.
_blocks = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=False,  # noqa: S701
    undefined=StrictUndefined,
)
_text = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=False,  # noqa: S701
    undefined=StrictUndefined,
    trim_blocks=True,
)
_pages = Environment(
    loader=FileSystemLoader(TEMPLATES),
    autoescape=select_autoescape(default=True, default_for_string=True),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Frame:
    """What every message of a shop shares."""

    shop_name: str
    shop_url: str
    accent: str
    on_accent: str
    logo_url: str = ""


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def render_message(
    kind: str,
    locale: str,
    data: dict[str, Any],
    frame: Frame,
    first_name: str | None,
    unsubscribe_url: str | None,
) -> RenderedEmail:
    locale = email_locale(locale)
    kind = Kind(kind).value
    template = _blocks.get_template(f"{locale}/{kind}.j2")
    context = template.new_context({**data, "shop_name": frame.shop_name, "first_name": first_name})

    def block(name: str) -> str:
        return "".join(template.blocks[name](context)).strip()

    subject = " ".join(block("subject").split())
    paragraphs = [part.strip() for part in block("body").split("\n\n") if part.strip()]
    page = {
        "locale": locale,
        "subject": subject,
        "heading": block("heading"),
        "highlight": block("highlight"),
        "paragraphs": paragraphs,
        "labels": LABELS[locale],
        "unsubscribe_url": unsubscribe_url,
        **frame.__dict__,
    }
    return RenderedEmail(
        subject=subject,
        html=_pages.get_template("layout.html.j2").render(page),
        text=_text.get_template("layout.txt.j2").render(page).strip() + "\n",
    )


def message_data(raw: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw or "{}")
    return data
