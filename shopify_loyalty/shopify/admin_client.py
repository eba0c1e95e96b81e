"""The one outbound Admin GraphQL client, built on ShopifyAPI.

Rules (shopify_platform.md sections 3c and 6):

- Each call activates a ``shopify.Session`` for this shop and token, points
  ``ShopifyResource.site`` at ``SHOPIFY_ADMIN_URL`` (so the stand-in works) and clears the
  session afterwards: ShopifyAPI keeps session state per thread and class-wide.
- Before sending, it waits ``(cost - currentlyAvailable) / restoreRate`` seconds when the
  last ``extensions.cost.throttleStatus`` (restored since by elapsed time) cannot pay the
  expected cost; a ``THROTTLED`` answer waits the same way and retries.
- HTTP 429 waits ``Retry-After`` seconds; 5xx, timeouts, connection errors and Shopify's
  ``INTERNAL_SERVER_ERROR`` retry with exponential backoff and jitter (0.5 s base, 8 s cap).
  Every send counts toward ``max_attempts`` except the one retried after a refresh.
- Every failed attempt (429, 5xx, timeout, unreachable, throttled) is told to
  ``on_failure``, which the app uses to show recent failures per shop in ``/healthz``.
- HTTP 401 asks ``on_unauthorized`` once for a fresh token (refresh) and retries with it;
  whatever that callback raises (a dead refresh token) reaches the caller unchanged.
- Any other GraphQL error raises :class:`AdminApiError`; userErrors are the caller's to check
  with :func:`raise_for_user_errors`.

Tokens are never printed, logged or put in exception messages.
"""

from __future__ import annotations

import http.client
import json
import logging
import random
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import shopify

from shopify_loyalty.settings import Settings
from shopify_loyalty.shopify.oauth_client import checked_shop_domain

log = logging.getLogger(__name__)

ERROR_KINDS = ("throttled", "server", "timeout", "unauthorized", "graphql", "user")
DEFAULT_TIMEOUT_SECONDS = 15.0
BACKOFF_BASE_SECONDS = 0.5
BACKOFF_CAP_SECONDS = 8.0
DEFAULT_RETRY_AFTER_SECONDS = 1.0
MAX_RETRY_AFTER_SECONDS = 60.0
MUTATION_COST = 10
_PAGE_SIZE = re.compile(r"\b(?:first|last)\s*:\s*(\d+)")


class AdminApiError(Exception):
    """An Admin API call failed. ``kind`` is one of :data:`ERROR_KINDS`.

    ``retryable`` says whether the same call may succeed later (throttling, outages);
    ``errors`` holds Shopify's GraphQL errors or userErrors when there were any.
    """

    def __init__(
        self,
        message: str,
        *,
        kind: str,
        retryable: bool,
        status: int | None = None,
        errors: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.message = message
        self.kind = kind
        self.retryable = retryable
        self.status = status
        self.errors = list(errors)


class AdminUserError(AdminApiError):
    """A mutation answered with ``userErrors``: Shopify refused the input, nothing changed."""

    def __init__(self, errors: Sequence[Mapping[str, Any]], mutation_name: str = "") -> None:
        described = "; ".join(
            f"{'.'.join(str(p) for p in (e.get('field') or []))}: {e.get('message')}"
            + (f" [{e['code']}]" if e.get("code") else "")
            for e in errors
        )
        super().__init__(
            f"{mutation_name or 'mutation'} refused: {described}",
            kind="user",
            retryable=False,
            errors=errors,
        )
        self.mutation_name = mutation_name

    @property
    def codes(self) -> list[str]:
        return [str(e["code"]) for e in self.errors if e.get("code")]


def raise_for_user_errors(payload_root: Mapping[str, Any], mutation_name: str) -> dict[str, Any]:
    """Return the mutation's payload, or raise :class:`AdminUserError` for its userErrors.

    ``payload_root`` is the ``data`` of the answer (the payload is ``data[mutation_name]``)
    or the mutation payload itself.
    """
    payload = payload_root.get(mutation_name) if mutation_name in payload_root else payload_root
    if not isinstance(payload, Mapping):
        raise AdminApiError(f"{mutation_name} returned no payload", kind="graphql", retryable=False)
    errors = payload.get("userErrors") or []
    if errors:
        raise AdminUserError(errors, mutation_name)
    return dict(payload)


class Throttle(Protocol):
    """A shop's cost bucket as the client uses it (``now`` is the client's clock)."""

    def record(self, throttle_status: Mapping[str, Any], *, now: float) -> None: ...

    def wait_before(self, cost: float, *, now: float) -> float: ...


def bucket_of(throttle_status: Mapping[str, Any]) -> tuple[float, float, float] | None:
    """Shopify's ``throttleStatus`` as (maximum available, currently available, restore rate),
    or None when it is missing or malformed."""
    try:
        return (
            float(throttle_status["maximumAvailable"]),
            float(throttle_status["currentlyAvailable"]),
            float(throttle_status["restoreRate"]),
        )
    except (KeyError, TypeError, ValueError):
        return None


@dataclass
class ThrottleState:
    """What the last answer said about a shop's cost bucket, restored by elapsed time.

    One per shop and process; with Redis, shopify.shared_throttle.RedisThrottle (same two
    methods) shares the bucket between processes.
    """

    maximum_available: float | None = None
    currently_available: float | None = None
    restore_rate: float | None = None
    observed_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def record(self, throttle_status: Mapping[str, Any], *, now: float) -> None:
        if (bucket := bucket_of(throttle_status)) is None:
            return
        maximum, available, rate = bucket
        with self._lock:
            self.maximum_available, self.currently_available = maximum, available
            self.restore_rate, self.observed_at = rate, now

    def wait_before(self, cost: float, *, now: float) -> float:
        """Seconds to wait until the bucket can pay ``cost`` (0 when unknown or enough)."""
        with self._lock:
            if self.currently_available is None or not self.restore_rate:
                return 0.0
            restored = self.currently_available + (now - self.observed_at) * self.restore_rate
            available = min(self.maximum_available or restored, restored)
            # A cost above the bucket size is refused outright (MAX_COST_EXCEEDED): no waiting.
            cost = min(cost, self.maximum_available or cost)
            if available >= cost:
                return 0.0
            return (cost - available) / self.restore_rate


class _TimedGraphQL(shopify.GraphQL):
    """ShopifyAPI's GraphQL call with a socket timeout, and without printing error bodies."""

    def __init__(self, timeout: float) -> None:
        super().__init__()
        self.timeout = timeout

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        operation_name: str | None = None,
    ) -> str:
        headers = self.merge_headers(
            {"Accept": "application/json", "Content-Type": "application/json"}, self.headers
        )
        data = json.dumps(
            {"query": query, "variables": variables, "operationName": operation_name}
        ).encode()
        request = urllib.request.Request(self.endpoint, data, headers, method="POST")  # noqa: S310
        with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310
            body: bytes = response.read()
        return body.decode("utf-8")


class AdminClient:
    """Admin GraphQL for one shop and access token (see the module docstring for rules)."""

    def __init__(
        self,
        settings: Settings,
        shop_domain: str,
        access_token: str,
        *,
        on_unauthorized: Callable[[], str | None] | None = None,
        on_failure: Callable[[AdminApiError], None] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = 6,
        throttle: Throttle | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        rng: random.Random | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.shop_domain = checked_shop_domain(shop_domain)
        self._settings = settings
        self._access_token = access_token
        self._on_unauthorized = on_unauthorized
        self._on_failure = on_failure
        self._sleep = sleep
        self.max_attempts = max(1, max_attempts)
        self.throttle: Throttle = throttle if throttle is not None else ThrottleState()
        self.timeout = timeout
        self._rng = rng or random.Random()
        self._clock = clock
        self._site = (
            settings.admin_base_url(self.shop_domain) + f"/admin/api/{settings.api_version}"
        )
        self._expected_costs: dict[str, float] = {}
        self.last_cost: dict[str, Any] | None = None

    def __repr__(self) -> str:
        return f"AdminClient(shop_domain={self.shop_domain!r})"

    def execute(
        self,
        query: str,
        variables: Mapping[str, Any] | None = None,
        *,
        operation_name: str | None = None,
    ) -> dict[str, Any]:
        """Run a query or mutation and return its ``data``; waits and retries as documented."""
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            expected = self._expected_costs.get(query) or _estimate_cost(query, variables)
            wait = self.throttle.wait_before(expected, now=self._clock())
            if wait > 0:
                self._sleep(wait)
            try:
                raw = self._send(query, variables, operation_name)
            except urllib.error.HTTPError as error:
                status = error.code
                retry_after = error.headers.get("Retry-After") if error.headers else None
                error.close()
                if status == 401:
                    if self._on_unauthorized is not None and not refreshed:
                        refreshed = True
                        fresh = self._on_unauthorized()
                        if fresh:
                            self._access_token = fresh
                            attempt -= 1
                            continue
                    raise AdminApiError(
                        "Shopify refused the access token (HTTP 401)",
                        kind="unauthorized",
                        retryable=False,
                        status=401,
                    ) from None
                if status == 429:
                    failure = AdminApiError(
                        "Shopify rate limit (HTTP 429)",
                        kind="throttled",
                        retryable=True,
                        status=429,
                    )
                    delay = _retry_after(retry_after)
                elif status >= 500:
                    failure = AdminApiError(
                        f"Shopify server error (HTTP {status})",
                        kind="server",
                        retryable=True,
                        status=status,
                    )
                    delay = self._backoff(attempt)
                else:
                    raise AdminApiError(
                        f"Shopify refused the request (HTTP {status})",
                        kind="unauthorized" if status in (402, 403, 423) else "server",
                        retryable=False,
                        status=status,
                    ) from None
            except (TimeoutError, urllib.error.URLError, http.client.HTTPException, OSError) as e:
                timed_out = isinstance(e, TimeoutError) or isinstance(
                    getattr(e, "reason", None), TimeoutError
                )
                failure = AdminApiError(
                    "Shopify did not answer in time" if timed_out else "Could not reach Shopify",
                    kind="timeout" if timed_out else "server",
                    retryable=True,
                )
                delay = self._backoff(attempt)
            else:
                outcome = self._read_answer(raw, query)
                if isinstance(outcome, dict):
                    return outcome
                failure, answer_delay = outcome
                delay = self._backoff(attempt) if answer_delay is None else answer_delay
            if self._on_failure is not None:
                self._on_failure(failure)
            if attempt >= self.max_attempts:
                raise failure
            log.info(
                "Admin API call for %s failed (%s); retry %d of %d",
                self.shop_domain,
                failure.kind,
                attempt,
                self.max_attempts - 1,
            )
            if delay > 0:
                self._sleep(delay)

    def _read_answer(
        self, raw: str, query: str
    ) -> dict[str, Any] | tuple[AdminApiError, float | None]:
        """``data`` on success; else the failure and its delay (None: use backoff)."""
        try:
            body = json.loads(raw)
        except ValueError:
            return AdminApiError(
                "Shopify answered with invalid JSON", kind="server", retryable=True
            ), None
        if not isinstance(body, dict):
            return AdminApiError(
                "Shopify answered with an unexpected body", kind="server", retryable=True
            ), None
        cost = (body.get("extensions") or {}).get("cost")
        if isinstance(cost, dict):
            self.last_cost = cost
            if isinstance(cost.get("throttleStatus"), dict):
                self.throttle.record(cost["throttleStatus"], now=self._clock())
            if isinstance(cost.get("requestedQueryCost"), int | float):
                self._expected_costs[query] = float(cost["requestedQueryCost"])
        errors = body.get("errors")
        if not errors:
            data = body.get("data")
            return dict(data) if isinstance(data, dict) else {}
        entries: list[Any] = errors if isinstance(errors, list) else [{"message": str(errors)}]
        codes = {((e.get("extensions") or {}).get("code")) for e in entries if isinstance(e, dict)}
        if "THROTTLED" in codes:
            # No extra delay: the wait before the next send pays (cost - available) / rate.
            return AdminApiError(
                "Throttled by Shopify", kind="throttled", retryable=True, errors=entries
            ), 0.0
        if "INTERNAL_SERVER_ERROR" in codes:
            return AdminApiError(
                "Shopify internal error", kind="server", retryable=True, errors=entries
            ), None
        messages = "; ".join(str(e.get("message")) for e in entries if isinstance(e, dict))
        raise AdminApiError(
            f"GraphQL errors: {messages}", kind="graphql", retryable=False, errors=entries
        )

    def _send(
        self, query: str, variables: Mapping[str, Any] | None, operation_name: str | None
    ) -> str:
        session = shopify.Session(self.shop_domain, self._settings.api_version, self._access_token)
        shopify.ShopifyResource.activate_session(session)
        try:
            shopify.ShopifyResource.site = self._site
            graphql = _TimedGraphQL(self.timeout)
            answer: str = graphql.execute(query, dict(variables or {}), operation_name)
            return answer
        finally:
            shopify.ShopifyResource.clear_session()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * 2 ** (attempt - 1))
        return ceiling / 2 + self._rng.uniform(0, ceiling / 2)


def _retry_after(value: str | None) -> float:
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER_SECONDS
    except ValueError:
        seconds = DEFAULT_RETRY_AFTER_SECONDS
    if seconds != seconds or seconds < 0:  # NaN or negative
        seconds = DEFAULT_RETRY_AFTER_SECONDS
    return min(seconds, MAX_RETRY_AFTER_SECONDS)


def _estimate_cost(query: str, variables: Mapping[str, Any] | None) -> float:
    """A first guess at a query's cost before Shopify has told us (mutations cost 10)."""
    if query.lstrip().startswith("mutation"):
        return MUTATION_COST
    sizes = [int(n) for n in _PAGE_SIZE.findall(query)]
    sizes += [
        int(v)
        for k, v in (variables or {}).items()
        if k in ("first", "last") and isinstance(v, int)
    ]
    return float(1 + sum(2 + n for n in sizes))
