"""Creating the customer metafield definitions of the app's namespace at install.

A definition names and types a metafield in the Shopify admin and makes it usable in
customer segments and Shopify Email. ``metafieldDefinitionCreate`` answers a definition
that exists already (a reinstall) with the userError code ``TAKEN``, which counts as done.
"""

from __future__ import annotations

from shopify_loyalty.metafields.specs import NAMESPACE, SPECS
from shopify_loyalty.shopify.admin_client import AdminClient, AdminUserError

TAKEN = "TAKEN"

CREATE_DEFINITION = """
mutation MetafieldDefinitionCreate($definition: MetafieldDefinitionInput!) {
  metafieldDefinitionCreate(definition: $definition) {
    createdDefinition { id namespace key }
    userErrors { field message code }
  }
}
"""


def create_definitions(client: AdminClient) -> list[str]:
    """Make sure every definition of :data:`SPECS` exists; returns the keys created now."""
    created = []
    for spec in SPECS:
        data = client.execute(
            CREATE_DEFINITION,
            {
                "definition": {
                    "name": spec.name,
                    "namespace": NAMESPACE,
                    "key": spec.key,
                    "type": spec.type,
                    "description": spec.description,
                    "ownerType": "CUSTOMER",
                    # Merchants see the values; only the app writes them.
                    "access": {"admin": "MERCHANT_READ"},
                }
            },
        )
        payload = data.get("metafieldDefinitionCreate") or {}
        errors = payload.get("userErrors") or []
        if errors and all(error.get("code") == TAKEN for error in errors):
            continue
        if errors:
            raise AdminUserError(errors, "metafieldDefinitionCreate")
        created.append(spec.key)
    return created
