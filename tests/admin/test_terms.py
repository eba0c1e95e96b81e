"""The program's terms: each publication a new numbered version with its date, the history
in the admin, the current version in the widget's program in the shopper's language (or
English), always as text; another shop sees none of it. And in the browser: publish, then
read them in the storefront widget."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from tests.admin.signed_in import csrf_of, field_error, sign_in
from tests.browser import screenshot_path
from tests.conftest import API_SECRET
from tests.live_server import LiveServer
from tests.storefront.conftest import ProxyClient
from tests.storefront.storefront_server import Storefront, StorefrontServer

RIVAL = "rival-goods.myshopify.com"
SUMMARY_EN = [
    "Points from an order can be spent 14 days after payment.",
    "Returned or cancelled orders take their points and stamps back.",
    "Points do not expire.",
    "Reward codes can be used once, by you only.",
]


def publish(client: requests.Session, text: str, locale: str = "en") -> requests.Response:
    page = client.get("/admin/terms", params={"locale": locale})
    assert page.status_code == 200, page.text[:300]
    return client.post(
        "/admin/terms", data={"csrf_token": csrf_of(page.text), "locale": locale, "text": text}
    )


def program(http: requests.Session, shop: str, locale: str) -> dict[str, Any]:
    response = ProxyClient(http, shop).get("/api/program", query=f"locale={locale}")
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def history(client: requests.Session, locale: str) -> list[tuple[int, str]]:
    page = client.get("/admin/terms", params={"locale": locale}).text
    return [
        (int(number), text)
        for number, text in re.findall(
            r'<tr id="terms-version-(\d+)">.*?<pre class="terms-text">(.*?)</pre>', page, re.S
        )
    ]


def test_each_publication_is_a_new_version_and_the_widget_shows_the_current_one(
    shop: str, live: LiveServer, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in(live, shop, monkeypatch)
    assert program(http, shop, "en")["terms_text"] is None

    first = publish(client, "Points are a thank-you, not money.\r\n\r\nOne account per person.  ")
    assert (first.status_code, first.headers["Location"]) == (
        303,
        "/admin/terms?locale=en&published=1",
    )
    second = publish(client, "Points are a thank-you, not money.\nWe may end the program.")
    assert second.headers["Location"] == "/admin/terms?locale=en&published=2"
    again = publish(client, "Points are a thank-you, not money.\nWe may end the program.")
    assert again.headers["Location"] == "/admin/terms?locale=en&published=2"  # no new version

    assert history(client, "en") == [
        (2, "Points are a thank-you, not money.\nWe may end the program."),
        (1, "Points are a thank-you, not money.\n\nOne account per person."),
    ]
    shown = client.get("/admin/terms?locale=en&published=2").text
    assert "Version 2 published. The widget shows it from now on." in shown
    english = program(http, shop, "en")
    assert english["terms"] == SUMMARY_EN  # the generated summary stays as it was
    assert english["terms_text"] == "Points are a thank-you, not money.\nWe may end the program."
    assert english["terms_version"] == 2
    assert re.fullmatch(
        r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\+00:00", english["terms_published_at"]
    )

    # German shoppers read the English terms until there are German ones.
    german = program(http, shop, "de-CH")
    assert (german["terms_text"], german["terms_version"]) == (english["terms_text"], 2)
    assert german["terms"][0] == (
        "Punkte aus einer Bestellung sind 14 Tage nach der Zahlung einlösbar."
    )
    assert history(client, "de") == []
    assert (
        "German-speaking shoppers see the English ones" in client.get("/admin/terms?locale=de").text
    )

    assert publish(client, "Punkte sind ein Dankeschön.", "de").status_code == 303
    assert (
        publish(client, "Punkte sind ein Dankeschön, kein Geld.", "de").headers["Location"]
        == "/admin/terms?locale=de&published=2"
    )
    german = program(http, shop, "de")
    assert (german["terms_text"], german["terms_version"]) == (
        "Punkte sind ein Dankeschön, kein Geld.",
        2,
    )
    assert program(http, shop, "en")["terms_text"] == english["terms_text"]
    assert program(http, shop, "pt-BR")["terms_text"] == english["terms_text"]


def test_terms_are_text_never_markup(
    shop: str, live: LiveServer, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in(live, shop, monkeypatch)
    text = '<script>alert("x")</script> & <b>bold</b>'

    assert publish(client, text).status_code == 303

    page = client.get("/admin/terms").text
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in page
    assert program(http, shop, "en")["terms_text"] == text  # JSON; the widget sets it as text


def test_empty_overlong_or_binary_terms_are_refused_beside_the_field(
    shop: str, live: LiveServer, http: requests.Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = sign_in(live, shop, monkeypatch)

    for text, message in (
        (" \n\t\n", "text is required: write the terms shoppers agree to"),
        ("x" * 10_001, "text must be at most 10000 characters (it has 10001)"),
        ("Terms\x01", "text must be plain text without control characters"),
    ):
        refused = publish(client, text)
        assert refused.status_code == 400
        assert field_error(refused.text, "text") == message

    typed = publish(client, "x" * 10_001)
    assert "x" * 10_001 + "</textarea>" in typed.text  # what was typed stays in the field
    wrong_language = client.post(
        "/admin/terms",
        data={"csrf_token": csrf_of(typed.text), "locale": "fr", "text": "Conditions"},
    )
    assert (wrong_language.status_code, wrong_language.json()["field"]) == (400, "locale")
    unsigned = client.post("/admin/terms", data={"locale": "en", "text": "Sneaky"})
    assert unsigned.status_code == 403
    assert history(client, "en") == []
    assert program(http, shop, "en")["terms_version"] is None


def test_another_shop_neither_sees_nor_changes_the_terms(
    shop: str,
    live: LiveServer,
    http: requests.Session,
    install: Callable[[str], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    owner = sign_in(live, shop, monkeypatch)
    assert publish(owner, "Our terms.").status_code == 303
    install(RIVAL)
    rival = sign_in(live, RIVAL, monkeypatch)

    assert history(rival, "en") == []
    assert "Our terms." not in rival.get("/admin/terms").text
    assert program(http, RIVAL, "en")["terms_text"] is None
    assert publish(rival, "Their terms.").headers["Location"] == (
        "/admin/terms?locale=en&published=1"
    )

    assert history(owner, "en") == [(1, "Our terms.")]
    assert program(http, shop, "en")["terms_text"] == "Our terms."
    assert program(http, RIVAL, "en")["terms_text"] == "Their terms."


@pytest.fixture
def storefront(live: LiveServer, shop: str) -> Iterator[StorefrontServer]:
    server = StorefrontServer(Storefront(live.url, shop, API_SECRET)).start()
    yield server
    server.stop()


def test_published_terms_appear_as_text_in_the_storefront_widget(
    shop: str, live: LiveServer, browser: Any, storefront: StorefrontServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "1")
    admin = browser.new_page(viewport={"width": 1280, "height": 900})
    shopper = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        admin.goto(f"{live.url}/admin/dev-login")
        admin.select_option("#shop", shop)
        admin.click("text=Sign in")
        admin.click("nav >> text=Terms")
        admin.fill("#text", "Points have no cash value.\n<b>Not bold</b> & kept as typed.")
        admin.click("button:text('Publish new version')")
        assert admin.inner_text("[role=status]") == (
            "Version 1 published. The widget shows it from now on."
        )
        assert admin.locator("#terms-version-1").count() == 1
        admin.screenshot(path=str(screenshot_path("admin-terms")), full_page=True)

        shopper.goto(storefront.url + "/")
        shopper.locator("#loyalty-widget button.l").click()
        panel = shopper.get_by_role("dialog")
        panel.get_by_text("Program terms").click()
        own = panel.locator(".tt")
        own.wait_for()
        assert own.locator("p").first.inner_text() == (
            "Points have no cash value.\n<b>Not bold</b> & kept as typed."
        )
        assert own.locator("b").count() == 0  # shown as text, never as markup
        assert own.locator("p.m").inner_text().startswith("Version 1 of ")
        assert panel.get_by_text("Points do not expire.").count() == 1  # the summary stays
        own.scroll_into_view_if_needed()
        shopper.screenshot(path=str(screenshot_path("widget-terms")))
    finally:
        admin.close()
        shopper.close()
