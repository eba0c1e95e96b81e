"""Creating and withdrawing our discount codes at Shopify (Admin GraphQL).

Every code is single-use and for one customer only: ``usageLimit: 1``,
``appliesOncePerCustomer: true`` and eligibility by ``context: {customers: {add: [gid]}}``
(``customerSelection`` is deprecated since API 2025-10).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from shopify_loyalty.customers.models import Customer
from shopify_loyalty.rewards.models import IssuedCode
from shopify_loyalty.rewards.spec import FIXED_AMOUNT, FREE_SHIPPING, PERCENTAGE
from shopify_loyalty.shopify.admin_client import (
    AdminApiError,
    AdminClient,
    AdminUserError,
    raise_for_user_errors,
)

BASIC_CREATE = """
mutation LoyaltyCodeCreate($discount: DiscountCodeBasicInput!) {
  discountCodeBasicCreate(basicCodeDiscount: $discount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

FREE_SHIPPING_CREATE = """
mutation LoyaltyFreeShippingCodeCreate($discount: DiscountCodeFreeShippingInput!) {
  discountCodeFreeShippingCreate(freeShippingCodeDiscount: $discount) {
    codeDiscountNode { id }
    userErrors { field code message }
  }
}
"""

FIND_BY_CODE = """
query LoyaltyCodeByCode($code: String!) {
  codeDiscountNodeByCode(code: $code) { id }
}
"""

DELETE = """
mutation LoyaltyCodeDelete($id: ID!) {
  discountCodeDelete(id: $id) {
    deletedCodeDiscountId
    userErrors { field code message }
  }
}
"""

TAKEN = "TAKEN"


@dataclass(frozen=True)
class DiscountToCreate:
    """The plain values of an issued code, read inside a transaction and used after it."""

    title: str
    code: str
    kind: str
    value: Decimal
    minimum_order: Decimal | None
    starts_at: datetime
    ends_at: datetime | None
    customer_gid: str

    @classmethod
    def of(cls, issued: IssuedCode, customer: Customer) -> DiscountToCreate:
        return cls(
            title=issued.title,
            code=issued.code,
            kind=issued.kind,
            value=issued.value,
            minimum_order=issued.minimum_order,
            starts_at=issued.starts_at,
            ends_at=issued.ends_at,
            customer_gid=f"gid://shopify/Customer/{customer.shopify_customer_id}",
        )


def discount_input(discount: DiscountToCreate) -> dict[str, Any]:
    """The ``DiscountCodeBasicInput`` or ``DiscountCodeFreeShippingInput`` for the code."""
    data: dict[str, Any] = {
        "title": discount.title,
        "code": discount.code,
        "startsAt": discount.starts_at.isoformat(),
        "endsAt": discount.ends_at.isoformat() if discount.ends_at else None,
        "context": {"customers": {"add": [discount.customer_gid]}},
        "usageLimit": 1,
        "appliesOncePerCustomer": True,
    }
    if discount.minimum_order is not None:
        data["minimumRequirement"] = {
            "subtotal": {"greaterThanOrEqualToSubtotal": str(discount.minimum_order)}
        }
    if discount.kind == FREE_SHIPPING:
        data["destination"] = {"all": True}
        # A free-shipping reward stacks with the shop's product and order discounts.
        data["combinesWith"] = {
            "orderDiscounts": True,
            "productDiscounts": True,
            "shippingDiscounts": False,
        }
        return data
    if discount.kind == PERCENTAGE:
        value: dict[str, Any] = {"percentage": float(discount.value / 100)}
    elif discount.kind == FIXED_AMOUNT:
        value = {"discountAmount": {"amount": str(discount.value), "appliesOnEachItem": False}}
    else:
        raise ValueError(f"unknown reward kind {discount.kind}")
    data["customerGets"] = {"value": value, "items": {"all": True}}
    # A loyalty code does not stack with another order discount (the merchant's margin);
    # product and shipping discounts still apply alongside.
    data["combinesWith"] = {
        "orderDiscounts": False,
        "productDiscounts": True,
        "shippingDiscounts": True,
    }
    return data


def create_discount_code(client: AdminClient, discount: DiscountToCreate) -> str:
    """Create the discount and return its ``DiscountCodeNode`` id.

    When Shopify answers that the code is taken, an earlier attempt of ours landed even
    though we never saw the answer (a timeout, a lost connection): the code is ours, so it
    counts as created and its id is looked up. Any other refusal raises
    :class:`AdminUserError`; outages raise :class:`AdminApiError` (retryable).
    """
    if discount.kind == FREE_SHIPPING:
        name, mutation = "discountCodeFreeShippingCreate", FREE_SHIPPING_CREATE
    else:
        name, mutation = "discountCodeBasicCreate", BASIC_CREATE
    data = client.execute(mutation, {"discount": discount_input(discount)})
    try:
        payload = raise_for_user_errors(data, name)
    except AdminUserError as refusal:
        if refusal.codes != [TAKEN]:
            raise
        found = find_discount_id(client, discount.code)
        if found is None:
            raise AdminApiError(
                f"Shopify says code {discount.code} is taken but cannot find it",
                kind="graphql",
                retryable=True,
            ) from refusal
        return found
    node = payload.get("codeDiscountNode") or {}
    if not node.get("id"):
        raise AdminApiError(f"{name} returned no discount id", kind="graphql", retryable=True)
    return str(node["id"])


def find_discount_id(client: AdminClient, code: str) -> str | None:
    data = client.execute(FIND_BY_CODE, {"code": code})
    node = data.get("codeDiscountNodeByCode")
    return str(node["id"]) if node and node.get("id") else None


def withdraw_discount_code(client: AdminClient, code: str) -> bool:
    """Delete the discount with this code if Shopify has it; True when one was deleted."""
    found = find_discount_id(client, code)
    if found is None:
        return False
    raise_for_user_errors(client.execute(DELETE, {"id": found}), "discountCodeDelete")
    return True
