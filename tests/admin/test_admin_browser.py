"""A merchant in a real browser: signs in with the development login, reads the dashboard,
changes a setting, and sees a wrong value refused beside its field."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from tests.admin.history import History
from tests.browser import screenshot_path
from tests.live_server import LiveServer


def test_the_dashboard_and_settings_in_a_browser(
    history: History,
    live: LiveServer,
    browser: Any,
    admin_headers: dict[str, str],
    http: requests.Session,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("LOYALTY_DEV_LOGIN", "1")
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(f"{live.url}/admin/dev-login")
        page.select_option("#shop", "loyal-goods.myshopify.com")
        page.click("text=Sign in")
        page.wait_for_selector("h1:has-text('Dashboard')")
        assert page.inner_text("h1").startswith("Dashboard")
        revenue = page.locator(".metric", has_text="Revenue (EUR)")
        assert revenue.locator(".value").inner_text() == "405.80"
        retention = page.locator(".metric", has_text="Retention rate")
        assert retention.locator(".value").inner_text() == "75.00%"
        assert page.locator("svg.chart rect.bar").count() == 60  # two charts of 30 days
        page.screenshot(path=str(screenshot_path("admin-dashboard")), full_page=True)

        page.click("nav >> text=Program settings")
        page.click("text=Points")
        page.fill("#pending_days", "21")
        page.click("button:text('Save')")
        assert page.inner_text("[role=status]") == "Saved."
        assert page.input_value("#pending_days") == "21"

        page.fill("#pending_days", "400")
        page.click("button:text('Save')")
        error = page.locator("#field-pending_days .error")
        assert error.inner_text() == "pending_days must be a whole number from 0 to 365"
        assert page.input_value("#pending_days") == "400"
        page.screenshot(path=str(screenshot_path("admin-settings-error")), full_page=True)

        page.click("nav >> text=Insights")
        assert page.locator("text=Net promoter score").count() == 1
        page.screenshot(path=str(screenshot_path("admin-insights")), full_page=True)
    finally:
        page.close()
    stored = http.get("/admin/api/settings/points", headers=admin_headers).json()["settings"]
    assert stored["pending_days"] == 21
