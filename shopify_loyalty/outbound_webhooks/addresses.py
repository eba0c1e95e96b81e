"""Where the app may send webhooks: HTTPS URLs whose host resolves only to public addresses.

A merchant (or whoever holds a session) must not be able to point the app at the machines
around it, so the host name is resolved and every address it has is checked: loopback,
private, link-local (cloud metadata), shared, multicast, reserved and unspecified
addresses are refused, IPv4 inside IPv6 included. The check runs when an endpoint is saved
and again before every attempt, and the attempt connects to an address the check passed
(sending.py), so a DNS answer that changes in between cannot redirect it; redirects are
never followed.
``LOYALTY_WEBHOOKS_ALLOW_LOOPBACK=1`` lets tests and the demo use 127.0.0.1 (see config).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from shopify_loyalty.errors import InvalidInput
from shopify_loyalty.outbound_webhooks.config import loopback_allowed

MAX_URL_LENGTH = 2048
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class RefusedDestination(InvalidInput):
    """The URL may not receive webhooks; the message says why."""


@dataclass(frozen=True)
class Destination:
    """A URL that passed the check, with the addresses its host resolved to."""

    scheme: str
    host: str
    port: int
    target: str  # path and query, as sent in the request line
    addresses: tuple[IPAddress, ...]

    @property
    def host_header(self) -> str:
        name = f"[{self.host}]" if ":" in self.host else self.host
        default = 443 if self.scheme == "https" else 80
        return name if self.port == default else f"{name}:{self.port}"


def check_destination(url: str) -> Destination:
    """The checked destination of ``url``; raises :class:`RefusedDestination` (field
    ``url``) unless ``url`` may receive webhooks."""
    if not isinstance(url, str) or not url.strip():
        raise RefusedDestination("url is required: an https:// address", field="url")
    if len(url) > MAX_URL_LENGTH:
        raise RefusedDestination(f"url must be at most {MAX_URL_LENGTH} characters", field="url")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise RefusedDestination("url is not a valid URL", field="url") from None
    host = parts.hostname
    if parts.scheme not in ("https", "http") or not host:
        raise RefusedDestination("url must be an https:// address", field="url")
    if parts.username or parts.password:
        raise RefusedDestination("url must not carry a user name or password", field="url")
    port = port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(host, port)
    loopback = loopback_allowed() and all(address.is_loopback for address in addresses)
    if parts.scheme != "https" and not loopback:
        raise RefusedDestination("url must be an https:// address", field="url")
    for address in addresses:
        if not (loopback or is_public(address)):
            raise RefusedDestination(
                f"url must reach a public address; {host} resolves to {address}", field="url"
            )
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Destination(parts.scheme, host, port, target, tuple(addresses))


def resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise RefusedDestination(f"url's host {host} cannot be resolved", field="url") from None
    addresses = [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]
    if not addresses:
        raise RefusedDestination(f"url's host {host} cannot be resolved", field="url")
    return addresses


def is_public(address: IPAddress) -> bool:
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour or _teredo_client(address)
        if embedded is not None and not is_public(embedded):
            return False
    return not (
        address.is_loopback
        or address.is_private
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or address in ipaddress.ip_network("100.64.0.0/10")  # shared address space (CGNAT)
        or not address.is_global
    )


def _teredo_client(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    teredo = address.teredo
    return teredo[1] if teredo else None
