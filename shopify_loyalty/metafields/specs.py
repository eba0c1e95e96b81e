"""The metafields of a customer in the app's namespace.

Namespace ``$app:loyalty`` is the app-reserved namespace Shopify resolves to
``app--<app id>--loyalty``: only this app can write it, and the definitions created at
install let merchants use the values in segments, Shopify Email and Flow.
"""

from __future__ import annotations

from dataclasses import dataclass

NAMESPACE = "$app:loyalty"


@dataclass(frozen=True)
class MetafieldSpec:
    key: str
    name: str
    type: str
    description: str


SPECS: tuple[MetafieldSpec, ...] = (
    MetafieldSpec(
        "points_balance",
        "Loyalty points balance",
        "number_integer",
        "Points the customer can spend now (pending points not included).",
    ),
    MetafieldSpec(
        "tier",
        "Loyalty VIP tier",
        "single_line_text_field",
        "The customer's VIP tier; absent without a tier.",
    ),
    MetafieldSpec(
        "stamps",
        "Loyalty stamps",
        "number_integer",
        "Stamps on the customer's current stamp card.",
    ),
    MetafieldSpec(
        "lifecycle_stage",
        "Loyalty lifecycle stage",
        "single_line_text_field",
        "prospect, first_time_buyer, repeat_buyer, regular, recommender or fan.",
    ),
)
TYPES: dict[str, str] = {spec.key: spec.type for spec in SPECS}
