"""Bulk operations of a fake shop: ``bulkOperationRunQuery``, ``currentBulkOperation``,
``node(id:)`` for a ``BulkOperation``, and the JSONL result file.

As at Shopify, the query names one root connection (``customers`` or ``orders``) without
pagination arguments; the result has one JSON object per line, and the nodes of a nested
connection (a customer's ``orders``) follow their parent on lines of their own with a
``__parentId``. An operation reports ``RUNNING`` the first time it is read and
``COMPLETED`` after, so clients must poll as they do against Shopify. The file is served at
``GET /_standin/shops/<shop>/bulk/<id>.jsonl``.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, abort, request
from graphql import FieldNode, SelectionSetNode

from shopify_loyalty.standin import control
from shopify_loyalty.standin.admin_mutations import mutation_field
from shopify_loyalty.standin.admin_objects import (
    ResolveContext,
    customer_view,
    order_view,
    parse_gid,
    require,
    user_error,
)
from shopify_loyalty.standin.admin_queries import query_field
from shopify_loyalty.standin.graphql_exec import (
    Operation,
    RequestError,
    collect_fields,
    prepare,
    project,
)
from shopify_loyalty.standin.state import ShopState, current_shop, current_state, gid

# Kept on the shop's state object, so a stand-in reset forgets the operations with the shop.
ATTRIBUTE = "_standin_bulk_operations"
ROOTS = ("customers", "orders")


@dataclass
class BulkOperation:
    id: int
    query: str
    status: str
    created_at: datetime
    lines: list[str]
    url: str | None = None
    completed_at: datetime | None = None
    error_code: str | None = None
    reads: int = 0


def shop_operations(shop: ShopState) -> dict[int, BulkOperation]:
    operations: dict[int, BulkOperation] | None = getattr(shop, ATTRIBUTE, None)
    if operations is None:
        operations = {}
        setattr(shop, ATTRIBUTE, operations)
    return operations


def operation_view(
    operation: BulkOperation, now: datetime, *, count_read: bool = True
) -> dict[str, Any]:
    """The operation as read now: the first read sees it running, later ones completed."""
    operation.reads += 1 if count_read else 0
    if operation.status == "RUNNING" and operation.reads > 1:
        operation.status = "COMPLETED"
        operation.completed_at = now
    done = operation.status == "COMPLETED"
    return {
        "__typename": "BulkOperation",
        "__implements": ("Node",),
        "id": gid("BulkOperation", operation.id),
        "status": operation.status,
        "errorCode": operation.error_code,
        "query": operation.query,
        "type": "QUERY",
        "createdAt": operation.created_at,
        "completedAt": operation.completed_at,
        "objectCount": str(len(operation.lines)) if done else "0",
        "rootObjectCount": str(len(operation.lines)) if done else "0",
        "fileSize": str(sum(len(line) + 1 for line in operation.lines)) if done else None,
        "url": operation.url if done and operation.lines else None,
        "partialDataUrl": None,
    }


@mutation_field("bulkOperationRunQuery")
def bulk_operation_run_query(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any]:
    query = str(require(args, "query", "bulkOperationRunQuery"))
    operations = shop_operations(ctx.shop)
    if any(op.status in ("CREATED", "RUNNING") for op in operations.values()):
        return {
            "bulkOperation": None,
            "userErrors": [
                user_error(
                    ["query"],
                    "A bulk query operation for this app and shop is already in progress.",
                    "OPERATION_IN_PROGRESS",
                )
            ],
        }
    try:
        lines = list(_result_lines(ctx.shop, query))
    except RequestError as error:
        return {"bulkOperation": None, "userErrors": [user_error(["query"], error.message)]}
    number = ctx.shop.next_id()
    operation = BulkOperation(number, query, "RUNNING", ctx.now, lines)
    operation.url = f"{request.url_root}_standin/shops/{ctx.shop.domain}/bulk/{number}.jsonl"
    operations[number] = operation
    view = operation_view(operation, ctx.now, count_read=False)
    return {"bulkOperation": view, "userErrors": []}


@query_field("currentBulkOperation")
def current_bulk_operation(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    operations = shop_operations(ctx.shop)
    if not operations:
        return None
    return operation_view(operations[max(operations)], ctx.now)


def bulk_operation_node(ctx: ResolveContext, args: dict[str, Any]) -> dict[str, Any] | None:
    number = parse_gid(require(args, "id", "node"), "BulkOperation")
    found = shop_operations(ctx.shop).get(number) if number is not None else None
    return operation_view(found, ctx.now) if found else None


@control.bp.get("/shops/<shop>/bulk/<int:number>.jsonl")
def download_result(shop: str, number: int) -> Response:
    standin = current_state()
    shop_state = current_shop(shop)
    with standin.lock:
        found = shop_operations(shop_state).get(number)
        if found is None or found.status != "COMPLETED":
            abort(404)
        body = "".join(line + "\n" for line in found.lines)
    return Response(body, mimetype="application/jsonl")


def _result_lines(shop: ShopState, query: str) -> Iterator[str]:
    operation = prepare(query, {}, None)
    roots = list(collect_fields(operation.node.selection_set, operation))
    if len(roots) != 1 or roots[0].name.value not in ROOTS:
        raise RequestError(f"Bulk queries here read one of {', '.join(ROOTS)}")
    root = roots[0]
    node_selection = _node_selection(root)
    views = _root_views(shop, root.name.value)
    for item, view in views:
        yield from _node_lines(shop, item, view, node_selection, operation, parent=None)


def _root_views(shop: ShopState, root: str) -> list[tuple[Any, dict[str, Any]]]:
    if root == "customers":
        return [(c, customer_view(shop, c)) for c in sorted(shop.customers.values(), key=_id)]
    return [(o, order_view(shop, o)) for o in sorted(shop.orders.values(), key=_id)]


def _id(item: Any) -> int:
    return int(item.id)


# Nested connections a bulk query may follow: (parent type, field) -> the child items.
CHILDREN: dict[tuple[str, str], Callable[[ShopState, Any], list[tuple[Any, dict[str, Any]]]]] = {
    ("Customer", "orders"): lambda shop, customer: [
        (o, order_view(shop, o))
        for o in sorted(shop.orders.values(), key=_id)
        if o.customer_id == customer.id
    ],
}


def _node_lines(
    shop: ShopState,
    item: Any,
    view: dict[str, Any],
    selection: SelectionSetNode | None,
    operation: Operation,
    parent: str | None,
) -> Iterator[str]:
    nested: list[FieldNode] = []
    plain: list[FieldNode] = []
    for field in collect_fields(selection, operation, view):
        key = (str(view.get("__typename")), field.name.value)
        (nested if key in CHILDREN else plain).append(field)
    shaped = project(view, SelectionSetNode(selections=tuple(plain)), operation)
    if parent is not None:
        shaped["__parentId"] = parent
    yield json.dumps(shaped, separators=(",", ":"))
    for field in nested:
        children = CHILDREN[(str(view.get("__typename")), field.name.value)](shop, item)
        for child, child_view in children:
            yield from _node_lines(
                shop, child, child_view, _node_selection(field), operation, parent=view["id"]
            )


def _node_selection(field: FieldNode) -> SelectionSetNode | None:
    """The selection of one node of a connection field (``edges { node }`` or ``nodes``)."""
    for inner in field.selection_set.selections if field.selection_set else ():
        if isinstance(inner, FieldNode) and inner.name.value == "nodes":
            return inner.selection_set
        if isinstance(inner, FieldNode) and inner.name.value == "edges" and inner.selection_set:
            for edge_field in inner.selection_set.selections:
                if isinstance(edge_field, FieldNode) and edge_field.name.value == "node":
                    return edge_field.selection_set
    raise RequestError(f"Select the nodes of {field.name.value} with edges {{ node }} or nodes")
