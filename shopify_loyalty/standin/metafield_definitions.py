"""``metafieldDefinitionCreate`` of the fake Admin API, with Shopify's userErrors.

A definition is unique per owner type, namespace and key: a second one is refused with the
code ``TAKEN`` ("Key is in use for Customer metafields on the '<namespace>' namespace."),
which is what an app reinstalling into a shop meets. Definitions are listed in the shop's
snapshot (``GET /_standin/shops/<shop>``) under ``metafield_definitions``.
"""

from __future__ import annotations

from typing import Any

from shopify_loyalty.standin.admin_mutations import METAFIELD_TYPES, mutation_field
from shopify_loyalty.standin.admin_objects import ResolveContext, require, user_error
from shopify_loyalty.standin.graphql_exec import FieldError
from shopify_loyalty.standin.state import gid

OWNER_TYPES = frozenset({"CUSTOMER", "ORDER", "PRODUCT", "PRODUCTVARIANT", "SHOP", "COMPANY"})
ADMIN_ACCESS = frozenset({"MERCHANT_READ", "MERCHANT_READ_WRITE", "PRIVATE", "PUBLIC_READ"})


def _fail(errors: list[dict[str, Any]], name: str, message: str, code: str) -> None:
    errors.append(user_error(["definition", name], message, code))


@mutation_field("metafieldDefinitionCreate")
def metafield_definition_create(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    data = require(args, "definition", "metafieldDefinitionCreate")
    owner_type = data.get("ownerType")
    if owner_type not in OWNER_TYPES:
        raise FieldError(
            f"Argument 'ownerType' on InputObject 'MetafieldDefinitionInput' has an invalid "
            f"value ({owner_type}). Expected type 'MetafieldOwnerType!'."
        )
    name, key = str(data.get("name") or ""), str(data.get("key") or "")
    namespace, kind = str(data.get("namespace") or "$app"), str(data.get("type") or "")
    errors: list[dict[str, Any]] = []
    if not name:
        _fail(errors, "name", "Name can't be blank", "BLANK")
    if len(key) < 2:
        _fail(errors, "key", "Key is too short (minimum is 2 characters)", "TOO_SHORT")
    elif len(key) > 64:
        _fail(errors, "key", "Key is too long (maximum is 64 characters)", "TOO_LONG")
    if kind not in METAFIELD_TYPES:
        _fail(errors, "type", "Type definition is invalid", "INCLUSION")
    admin_access = (data.get("access") or {}).get("admin")
    if admin_access is not None and admin_access not in ADMIN_ACCESS:
        raise FieldError(
            f"Argument 'admin' on InputObject 'MetafieldAccessInput' has an invalid value "
            f"({admin_access}). Expected type 'MetafieldAdminAccessInput'."
        )
    slot = (owner_type, namespace, key)
    if not errors and slot in ctx.shop.metafield_definitions:
        owner = owner_type.title().replace("variant", "Variant")
        _fail(
            errors,
            "key",
            f"Key is in use for {owner} metafields on the '{namespace}' namespace.",
            "TAKEN",
        )
    if errors:
        return {"createdDefinition": None, "userErrors": errors}
    definition = {
        "__typename": "MetafieldDefinition",
        "id": gid("MetafieldDefinition", ctx.shop.next_id()),
        "name": name,
        "namespace": namespace,
        "key": key,
        "ownerType": owner_type,
        "type": {"name": kind, "category": None},
        "description": data.get("description"),
        "access": {"admin": admin_access or "PUBLIC_READ_WRITE"},
    }
    ctx.shop.metafield_definitions[slot] = definition
    return {"createdDefinition": definition, "userErrors": []}
