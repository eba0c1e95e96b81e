"""Is the widget's app embed switched on in the shop's live theme?

Shopify keeps a theme's app embeds in its ``config/settings_data.json``: each enabled or
disabled embed is a block of type ``shopify://apps/<app>/blocks/loyalty-widget/<uuid>``
with ``"disabled": true|false``. An embed the merchant never switched on has no block at
all. The file may open with a comment Shopify writes, and ``current`` may name a preset
instead of holding the settings. The merchant switches the embed on through the theme
editor's deep link, which opens the App embeds panel with ours turned on.
"""

from __future__ import annotations

import base64
import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from shopify_loyalty.shopify.admin_client import AdminClient

EMBED_HANDLE = "loyalty-widget"
SETTINGS_FILE = "config/settings_data.json"
ACTIVE = "active"
DISABLED = "disabled"
NOT_ADDED = "not_added"
NO_THEME = "no_theme"
UNREADABLE = "unreadable"
LEADING_COMMENT = re.compile(r"^\s*/\*.*?\*/", re.DOTALL)
EMBED_TYPE = re.compile(rf"^shopify://apps/[^/]+/blocks/{re.escape(EMBED_HANDLE)}/[^/]+$")

MAIN_THEME_SETTINGS = """
query MainThemeSettings($filenames: [String!]!) {
  themes(first: 1, roles: [MAIN]) {
    nodes {
      id
      name
      files(filenames: $filenames, first: 1) {
        nodes {
          filename
          body {
            ... on OnlineStoreThemeFileBodyText { content }
            ... on OnlineStoreThemeFileBodyBase64 { contentBase64 }
          }
        }
      }
    }
  }
}
"""


@dataclass(frozen=True)
class EmbedStatus:
    state: str
    theme_id: str | None
    theme_name: str | None
    activate_url: str

    @property
    def active(self) -> bool:
        return self.state == ACTIVE


def activation_link(shop_domain: str, api_key: str) -> str:
    """The theme editor, App embeds panel open, with the widget's embed switched on."""
    app_id = quote(f"{api_key}/{EMBED_HANDLE}", safe="/")
    return f"https://{shop_domain}/admin/themes/current/editor?context=apps&activateAppId={app_id}"


def embed_status(client: AdminClient, shop_domain: str, api_key: str) -> EmbedStatus:
    """Read the live theme's settings at Shopify and tell where the widget's embed stands."""
    data = client.execute(MAIN_THEME_SETTINGS, {"filenames": [SETTINGS_FILE]})
    link = activation_link(shop_domain, api_key)
    themes = ((data.get("themes") or {}).get("nodes")) or []
    if not themes:
        return EmbedStatus(NO_THEME, None, None, link)
    theme = themes[0]
    files = ((theme.get("files") or {}).get("nodes")) or []
    content = file_text(files[0]) if files else None
    state = embed_state(content) if content is not None else UNREADABLE
    return EmbedStatus(state, theme.get("id"), theme.get("name"), link)


def file_text(node: dict[str, Any]) -> str | None:
    body = node.get("body") or {}
    if isinstance(body.get("content"), str):
        return str(body["content"])
    if isinstance(body.get("contentBase64"), str):
        try:
            return base64.b64decode(body["contentBase64"]).decode("utf-8")
        except ValueError:
            return None
    return None


def embed_state(settings_data: str) -> str:
    """``active``, ``disabled`` or ``not_added`` from a settings_data.json text."""
    try:
        document = json.loads(LEADING_COMMENT.sub("", settings_data, count=1))
    except ValueError:
        return UNREADABLE
    if not isinstance(document, dict):
        return UNREADABLE
    current = document.get("current")
    if isinstance(current, str):
        current = (document.get("presets") or {}).get(current)
    blocks = current.get("blocks") if isinstance(current, dict) else None
    if not isinstance(blocks, dict):
        return NOT_ADDED
    ours = [
        block
        for block in blocks.values()
        if isinstance(block, dict) and EMBED_TYPE.match(str(block.get("type", "")))
    ]
    if not ours:
        return NOT_ADDED
    return DISABLED if all(block.get("disabled") is True for block in ours) else ACTIVE
