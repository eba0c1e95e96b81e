"""How many web processes and threads ``serve`` starts unless told otherwise."""

from __future__ import annotations

import os

# Threads per web process. A request mostly waits (for PostgreSQL, for Shopify), and the
# webhook receiver stores the deliveries that arrive together in one commit, so many threads
# in few processes serve more than many processes of few threads.
DEFAULT_THREADS = 16


def default_workers() -> int:
    """One web process per core plus one: each has ``DEFAULT_THREADS`` threads."""
    return (os.cpu_count() or 1) + 1
