"""With REDIS_URL the storefront's write limits are counted in Redis, shared by every web
process, and the database keeps no counters."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis
from sqlalchemy import func, select

from shopify_loyalty.app import create_app
from shopify_loyalty.services import EXTENSION_KEY, Services
from shopify_loyalty.settings import load_settings
from shopify_loyalty.storefront.models import RateLimitCounter
from shopify_loyalty.storefront.rate_limits import (
    SHOP_WRITES_PER_MINUTE,
    SHOPPER_WRITES_PER_MINUTE,
)
from shopify_loyalty.storefront.shared_rate_limits import count_write_in_redis
from tests.conftest import new_id
from tests.engine.conftest import admin_headers, deliver, points_of  # noqa: F401
from tests.live_server import LiveServer
from tests.storefront.conftest import ProxyClient, member  # noqa: F401
from tests.storefront.test_rate_limits import start_early_in_a_window

BIRTHDAY = {"birthday": "1990-05-17"}


@pytest.fixture
def redis_proxy(
    worker_environ: dict[str, str], broker: redis.Redis, shop: str
) -> Iterator[ProxyClient]:
    """The app proxy of a web process with REDIS_URL (no worker of its own)."""
    server = LiveServer()
    app = create_app(load_settings({**worker_environ, "APP_URL": server.url}))
    server.start(app)
    yield ProxyClient(server.client(), shop)
    server.stop()
    app_services: Services = app.extensions[EXTENSION_KEY]
    app_services.db.dispose()


def counters(services: Services) -> int:
    with services.db.sessions() as session:
        return session.scalar(select(func.count()).select_from(RateLimitCounter)) or 0


def test_a_shopper_is_limited_in_redis_and_the_database_keeps_no_counter(
    redis_proxy: ProxyClient,
    member: Callable[[int], int],  # noqa: F811
    services: Services,
) -> None:
    customer, neighbour = member(0), member(0)
    start_early_in_a_window()
    for _ in range(SHOPPER_WRITES_PER_MINUTE):
        assert redis_proxy.post("/api/birthday", customer, BIRTHDAY).status_code == 200

    refused = redis_proxy.post("/api/birthday", customer, BIRTHDAY)

    assert refused.status_code == 429
    assert refused.json()["error"] == "rate_limited"
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert redis_proxy.post("/api/birthday", neighbour, BIRTHDAY).status_code == 200
    assert counters(services) == 0


def test_the_whole_shop_is_limited_across_web_processes_through_redis(
    redis_proxy: ProxyClient,
    member: Callable[[int], int],  # noqa: F811
    broker: redis.Redis,
    shop: str,
) -> None:
    shopper = member(0)
    start_early_in_a_window()
    # Another web process counted the shop's writes in the same Redis.
    for _ in range(SHOP_WRITES_PER_MINUTE):
        assert count_write_in_redis(broker, shop, new_id()) is None

    refused = redis_proxy.post("/api/birthday", shopper, BIRTHDAY)

    assert refused.status_code == 429


def test_every_write_runs_the_script_by_its_sha_never_by_sending_its_text(
    redis_url: str, broker: redis.Redis, shop: str
) -> None:
    # A Redis user that may do anything but EVAL: counting works only through EVALSHA (and
    # SCRIPT LOAD when Redis does not hold the script yet).
    user = f"loyalty-test-{new_id()}"
    broker.acl_setuser(user, enabled=True, nopass=True, keys=["*"], commands=["+@all", "-eval"])
    counting = redis.Redis.from_url(redis_url, username=user, password="")
    try:
        with pytest.raises(redis.exceptions.NoPermissionError):
            counting.eval("return 1", 0)
        shopper = new_id()
        start_early_in_a_window()

        waits = [
            count_write_in_redis(counting, shop, shopper)
            for _ in range(SHOPPER_WRITES_PER_MINUTE + 1)
        ]

        assert waits[:-1] == [None] * SHOPPER_WRITES_PER_MINUTE
        assert waits[-1] is not None and 1 <= waits[-1] <= 60
    finally:
        counting.close()
        broker.acl_deluser(user)
