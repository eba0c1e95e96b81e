"""Is the Redis broker answering? One PING over a plain socket, with a short timeout."""

from __future__ import annotations

import socket
from urllib.parse import unquote, urlparse

TIMEOUT_SECONDS = 1.0


def _command(*parts: str) -> bytes:
    encoded = [part.encode() for part in parts]
    return b"*%d\r\n" % len(encoded) + b"".join(
        b"$%d\r\n%s\r\n" % (len(part), part) for part in encoded
    )


def ping_broker(redis_url: str, timeout: float = TIMEOUT_SECONDS) -> str | None:
    """None when Redis answers PING (after AUTH when the URL has a password), else why not."""
    url = urlparse(redis_url)
    target: str | tuple[str, int]
    if url.scheme == "unix":
        family, target = socket.AF_UNIX, url.path
    else:
        family, target = socket.AF_INET, (url.hostname or "127.0.0.1", url.port or 6379)
    try:
        with socket.socket(family, socket.SOCK_STREAM) as conn:
            conn.settimeout(timeout)
            conn.connect(target)
            if url.scheme == "rediss":
                return "TLS brokers are not checked"
            if url.password:
                conn.sendall(
                    _command("AUTH", unquote(url.username), unquote(url.password))
                    if url.username
                    else _command("AUTH", unquote(url.password))
                )
                if not conn.recv(64).startswith(b"+OK"):
                    return "authentication refused"
            conn.sendall(_command("PING"))
            answer = conn.recv(64)
    except OSError as error:
        return f"unreachable: {type(error).__name__}"
    return None if answer.startswith(b"+PONG") else "unexpected answer to PING"
