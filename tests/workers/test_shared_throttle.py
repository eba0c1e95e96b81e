"""The Admin API cost bucket of a shop is one for every process, through Redis."""

from __future__ import annotations

import subprocess
import sys

from shopify_loyalty.shopify.shared_throttle import RedisThrottle, throttle_for

SHOP = "throttled-goods.myshopify.com"

SPEND_ALL = """
import sys
from redis import Redis
from shopify_loyalty.shopify.shared_throttle import RedisThrottle
bucket = RedisThrottle(Redis.from_url(sys.argv[1]), sys.argv[2])
bucket.record({"maximumAvailable": 100, "currentlyAvailable": 100, "restoreRate": 5})
print(bucket.wait_before(100))
"""

ASK = """
import sys
from redis import Redis
from shopify_loyalty.shopify.shared_throttle import RedisThrottle
print(RedisThrottle(Redis.from_url(sys.argv[1]), sys.argv[2]).wait_before(50))
"""


def run(script: str, redis_url: str) -> float:
    answer = subprocess.run(  # noqa: S603  (this interpreter, our own script)
        [sys.executable, "-c", script, redis_url, SHOP],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return float(answer.stdout.strip())


def test_what_one_process_spends_another_process_waits_for(redis_url: str, broker) -> None:
    assert run(SPEND_ALL, redis_url) == 0.0  # the whole bucket, at once

    waited = run(ASK, redis_url)  # another process, a moment later

    # 50 points at 5 a second, less what was restored while the second process started.
    assert 5.0 < waited <= 10.0


def test_callers_queue_up_behind_each_other(broker) -> None:
    bucket = RedisThrottle(broker, SHOP)
    bucket.record({"maximumAvailable": 1000, "currentlyAvailable": 100, "restoreRate": 100})
    waits = [bucket.wait_before(100) for _ in range(4)]
    assert waits[0] == 0.0
    assert [round(w) for w in waits[1:]] == [1, 2, 3]


def test_without_redis_each_process_keeps_one_bucket_per_shop() -> None:
    assert throttle_for(None, SHOP) is throttle_for(None, SHOP)
    assert throttle_for(None, SHOP) is not throttle_for(None, "other.myshopify.com")
