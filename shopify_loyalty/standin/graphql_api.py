"""The Admin GraphQL endpoint of a fake shop: ``POST /<shop>/admin/api/<version>/graphql.json``.

Order of checks, as Shopify answers them: queued faults (status or delay), then the
``X-Shopify-Access-Token`` (401 with Shopify's message when unknown or expired), then the
document; then the cost bucket, which refuses with ``THROTTLED`` (HTTP 200, nothing
changed) when it holds fewer points than the requested cost. Every answer carries
``extensions.cost``. An unknown root field is a GraphQL error with HTTP 200.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response, jsonify, request

from shopify_loyalty.standin import (
    flow_triggers,  # noqa: F401  (registers flowTriggerReceive)
    metafield_definitions,  # noqa: F401  (registers it)
)
from shopify_loyalty.standin.admin_mutations import MUTATION_FIELDS
from shopify_loyalty.standin.admin_objects import ResolveContext
from shopify_loyalty.standin.admin_queries import QUERY_FIELDS
from shopify_loyalty.standin.faults import next_fault, status_response
from shopify_loyalty.standin.graphql_exec import (
    FieldError,
    Operation,
    RequestError,
    collect_fields,
    error_entry,
    prepare,
    project,
    requested_cost,
    response_key,
)
from shopify_loyalty.standin.graphql_exec import arguments as field_arguments
from shopify_loyalty.standin.state import ShopState, current_shop, current_state

THROTTLE_DOCS = "https://shopify.dev/api/usage/rate-limits"
INVALID_TOKEN = "[API] Invalid API key or access token (unrecognized login or wrong password)"  # noqa: S105

bp = Blueprint("standin_graphql", __name__)


def _cost(requested: int, actual: int | None, shop_state: ShopState) -> dict[str, Any]:
    return {
        "cost": {
            "requestedQueryCost": requested,
            "actualQueryCost": actual,
            "throttleStatus": shop_state.bucket.status(),
        }
    }


@bp.post("/<shop>/admin/api/<version>/graphql.json")
def graphql_endpoint(shop: str, version: str) -> Any:
    standin = current_state()
    shop_state = current_shop(shop)
    fault = next_fault(shop_state, "graphql")
    if fault is not None and fault.status is not None:
        with standin.lock:
            shop_state.log("graphql", "fault", fault.status, standin.now())
        return status_response(fault)

    with standin.lock:
        now = standin.now()
        token = shop_state.live_token(request.headers.get("X-Shopify-Access-Token"), now)
        if token is None:
            shop_state.log("graphql", "invalid token", 401, now)
            return jsonify({"errors": INVALID_TOKEN}), 401

    query, variables, operation_name = _read_body()
    if query is None:
        with standin.lock:
            shop_state.log("graphql", "bad body", 400, now)
        return jsonify({"errors": {"query": "Required parameter missing or invalid"}}), 400

    with standin.lock:
        try:
            operation = prepare(query, variables, operation_name)
        except RequestError as error:
            shop_state.log("graphql", "invalid document", 200, now)
            entry: dict[str, Any] = {"message": error.message}
            if error.locations:
                entry["locations"] = error.locations
            return jsonify({"errors": [entry], "extensions": _cost(0, 0, shop_state)})
        if fault is not None and fault.graphql_error:
            shop_state.log("graphql", f"fault {fault.graphql_error}", 200, now)
            return _graphql_error_fault(fault.graphql_error, shop_state)
        ctx = ResolveContext(standin, shop_state, token, now, version)
        body = _execute(operation, ctx)
        detail = ",".join(
            f.name.value for f in collect_fields(operation.node.selection_set, operation)
        )
        shop_state.log("graphql", detail, 200, now)
    return jsonify(body)


def _read_body() -> tuple[str | None, dict[str, Any] | None, str | None]:
    if request.mimetype == "application/graphql":
        return request.get_data(as_text=True), None, None
    try:
        payload = json.loads(request.get_data(as_text=True) or "null")
    except ValueError:
        return None, None, None
    if not isinstance(payload, dict) or not isinstance(payload.get("query"), str):
        return None, None, None
    variables = payload.get("variables")
    return (
        payload["query"],
        variables if isinstance(variables, dict) else None,
        payload.get("operationName") or None,
    )


def _graphql_error_fault(code: str, shop_state: ShopState) -> Response:
    message = {
        "INTERNAL_SERVER_ERROR": "Internal error. Looks like something went wrong on our end.",
    }.get(code, code.replace("_", " ").capitalize())
    return jsonify(
        {
            "errors": [{"message": message, "extensions": {"code": code}}],
            "extensions": _cost(1, 1, shop_state),
        }
    )


def _execute(operation: Operation, ctx: ResolveContext) -> dict[str, Any]:
    """Validate root fields, charge the bucket, resolve. Caller holds the lock."""
    shop_state = ctx.shop
    resolvers = MUTATION_FIELDS if operation.is_mutation else QUERY_FIELDS
    roots = list(collect_fields(operation.node.selection_set, operation))
    unknown = [f for f in roots if f.name.value not in resolvers and f.name.value != "__typename"]
    cost = requested_cost(operation)
    if unknown:
        return {
            "errors": [
                {
                    **error_entry(
                        f"Field '{f.name.value}' doesn't exist on type '{operation.root_type}'",
                        field=f,
                        path=[
                            "mutation" if operation.is_mutation else "query",
                            f.name.value,
                        ],
                    ),
                    "extensions": {
                        "code": "undefinedField",
                        "typeName": operation.root_type,
                        "fieldName": f.name.value,
                    },
                }
                for f in unknown
            ],
            "extensions": _cost(cost, 0, shop_state),
        }
    shop_state.bucket.refill()
    if cost > shop_state.bucket.maximum_available:
        return {
            "errors": [
                {
                    "message": f"Query cost is {cost}, which exceeds the single query max cost "
                    f"limit ({int(shop_state.bucket.maximum_available)}).",
                    "extensions": {
                        "code": "MAX_COST_EXCEEDED",
                        "cost": cost,
                        "maxCost": int(shop_state.bucket.maximum_available),
                        "documentation": THROTTLE_DOCS,
                    },
                }
            ],
            "extensions": _cost(cost, None, shop_state),
        }
    if not shop_state.bucket.spend(cost):
        return {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {"code": "THROTTLED", "documentation": THROTTLE_DOCS},
                }
            ],
            "extensions": _cost(cost, None, shop_state),
        }
    data: dict[str, Any] = {}
    errors: list[dict[str, Any]] = []
    for field in roots:
        key = response_key(field)
        if field.name.value == "__typename":
            data[key] = operation.root_type
            continue
        try:
            value = resolvers[field.name.value](ctx, field_arguments(field, operation))
            data[key] = project(value, field.selection_set, operation)
        except FieldError as error:
            data[key] = None
            errors.append(error_entry(error.message, field=field, path=[key], code=error.code))
    body: dict[str, Any] = {"data": data}
    if errors:
        body["errors"] = errors
    body["extensions"] = _cost(cost, cost, shop_state)
    return body
