"""A shop's past customers and orders from Shopify, by an Admin GraphQL bulk operation.

One bulk query reads every customer with their orders; Shopify writes the result as a JSONL
file (a customer's orders on the lines after it, each with the customer's ``__parentId``)
and the client polls the operation until it is done. Orders that were never paid, were
cancelled or are tests are left out.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from decimal import Decimal
from typing import Any

from shopify_loyalty.imports.records import BackfillRecord, PastCustomer, PastOrder
from shopify_loyalty.shopify.admin_client import AdminClient, raise_for_user_errors

BULK_QUERY = """{ customers { edges { node {
  id email firstName lastName createdAt
  orders { edges { node {
    id name createdAt processedAt cancelledAt test displayFinancialStatus currencyCode
    subtotalPriceSet { shopMoney { amount currencyCode } }
    currentSubtotalPriceSet { shopMoney { amount currencyCode } }
    totalPriceSet { shopMoney { amount currencyCode } }
  } } }
} } } }"""
RUN_QUERY = """mutation($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status } userErrors { field message code } } }"""
READ_OPERATION = """query($id: ID!) { node(id: $id) { ... on BulkOperation {
  id status errorCode objectCount url } } }"""
PAID_STATUSES = ("PAID", "PARTIALLY_PAID", "PARTIALLY_REFUNDED", "REFUNDED")
FINISHED = ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")
POLL_SECONDS = 1.0
MAX_WAIT_SECONDS = 6 * 3600


class BulkOperationFailed(Exception):
    """Shopify ended the bulk operation without a result."""


def start_bulk_export(client: AdminClient) -> str:
    """Start the bulk query; returns the operation's id."""
    payload = raise_for_user_errors(
        client.execute(RUN_QUERY, {"query": BULK_QUERY}), "bulkOperationRunQuery"
    )
    return str(payload["bulkOperation"]["id"])


def wait_for_result(
    client: AdminClient,
    operation_id: str,
    *,
    sleep: Callable[[float], None] = time.sleep,
    poll_seconds: float = POLL_SECONDS,
) -> str | None:
    """Poll until the operation is done; returns its file's URL (None: nothing to read)."""
    waited = 0.0
    while True:
        found = client.execute(READ_OPERATION, {"id": operation_id}).get("node") or {}
        status = found.get("status")
        if status == "COMPLETED":
            url = found.get("url")
            return str(url) if url else None
        if status in FINISHED:
            raise BulkOperationFailed(
                f"Shopify's bulk operation ended {status} ({found.get('errorCode') or 'no code'})"
            )
        if waited > MAX_WAIT_SECONDS:
            raise BulkOperationFailed("Shopify's bulk operation did not finish in time")
        sleep(poll_seconds)
        waited += poll_seconds


def download_lines(url: str) -> list[str]:
    """The JSONL result, one record per line (the file's URL is signed; no token needed)."""
    with urllib.request.urlopen(url, timeout=300) as response:  # noqa: S310  (Shopify's URL)
        text: str = response.read().decode("utf-8")
    return [line for line in text.splitlines() if line.strip()]


def parse_lines(lines: list[str]) -> Iterator[BackfillRecord | None]:
    """Each JSONL line as a record, in order; None for a line that is not one (an order
    never paid, cancelled or a test), so line numbers stay checkpoints."""
    customers: dict[str, PastCustomer] = {}
    for line in lines:
        data = json.loads(line)
        parent = data.get("__parentId")
        if parent is None:
            customer = _customer(data)
            customers[str(data["id"])] = customer
            yield customer
        elif str(parent) in customers:
            yield _order(data, customers[str(parent)])
        else:
            yield None


def _customer(data: dict[str, Any]) -> PastCustomer:
    return PastCustomer(
        shopify_customer_id=_number(data["id"]),
        email=data.get("email"),
        first_name=data.get("firstName"),
        last_name=data.get("lastName"),
        created_at=_moment(data.get("createdAt")),
    )


def _order(data: dict[str, Any], customer: PastCustomer) -> PastOrder | None:
    if data.get("test") or data.get("cancelledAt"):
        return None
    if data.get("displayFinancialStatus") not in PAID_STATUSES:
        return None
    subtotal = _money(data.get("subtotalPriceSet"))
    current = _money(data.get("currentSubtotalPriceSet"), default=subtotal)
    paid_at = _moment(data.get("processedAt")) or _moment(data.get("createdAt"))
    if paid_at is None:
        return None
    shop_money = (data.get("subtotalPriceSet") or {}).get("shopMoney") or {}
    return PastOrder(
        shopify_order_id=_number(data["id"]),
        customer=customer,
        name=data.get("name"),
        currency=str(shop_money.get("currencyCode") or data.get("currencyCode") or ""),
        subtotal=current,
        refunded=max(subtotal - current, Decimal(0)),
        total_price=_money(data.get("totalPriceSet")),
        paid_at=paid_at,
        test=False,
    )


def _number(gid: Any) -> int:
    return int(str(gid).rsplit("/", 1)[-1])


def _money(bag: Any, default: Decimal = Decimal("0.00")) -> Decimal:
    amount = ((bag or {}).get("shopMoney") or {}).get("amount")
    return Decimal(str(amount)) if amount is not None else default


def _moment(text: Any) -> datetime | None:
    if not text:
        return None
    return datetime.fromisoformat(str(text).replace("Z", "+00:00"))
