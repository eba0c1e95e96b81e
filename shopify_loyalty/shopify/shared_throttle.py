"""A shop's Admin API cost bucket shared by every process, in Redis.

Shopify meters each shop's GraphQL calls in one bucket of cost points, whichever process
sends them, so the bucket we keep must be one per shop too. With ``REDIS_URL`` it is a Redis
hash per shop handled by two small Lua scripts (atomic, on Redis's own clock so machines
with skewed clocks agree): ``record`` takes what Shopify's last ``throttleStatus`` said, and
``wait_before`` restores the bucket by the time passed, takes the call's cost out of it
(even when that leaves it negative, so callers queue up behind each other) and answers
how long to wait until the bucket could pay. Without Redis each process keeps one
in-memory bucket per shop.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from redis import Redis
from redis.exceptions import RedisError

from shopify_loyalty.shopify.admin_client import Throttle, ThrottleState, bucket_of

log = logging.getLogger(__name__)

KEY_PREFIX = "loyalty:throttle:"
KEEP_SECONDS = 3600

_NOW = "local t = redis.call('TIME') local now = tonumber(t[1]) + tonumber(t[2]) / 1000000 "

RECORD = (
    _NOW
    + """
redis.call('HSET', KEYS[1], 'available', ARGV[1], 'maximum', ARGV[2], 'rate', ARGV[3], 'at', now)
redis.call('EXPIRE', KEYS[1], ARGV[4])
return 1
"""
)

RESERVE = (
    _NOW
    + """
local b = redis.call('HMGET', KEYS[1], 'available', 'maximum', 'rate', 'at')
local available, maximum = tonumber(b[1]), tonumber(b[2])
local rate, at = tonumber(b[3]), tonumber(b[4])
if not available or not maximum or not rate or rate <= 0 then return '0' end
local restored = math.min(maximum, available + math.max(0, now - at) * rate)
local cost = math.min(tonumber(ARGV[1]), maximum)
local left = restored - cost
redis.call('HSET', KEYS[1], 'available', tostring(left), 'at', tostring(now))
redis.call('EXPIRE', KEYS[1], ARGV[2])
if left >= 0 then return '0' end
return tostring(-left / rate)
"""
)


class RedisThrottle:
    """One shop's bucket in Redis; ``now`` arguments are ignored for Redis's clock."""

    def __init__(self, redis: Redis, shop_domain: str) -> None:
        self.key = KEY_PREFIX + shop_domain
        self._record = redis.register_script(RECORD)
        self._reserve = redis.register_script(RESERVE)

    def record(self, throttle_status: Mapping[str, Any], *, now: float = 0.0) -> None:
        if (bucket := bucket_of(throttle_status)) is None:
            return
        maximum, available, rate = bucket
        try:
            self._record(keys=[self.key], args=[available, maximum, rate, KEEP_SECONDS])
        except RedisError as error:
            log.warning("could not record the throttle status in Redis: %s", error)

    def wait_before(self, cost: float, *, now: float = 0.0) -> float:
        try:
            answer = self._reserve(keys=[self.key], args=[float(cost), KEEP_SECONDS])
        except RedisError as error:
            # Without the shared bucket, Shopify's THROTTLED answers still make us wait.
            log.warning("could not read the throttle bucket in Redis: %s", error)
            return 0.0
        return max(0.0, float(answer))


_local: dict[str, ThrottleState] = {}
_local_lock = threading.Lock()


def throttle_for(redis: Redis | None, shop_domain: str) -> Throttle:
    """The shop's bucket: shared through Redis when there is one, else this process's."""
    if redis is not None:
        return RedisThrottle(redis, shop_domain)
    with _local_lock:
        return _local.setdefault(shop_domain, ThrottleState())
