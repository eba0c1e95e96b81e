"""Queued misbehaviour: the error statuses, slow answers and throttling Shopify can produce.

A test queues faults through the control surface; each Admin API (or OAuth) call takes the
first fault meant for it. A slow answer still does its work after the delay, as a real
server does when the client has already given up, so a timed-out mutation may have landed.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from flask import Response, jsonify

from shopify_loyalty.standin.state import Fault, ShopState, current_state

FAULT_STATUSES = (429, 500, 502, 503, 504)
FAULT_TARGETS = ("graphql", "oauth")
RETRY_AFTER_SECONDS = "1.0"


class FaultRequestError(ValueError):
    """The fault request names an unknown status, target or a bad count."""


def parse_faults(body: Mapping[str, Any]) -> list[Fault]:
    """Turn ``{"status"|"delay_seconds"|"graphql_error", "count", "target"}`` into faults."""
    count = body.get("count", 1)
    if not isinstance(count, int) or isinstance(count, bool) or not 1 <= count <= 1000:
        raise FaultRequestError("count must be an integer from 1 to 1000")
    target = body.get("target", "graphql")
    if target not in FAULT_TARGETS:
        raise FaultRequestError(f"target must be one of {', '.join(FAULT_TARGETS)}")
    status = body.get("status")
    if status is not None and status not in FAULT_STATUSES:
        raise FaultRequestError(f"status must be one of {FAULT_STATUSES}")
    delay = body.get("delay_seconds", 0.0)
    if not isinstance(delay, int | float) or isinstance(delay, bool) or not 0 <= delay <= 60:
        raise FaultRequestError("delay_seconds must be a number from 0 to 60")
    graphql_error = body.get("graphql_error")
    if graphql_error is not None and not isinstance(graphql_error, str):
        raise FaultRequestError("graphql_error must be an error code such as INTERNAL_SERVER_ERROR")
    if status is None and not delay and graphql_error is None:
        return []
    fault = Fault(
        status=status, delay_seconds=float(delay), graphql_error=graphql_error, target=target
    )
    return [fault] * count


def next_fault(shop_state: ShopState, target: str) -> Fault | None:
    """Take the next fault for ``target`` and serve its delay (outside the lock)."""
    standin = current_state()
    with standin.lock:
        fault = shop_state.take_fault(target)
    if fault is not None and fault.delay_seconds:
        time.sleep(fault.delay_seconds)
    return fault


def status_response(fault: Fault) -> Response:
    """Shopify's answer for an error status: JSON for 429/500, an HTML page for gateways."""
    status = fault.status or 500
    if status == 429:
        response = jsonify(
            {
                "errors": "Exceeded 2 calls per second for api client. "
                "Reduce request rates to resume uninterrupted service."
            }
        )
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    elif status == 500:
        response = jsonify({"errors": "Internal Server Error"})
    else:
        title = {502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout"}[status]
        response = Response(
            f"<!DOCTYPE html><html><head><title>{title}</title></head>"
            f"<body><h1>{title}</h1></body></html>",
            content_type="text/html; charset=utf-8",
        )
    response.status_code = status
    return response
