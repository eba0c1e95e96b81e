"""The widget in headless Chromium on a local storefront, reaching the app through a proxy
that signs every request as Shopify's app proxy does: what guests and members see, a
redemption, the kind error when points do not suffice, keyboard use, both languages, and
screenshots at desktop and phone widths."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.browser import screenshot_path
from tests.conftest import API_SECRET, new_id
from tests.engine.test_paid_membership import PRODUCT, membership_line, order_with
from tests.engine.test_stamps_webhooks import CODE_PATTERN, paid_order
from tests.storefront.storefront_server import Storefront, StorefrontServer

Member = Callable[[int], int]
Deliver = Callable[..., requests.Response]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 360, "height": 740}
LAYOUT_SHIFTS = """
window.layoutShift = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    if (!entry.hadRecentInput) window.layoutShift += entry.value;
  }
}).observe({ type: "layout-shift", buffered: true });
"""


@pytest.fixture
def storefront(live: Any, shop: str) -> Iterator[StorefrontServer]:
    server = StorefrontServer(Storefront(live.url, shop, API_SECRET)).start()
    yield server
    server.stop()


@pytest.fixture
def open_page(browser: Any, storefront: StorefrontServer) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_at(viewport: dict[str, int], path: str = "/") -> Any:
        context = browser.new_context(
            viewport=viewport, permissions=["clipboard-read", "clipboard-write"]
        )
        contexts.append(context)
        page = context.new_page()
        page.add_init_script(LAYOUT_SHIFTS)
        page.requests = []
        page.on("request", lambda request: page.requests.append(request.url))
        page.goto(storefront.url + path)
        page.get_by_role("button", name=re.compile("Rewards|Prämien|Treuepunkte")).wait_for()
        return page

    yield open_at
    for context in contexts:
        context.close()


def launcher(page: Any) -> Any:
    return page.locator("#loyalty-widget button.l")


def dialog(page: Any) -> Any:
    return page.get_by_role("dialog")


def test_a_guest_sees_the_program_and_is_invited_to_join(
    open_page: Callable[..., Any], storefront: StorefrontServer
) -> None:
    for name, viewport in (("guest-1280", DESKTOP), ("guest-360", PHONE)):
        page = open_page(viewport)
        # Once idle, the widget reads the public program, and nothing else, before opening.
        page.wait_for_function(
            "performance.getEntriesByType('resource').some("
            "(e) => e.name.includes('/apps/loyalty/api/program'))"
        )
        assert [r for r in storefront.storefront.proxied if "/api/" in r][-1] == (
            "GET /api/program"
        )
        launcher(page).click()

        panel = dialog(page)
        panel.get_by_text("Join our rewards program").wait_for()
        assert panel.get_attribute("aria-modal") == "true"
        assert panel.get_by_text("Create an account and get 100 points as a welcome gift.").count()
        assert panel.get_by_role("link", name="Create account").get_attribute("href") == (
            "/account/register"
        )
        assert panel.get_by_text("10 points for every 10.00 EUR you spend").count() == 1
        assert panel.locator("ul.st li.hs").count() == 2
        assert panel.get_by_role("img", name="Head-start stamp").count() == 2
        assert panel.get_by_role("img", name="Stamp still open").count() == 8
        assert panel.get_by_text("Gold").count() == 1
        assert "/api/me" not in " ".join(storefront.storefront.proxied)
        box = panel.bounding_box()
        assert box["x"] >= 0 and box["x"] + box["width"] <= viewport["width"]
        assert page.evaluate("window.layoutShift") == 0
        page.screenshot(path=str(screenshot_path(f"widget-{name}")))


def test_a_member_redeems_points_and_gets_a_code_to_copy_and_apply(
    open_page: Callable[..., Any],
    storefront: StorefrontServer,
    member: Member,
    deliver: Deliver,
) -> None:
    customer = member(600)
    deliver("orders/paid", paid_order(customer, new_id(), subtotal="40.00"))
    storefront.storefront.customer_id = customer

    for name, viewport in (("member-1280", DESKTOP), ("member-360", PHONE)):
        page = open_page(viewport)
        launcher(page).focus()
        page.keyboard.press("Enter")
        panel = dialog(page)
        panel.get_by_text("Your points").wait_for()
        balance = panel.locator("[data-balance]")
        expected = "600" if name == "member-1280" else "100"
        assert balance.inner_text() == expected
        assert panel.get_by_text("40 pending", exact=True).count() == 1
        assert panel.get_by_role("img", name="Head-start stamp").count() == 2
        assert panel.get_by_role("img", name="Stamp collected").count() == 1
        assert panel.get_by_text("3 of 10 stamps", exact=True).count() == 1
        bar = panel.get_by_role("progressbar")
        assert bar.get_attribute("aria-valuenow") == "16"
        assert panel.get_by_text("210.00 EUR more to reach Silver").count() == 1
        assert panel.get_by_role("button", name="Redeem 10% off for 1000 points").is_disabled()
        page.screenshot(path=str(screenshot_path(f"widget-{name}")))
        if name != "member-1280":
            continue

        panel.get_by_role("button", name="Redeem 5.00 EUR off for 500 points").click()

        box = panel.locator("[data-code]")
        box.wait_for()
        code = box.get_attribute("data-code")
        assert re.fullmatch(CODE_PATTERN, code)
        assert box.get_by_text("Your code for 5.00 EUR off").count() == 1
        assert box.get_by_role("link", name="Apply to cart").get_attribute("href") == (
            f"/discount/{code}"
        )
        box.get_by_role("button", name="Copy code").click()
        box.get_by_role("button", name="Copied").wait_for()
        assert page.evaluate("navigator.clipboard.readText()") == code
        assert balance.inner_text() == "100"
        assert panel.get_by_text("Reward redeemed").count() == 1
        page.screenshot(path=str(screenshot_path("widget-member-code-1280")))


def test_not_enough_points_is_explained_kindly(
    open_page: Callable[..., Any],
    storefront: StorefrontServer,
    member: Member,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    customer = member(500)
    storefront.storefront.customer_id = customer
    page = open_page(DESKTOP)
    launcher(page).click()
    redeem = dialog(page).get_by_role("button", name="Redeem 5.00 EUR off for 500 points")
    redeem.wait_for()
    # Meanwhile the points are spent elsewhere (another tab, the shop's staff).
    spent = http.post(
        f"/admin/api/customers/{customer}/adjustments",
        json={"points": -300, "reason": "Spent in store"},
        headers=admin_headers,
    )
    assert spent.status_code == 201

    redeem.click()

    alert = dialog(page).get_by_role("alert").filter(has_text="Not quite yet")
    alert.wait_for()
    assert alert.inner_text() == ("Not quite yet: this reward needs 500 points and you have 200.")
    # The panel now shows what is left, and the reward waits until the points are back.
    assert dialog(page).locator("[data-balance]").inner_text() == "200"
    assert redeem.is_disabled()
    assert (
        dialog(page).get_by_role("button", name="Redeem Free shipping for 300 points").is_disabled()
    )
    assert dialog(page).locator("[data-code]").count() == 0
    assert (
        page.evaluate(
            "document.querySelector('#loyalty-widget').shadowRoot.activeElement.className"
        )
        == "note"
    )
    page.screenshot(path=str(screenshot_path("widget-not-enough-points-1280")))


def test_the_panel_is_usable_by_keyboard_alone(
    open_page: Callable[..., Any], storefront: StorefrontServer, member: Member
) -> None:
    storefront.storefront.customer_id = member(600)
    page = open_page(PHONE)
    launcher(page).focus()
    page.keyboard.press("Enter")
    panel = dialog(page)
    panel.get_by_text("Your points").wait_for()
    assert launcher(page).get_attribute("aria-expanded") == "true"
    inside = "(() => { const root = document.querySelector('#loyalty-widget').shadowRoot;"
    focused_in_panel = (
        inside + " return root.querySelector('.p').contains(root.activeElement); })()"
    )
    focused_id = inside + " return root.activeElement && root.activeElement.id; })()"
    assert page.evaluate(focused_id) == "lw-title"

    stops = 0
    for _ in range(40):
        page.keyboard.press("Tab")
        stops += 1
        assert page.evaluate(focused_in_panel), f"focus left the panel after {stops} tabs"
    page.keyboard.press("Shift+Tab")
    assert page.evaluate(focused_in_panel)

    page.keyboard.press("Escape")

    assert dialog(page).count() == 0
    assert launcher(page).get_attribute("aria-expanded") == "false"
    assert page.evaluate("document.activeElement && document.activeElement.id") == "loyalty-widget"
    assert (
        page.evaluate(
            "document.querySelector('#loyalty-widget').shadowRoot.activeElement.className"
        )
        == "l"
    )


def test_the_widget_speaks_german_in_a_german_shop(
    open_page: Callable[..., Any], storefront: StorefrontServer, member: Member
) -> None:
    storefront.storefront.customer_id = member(600)
    storefront.storefront.locale = "de"
    for name, viewport in (("member-de-1280", DESKTOP), ("member-de-360", PHONE)):
        page = open_page(viewport)
        assert launcher(page).inner_text().endswith("Prämien")
        launcher(page).click()
        panel = dialog(page)
        panel.get_by_text("Deine Punkte").wait_for()
        assert panel.get_by_role("heading", name="Prämienprogramm").count() == 1
        assert panel.get_by_text("2 von 10 Stempeln", exact=True).count() == 1
        assert panel.get_by_role("img", name="Startstempel").count() == 2
        assert panel.get_by_text("Noch 250,00 EUR bis Silver").count() == 1
        assert panel.get_by_role(
            "button", name="5,00 EUR Rabatt für 500 Punkte einlösen"
        ).is_enabled()
        assert panel.get_by_role("button", name="Schließen").count() == 1
        page.screenshot(path=str(screenshot_path(f"widget-{name}")))


def test_a_member_enters_a_birthday_and_answers_the_survey(
    open_page: Callable[..., Any],
    storefront: StorefrontServer,
    member: Member,
    deliver: Deliver,
) -> None:
    customer = member(0)
    deliver("orders/paid", paid_order(customer, new_id()))
    storefront.storefront.customer_id = customer
    page = open_page(DESKTOP)
    launcher(page).click()
    panel = dialog(page)
    panel.get_by_label("Birthday").fill("1990-05-17")
    panel.get_by_role("button", name="Save birthday").click()
    panel.get_by_text("Thank you, we will celebrate with you.").wait_for()

    comment = "<b>Great</b> <script>window.injected = true</script>"
    panel.get_by_label("How satisfied are you?").select_option("very_satisfied")
    panel.get_by_label("How likely are you to recommend us (0 to 10)?").select_option("10")
    panel.get_by_label("Anything else? (optional)").fill(comment)
    panel.get_by_role("button", name="Send answer").click()

    panel.get_by_text("Thank you for your feedback!").wait_for()
    assert page.evaluate("window.injected") is None
    assert "POST /api/feedback" in storefront.storefront.proxied


def test_a_referral_code_in_the_url_is_kept_in_the_cart_and_nothing_leaves_the_shop(
    open_page: Callable[..., Any], storefront: StorefrontServer
) -> None:
    page = open_page(DESKTOP, "/?ref=MARIA7K2Q")
    page.wait_for_function("localStorage.getItem('loyalty_ref') === 'MARIA7K2Q'")

    assert storefront.storefront.cart_updates == [{"attributes[loyalty_ref]": ["MARIA7K2Q"]}]
    page.reload()
    launcher(page).wait_for()
    launcher(page).click()
    dialog(page).get_by_text("Join our rewards program").wait_for()
    assert len(storefront.storefront.cart_updates) == 1
    assert all(url.startswith(storefront.url) for url in page.requests), page.requests


def test_the_panel_header_stays_on_top_of_scrolled_content(
    open_page: Callable[..., Any], storefront: StorefrontServer
) -> None:
    storefront.storefront.customer_id = None
    page = open_page({"width": 1280, "height": 900})
    launcher(page).click()
    panel = dialog(page)
    panel.get_by_text("Program terms").click()
    panel.get_by_text("Reward codes can be used once, by you only.").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshot_path("widget-scrolled-1280")))
    on_top = page.evaluate(
        """() => {
            const host = [...document.querySelectorAll('*')].find((e) => e.shadowRoot);
            const root = host.shadowRoot;
            const header = root.querySelector('.hd').getBoundingClientRect();
            const hits = [];
            for (const x of [header.left + 20, header.left + header.width / 2]) {
                for (const y of [header.top + 4, header.top + header.height / 2]) {
                    const hit = root.elementFromPoint(x, y);
                    hits.push(Boolean(hit && hit.closest('.hd')));
                }
            }
            return hits;
        }"""
    )
    assert on_top == [True, True, True, True]


def test_a_paid_member_sees_the_end_date_and_perks_and_others_the_offer_to_join(
    open_page: Callable[..., Any],
    storefront: StorefrontServer,
    deliver: Deliver,
    http: requests.Session,
    admin_headers: dict[str, str],
) -> None:
    settings = http.put(
        "/admin/api/settings/membership",
        json={"product_ids": [PRODUCT], "product_handle": "vip-club", "points_multiplier": "2"},
        headers=admin_headers,
    )
    assert settings.status_code == 200, settings.text
    paying, other = new_id(), new_id()
    paid_at = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
    deliver("orders/paid", order_with(paying, [membership_line()], paid_at))

    storefront.storefront.customer_id = paying
    page = open_page(DESKTOP)
    launcher(page).click()
    panel = dialog(page)
    panel.get_by_text("Membership").wait_for()
    assert panel.get_by_text(re.compile(r"^VIP Club member until .*2027")).count() == 1
    assert panel.get_by_text("10% off with code LOYALTY-PAID-MEMBER").count() == 1
    assert panel.get_by_text("2x points on every order").count() == 1
    assert panel.get_by_text("Free shipping with code LOYALTY-PAID-MEMBER-SHIPPING").count() == 1
    assert panel.get_by_role("link", name="Become a member").count() == 0
    page.screenshot(path=str(screenshot_path("widget-paid-member")))

    storefront.storefront.customer_id = other
    page = open_page(DESKTOP)
    launcher(page).click()
    panel = dialog(page)
    panel.get_by_text("Join VIP Club: 10% off, 2x points").wait_for()
    assert panel.get_by_role("link", name="Become a member").get_attribute("href") == (
        "/products/vip-club"
    )
