"""``flowTriggerReceive``: the fake shop's Shopify Flow, which receives the app's triggers.

The shop knows the app's triggers the way Shopify does after ``shopify app deploy``: from
the app's ``flow_trigger`` extensions (found by ``shopify_loyalty.app_extensions``, also
in an installed package). As Shopify does, it answers with userErrors (and records
nothing) when the handle is not one of them, when a declared field is missing from the
payload (a ``customer_reference`` is ``customer_id``), or when the payload is over 50,000
bytes. Accepted triggers are kept in order for tests and the demo (``flow_triggers`` in
the shop's snapshot).
"""

from __future__ import annotations

import functools
import json
import tomllib
from dataclasses import dataclass
from typing import Any

from shopify_loyalty.app_extensions import extensions_folder
from shopify_loyalty.standin.admin_mutations import mutation_field
from shopify_loyalty.standin.admin_objects import ResolveContext, user_error
from shopify_loyalty.standin.state import isoformat

MAX_PAYLOAD_BYTES = 50_000
REFERENCE_KEYS = {
    "customer_reference": "customer_id",
    "order_reference": "order_id",
    "product_reference": "product_id",
}


@dataclass(frozen=True)
class TriggerDefinition:
    handle: str
    required_keys: tuple[str, ...]


@functools.cache
def deployed_triggers() -> dict[str, TriggerDefinition]:
    triggers = {}
    for path in sorted(extensions_folder().glob("*/shopify.extension.toml")):
        config = tomllib.loads(path.read_text())
        for extension in config.get("extensions", []):
            if extension.get("type") != "flow_trigger":
                continue
            # The CLI writes [settings] at the top of the file, beside [[extensions]].
            settings = extension.get("settings") or config.get("settings") or {}
            fields = settings.get("fields", [])
            keys = tuple(REFERENCE_KEYS.get(f.get("type"), f.get("key")) for f in fields)
            triggers[extension["handle"]] = TriggerDefinition(
                extension["handle"], tuple(k for k in keys if k)
            )
    return triggers


def _schema_error(problem: str) -> dict[str, Any]:
    return user_error(["payload"], f"Errors validating schema:\n  {problem}\n")


@mutation_field("flowTriggerReceive")
def flow_trigger_receive(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    handle = args.get("handle")
    payload = args.get("payload")
    trigger = deployed_triggers().get(str(handle or ""))
    if trigger is None:
        return {"userErrors": [user_error(["handle"], f"Invalid handle '{handle}'.")]}
    if not isinstance(payload, dict):
        return {"userErrors": [_schema_error("The payload must be a JSON object.")]}
    size = len(json.dumps(payload).encode())
    if size > MAX_PAYLOAD_BYTES:
        return {
            "userErrors": [
                _schema_error(f"Properties size exceeds the limit of {MAX_PAYLOAD_BYTES} bytes.")
            ]
        }
    missing = [key for key in trigger.required_keys if payload.get(key) is None]
    if missing:
        return {
            "userErrors": [_schema_error(f"Missing required property: {key}") for key in missing]
        }
    ctx.shop.flow_triggers.append(
        {"handle": trigger.handle, "payload": payload, "received_at": isoformat(ctx.now)}
    )
    return {"userErrors": []}
