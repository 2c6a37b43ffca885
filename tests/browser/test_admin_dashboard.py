"""The admin's dashboard and a user's two-factor status page, in Chromium: what
an operator sees after real sign-ins, and that axe-core finds nothing serious."""

from __future__ import annotations

from .conftest import axe_violations, screenshot


def test_dashboard_and_status_page_after_real_sign_ins(site, page):
    admin = site.create_user(superuser=True)
    user = site.create_user()
    other = page.context.browser.new_context().new_page()
    site.sign_in(other, user)
    site.sign_in(page, admin)

    page.goto(site.url("/admin/sms2fa/"))
    page.click("text=Dashboard: the last 30 days")
    assert page.url == site.url("/admin/sms2fa/challenge/dashboard/")
    assert page.locator("figure.sms2fa-chart svg rect.sent").count() == 30
    rows = page.locator(".sms2fa-table tbody tr")
    assert rows.count() == 30
    today = rows.first.locator("td")
    assert int(today.nth(0).inner_text()) >= 2 and int(today.nth(1).inner_text()) >= 2
    assert "unknown" in page.locator(".sms2fa-card").first.inner_text()
    assert axe_violations(page) == []
    screenshot(page, "admin-dashboard")

    page.goto(site.url(f"/admin/sms2fa/phone/?q={user.last4}"))
    page.click(f"text={user.username}")
    assert "/admin/sms2fa/phone/status/" in page.url
    facts = page.locator("table.sms2fa-facts").inner_text()
    assert f"+63 ******{user.last4}" in facts and "not locked out" in facts
    assert page.locator("text=All challenges of this user").is_visible()
    assert axe_violations(page) == []
    screenshot(page, "admin-user-status")
