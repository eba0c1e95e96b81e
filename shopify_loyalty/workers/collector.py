"""The garbage collector of a Celery worker (set for applying batches of events) and of a
web process.

Applying a batch of paid orders makes and drops thousands of short-lived objects (rows read
back, statements' parameters, payloads). CPython's cyclic collector runs after every 700 net
allocations, and every tenth and hundredth run walks the older generations, which hold the
whole loaded application: about 570 collections for a thousand paid orders. Nothing the
worker makes forms cycles that must be freed at once (reference counting frees the rest),
so the application loaded before the fork is frozen (never walked again, and its pages stay
shared with the children) and the youngest generation is collected ten times less often.
A web process, which loads the app after gunicorn forks it, does the same once loaded: a
request makes short-lived objects the same way.
"""

from __future__ import annotations

import gc

# Net allocations between collections of the youngest generation (CPython's default: 700),
# then how many of those before each older generation (CPython's: 10 and 10).
THRESHOLDS = (7000, 10, 10)


def settle_collector() -> None:
    """Freeze what is loaded now and space the collections out (call before forking)."""
    # No full collection first: it would walk the 140,000 objects of the loaded application
    # (a tenth of a second of the worker's start) to free the few dozen its start left.
    gc.freeze()
    gc.set_threshold(*THRESHOLDS)
