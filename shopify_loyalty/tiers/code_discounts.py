"""Code discounts the app keeps at Shopify: read, create (safely twice), update, (de)activate.

Used for the discounts that live as long as a program setting does (a tier's discount, a
referrer's friend discount), as opposed to one-off reward codes.

Creating is safe to repeat: when Shopify answers that the code is ``TAKEN`` (our earlier
attempt went through but its answer was lost), the existing discount with that code is
looked up and adopted, and the caller then updates it to what it should be.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from shopify_loyalty.shopify.admin_client import AdminApiError, AdminClient, raise_for_user_errors

BASIC = "basic"
FREE_SHIPPING = "free_shipping"

_TYPENAMES = {"DiscountCodeBasic": BASIC, "DiscountCodeFreeShipping": FREE_SHIPPING}
_MUTATIONS = {
    BASIC: (
        "discountCodeBasicCreate",
        "discountCodeBasicUpdate",
        "basicCodeDiscount",
        "DiscountCodeBasicInput",
    ),
    FREE_SHIPPING: (
        "discountCodeFreeShippingCreate",
        "discountCodeFreeShippingUpdate",
        "freeShippingCodeDiscount",
        "DiscountCodeFreeShippingInput",
    ),
}

_DISCOUNT_FIELDS = """
  id
  codeDiscount {
    __typename
    ... on DiscountCodeBasic {
      title status appliesOncePerCustomer
      codes(first: 1) { nodes { code } }
      customerGets { value { __typename
        ... on DiscountPercentage { percentage }
        ... on DiscountAmount { amount { amount } } } }
      context { __typename
        ... on DiscountCustomerSegments { segments { id } }
        ... on DiscountCustomers { customers { id } } }
      minimumRequirement { __typename
        ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } } }
    }
    ... on DiscountCodeFreeShipping {
      title status appliesOncePerCustomer
      codes(first: 1) { nodes { code } }
      maximumShippingPrice { amount }
      context { __typename
        ... on DiscountCustomerSegments { segments { id } }
        ... on DiscountCustomers { customers { id } } }
      minimumRequirement { __typename
        ... on DiscountMinimumSubtotal { greaterThanOrEqualToSubtotal { amount } } }
    }
  }
"""

READ_BY_ID = f"query($id: ID!) {{ codeDiscountNode(id: $id) {{ {_DISCOUNT_FIELDS} }} }}"
READ_BY_CODE = (
    f"query($code: String!) {{ codeDiscountNodeByCode(code: $code) {{ {_DISCOUNT_FIELDS} }} }}"
)
ACTIVATE = """mutation($id: ID!) { discountCodeActivate(id: $id) {
  codeDiscountNode { id } userErrors { field code message } } }"""
DELETE = """mutation($id: ID!) { discountCodeDelete(id: $id) {
  deletedCodeDiscountId userErrors { field code message } } }"""
DEACTIVATE = """mutation($id: ID!) { discountCodeDeactivate(id: $id) {
  codeDiscountNode { id } userErrors { field code message } } }"""


@dataclass(frozen=True)
class CodeDiscount:
    """A code discount as Shopify holds it now."""

    gid: str
    kind: str
    title: str
    code: str | None
    status: str
    applies_once_per_customer: bool
    percentage: Decimal | None = None
    amount: Decimal | None = None
    segment_gids: tuple[str, ...] = ()
    customer_gids: tuple[str, ...] = ()
    minimum_subtotal: Decimal | None = None
    max_shipping_price: Decimal | None = None

    @property
    def active(self) -> bool:
        return self.status == "ACTIVE"


def read_code_discount(client: AdminClient, gid: str) -> CodeDiscount | None:
    """The discount with this id; None when it is gone (deleted in the Shopify admin)."""
    data = client.execute(READ_BY_ID, {"id": gid})
    return _parse(data.get("codeDiscountNode"))


def find_code_discount(client: AdminClient, code: str) -> CodeDiscount | None:
    data = client.execute(READ_BY_CODE, {"code": code})
    return _parse(data.get("codeDiscountNodeByCode"))


def create_code_discount(client: AdminClient, kind: str, fields: Mapping[str, Any]) -> str:
    """Create the discount and return its id; a ``TAKEN`` code adopts the existing one."""
    create, _update, argument, input_type = _MUTATIONS[kind]
    mutation = (
        f"mutation($d: {input_type}!) {{ {create}({argument}: $d) {{ "
        "codeDiscountNode { id } userErrors { field code message } } }"
    )
    data = client.execute(mutation, {"d": dict(fields)})
    payload = data.get(create) or {}
    errors = payload.get("userErrors") or []
    if errors and all(error.get("code") == "TAKEN" for error in errors):
        existing = find_code_discount(client, str(fields["code"]))
        if existing is not None:
            return existing.gid
    payload = raise_for_user_errors(data, create)
    node = payload.get("codeDiscountNode") or {}
    if not node.get("id"):
        raise AdminApiError(f"{create} returned no discount", kind="graphql", retryable=True)
    return str(node["id"])


def update_code_discount(
    client: AdminClient, kind: str, gid: str, fields: Mapping[str, Any]
) -> None:
    _create, update, argument, input_type = _MUTATIONS[kind]
    mutation = (
        f"mutation($id: ID!, $d: {input_type}!) {{ {update}(id: $id, {argument}: $d) {{ "
        "codeDiscountNode { id } userErrors { field code message } } }"
    )
    raise_for_user_errors(client.execute(mutation, {"id": gid, "d": dict(fields)}), update)


def set_code_discount_active(client: AdminClient, gid: str, active: bool) -> None:
    """Activate or deactivate (Shopify ends it now; it can be activated again)."""
    name = "discountCodeActivate" if active else "discountCodeDeactivate"
    raise_for_user_errors(client.execute(ACTIVATE if active else DEACTIVATE, {"id": gid}), name)


def delete_code_discount(client: AdminClient, gid: str) -> None:
    raise_for_user_errors(client.execute(DELETE, {"id": gid}), "discountCodeDelete")


def percentage_value(percent: Decimal) -> float:
    """Shopify's ``percentage`` is a fraction from 0 to 1 (10 % is 0.1)."""
    return float(percent / Decimal(100))


def _parse(node: Mapping[str, Any] | None) -> CodeDiscount | None:
    if not node or not node.get("codeDiscount"):
        return None
    discount = node["codeDiscount"]
    kind = _TYPENAMES.get(str(discount.get("__typename")))
    if kind is None:
        return None
    codes = ((discount.get("codes") or {}).get("nodes")) or []
    value = ((discount.get("customerGets") or {}).get("value")) or {}
    context = discount.get("context") or {}
    minimum = discount.get("minimumRequirement") or {}
    percentage = value.get("percentage")
    amount = (value.get("amount") or {}).get("amount")
    subtotal = (minimum.get("greaterThanOrEqualToSubtotal") or {}).get("amount")
    shipping_cap = (discount.get("maximumShippingPrice") or {}).get("amount")
    return CodeDiscount(
        gid=str(node["id"]),
        kind=kind,
        title=str(discount.get("title") or ""),
        code=str(codes[0]["code"]) if codes else None,
        status=str(discount.get("status") or ""),
        applies_once_per_customer=bool(discount.get("appliesOncePerCustomer")),
        percentage=Decimal(str(percentage)) if percentage is not None else None,
        amount=Decimal(str(amount)) if amount is not None else None,
        segment_gids=tuple(str(s["id"]) for s in context.get("segments") or []),
        customer_gids=tuple(str(c["id"]) for c in context.get("customers") or []),
        minimum_subtotal=Decimal(str(subtotal)) if subtotal is not None else None,
        max_shipping_price=Decimal(str(shipping_cap)) if shipping_cap is not None else None,
    )
