"""Messages told by the periodic work: the expiry warning and its last chance, and the
account anniversary; each once, however often the periodic work runs."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from shopify_loyalty.notifications.periodic import run_periodic as notify
from shopify_loyalty.points.periodic import run_periodic as points_periodic
from shopify_loyalty.services import Services
from tests.conftest import new_id
from tests.notifications.conftest import Deliver, ExpiringPoints, Outbox, member_payload


def test_expiring_points_get_a_warning_then_a_last_chance_once_each(
    member_with_expiring_points: Callable[[], ExpiringPoints],
    outbox: Outbox,
    services: Services,
    shop: str,
    settle: Callable[..., None],
) -> None:
    member = member_with_expiring_points()
    ends, remind_at = member.ends, member.remind_at

    points_periodic(services, shop, remind_at)
    first = notify(services, shop, remind_at)
    again = notify(services, shop, remind_at + timedelta(hours=1))
    too_early = notify(services, shop, ends - timedelta(days=4))
    last_chance = notify(services, shop, ends - timedelta(days=2))
    last_chance_again = notify(services, shop, ends - timedelta(days=1))
    settle()

    assert (first, again, too_early, last_chance, last_chance_again) == (1, 0, 0, 1, 0)
    sent = outbox.emails()
    assert [email.kind for email in sent] == ["welcome", "points_expiring", "points_last_chance"]
    expires_on = ends.date().isoformat()
    assert sent[1].email["Subject"] == f"Your 100 points expire on {expires_on}"
    assert sent[2].email["Subject"] == f"Last chance: 100 points expire on {expires_on}"
    assert f"your 100 points expire on {expires_on}" in sent[2].text


def test_an_account_anniversary_is_celebrated_once(
    deliver: Deliver,
    outbox: Outbox,
    services: Services,
    shop: str,
    settle: Callable[..., None],
) -> None:
    customer_id = new_id()
    deliver(
        "customers/create",
        member_payload(customer_id, locale="de", created_at="2025-11-20T13:58:02+01:00"),
    )
    day = datetime.fromisoformat("2026-11-20T15:00:00+00:00")

    points_periodic(services, shop, day)
    points_periodic(services, shop, day + timedelta(hours=1))
    told = notify(services, shop, day)
    told_again = notify(services, shop, day + timedelta(hours=1))
    settle()

    assert (told, told_again) == (1, 0)
    anniversary = outbox.emails()[-1]
    assert anniversary.kind == "anniversary"
    assert anniversary.email["Subject"] == "Ein Jahr mehr mit Loyal Goods"
    assert "Wir haben dir 50 Punkte gutgeschrieben." in anniversary.text
