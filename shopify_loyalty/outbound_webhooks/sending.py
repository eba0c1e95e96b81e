"""One HTTP attempt of a webhook, to an address the destination check passed.

The request goes to the first checked address of the host (not to whatever the name
resolves to a moment later), with the URL's host name in the ``Host`` header and, over
HTTPS, in SNI and in the certificate check against the usual CA bundle (``certifi``, or
``REQUESTS_CA_BUNDLE`` when set, as for every other HTTPS request of the app). No
redirects, no retries here (the delivery schedules those), a connect and a read timeout.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import certifi
import urllib3
from urllib3.exceptions import HTTPError

from shopify_loyalty.errors import LoyaltyError
from shopify_loyalty.outbound_webhooks.addresses import Destination, check_destination

CONNECT_TIMEOUT_SECONDS = 5.0
READ_TIMEOUT_SECONDS = 10.0
EXCERPT_CHARACTERS = 500


@dataclass(frozen=True)
class Outcome:
    status_code: int | None = None
    excerpt: str | None = None
    error: str | None = None
    latency_ms: int = 0

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def post_webhook(url: str, body: bytes, headers: dict[str, str]) -> Outcome:
    try:
        destination = check_destination(url)
    except LoyaltyError as refused:
        return Outcome(error=f"not sent: {refused.message}"[:500])
    started = time.monotonic()
    try:
        with _pool(destination) as pool:
            response = pool.urlopen(
                "POST",
                destination.target,
                body=body,
                headers={**headers, "Host": destination.host_header},
                redirect=False,
                retries=False,
                preload_content=False,
            )
            try:
                raw = response.read(EXCERPT_CHARACTERS * 4, decode_content=True)
            finally:
                response.release_conn()
    except HTTPError as error:
        latency = int((time.monotonic() - started) * 1000)
        return Outcome(error=f"{type(error).__name__}: {error}"[:500], latency_ms=latency)
    latency = int((time.monotonic() - started) * 1000)
    excerpt = raw.decode("utf-8", errors="replace")[:EXCERPT_CHARACTERS]
    return Outcome(status_code=response.status, excerpt=excerpt, latency_ms=latency)


def _pool(destination: Destination) -> urllib3.HTTPConnectionPool:
    address = str(destination.addresses[0])
    timeout = urllib3.Timeout(connect=CONNECT_TIMEOUT_SECONDS, read=READ_TIMEOUT_SECONDS)
    if destination.scheme == "https":
        return urllib3.HTTPSConnectionPool(
            address,
            destination.port,
            timeout=timeout,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("REQUESTS_CA_BUNDLE") or certifi.where(),
            server_hostname=destination.host,
            assert_hostname=destination.host,
        )
    return urllib3.HTTPConnectionPool(address, destination.port, timeout=timeout, retries=False)
