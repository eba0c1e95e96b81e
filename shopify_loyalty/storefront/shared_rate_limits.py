"""The storefront's write limits counted in Redis, when there is one.

The same rule as storefront.rate_limits (a fixed one-minute window, per shopper and per
shop, a refused shopper's hit not counted against the shop), in one Lua script so the two
counters move atomically and on Redis's clock, the same for every web process on every
machine. This spares the database a write per storefront write. The script is sent by
its SHA1 (EVALSHA), its text only when Redis does not hold it yet. If Redis fails, the
caller counts in the database instead.
"""

from __future__ import annotations

from redis import Redis

from shopify_loyalty.storefront.rate_limits import (
    SHOP_KEY,
    SHOP_WRITES_PER_MINUTE,
    SHOPPER_WRITES_PER_MINUTE,
    WINDOW,
    shopper_key,
)

KEY_PREFIX = "loyalty:ratelimit:"

COUNT = """
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local window = tonumber(ARGV[4])
local start = math.floor(now / window) * window
local wait = math.max(1, math.ceil(start + window - now))
local shopper = ARGV[1] .. ARGV[2] .. ':' .. start
local hits = redis.call('INCR', shopper)
if hits == 1 then redis.call('EXPIRE', shopper, window * 2) end
if hits > tonumber(ARGV[5]) then return wait end
local shop = ARGV[1] .. ARGV[3] .. ':' .. start
hits = redis.call('INCR', shop)
if hits == 1 then redis.call('EXPIRE', shop, window * 2) end
if hits > tonumber(ARGV[6]) then return wait end
return 0
"""


def count_write_in_redis(redis: Redis, shop_domain: str, shopify_customer_id: int) -> int | None:
    """Count one write of the shopper; the seconds to wait when a limit is exceeded, else
    None. Raises redis.RedisError when Redis cannot be reached."""
    count = redis.register_script(COUNT)
    wait = count(
        args=[
            f"{KEY_PREFIX}{shop_domain}:",
            shopper_key(shopify_customer_id),
            SHOP_KEY,
            int(WINDOW.total_seconds()),
            SHOPPER_WRITES_PER_MINUTE,
            SHOP_WRITES_PER_MINUTE,
        ]
    )
    return int(wait) or None
