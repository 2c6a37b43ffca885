"""Signing in with a code, in Chromium against the example project."""

from __future__ import annotations

from .conftest import screenshot


def test_sign_in_with_the_code_from_the_sms(site, page):
    user = site.create_user()
    site.password_step(page, user)
    assert page.url == site.url("/2fa/verify/")
    assert page.locator(".sms2fa-phone").inner_text() == f"+63 ******{user.last4}"
    screenshot(page, "verify")
    page.fill("input[name=code]", site.wait_code(user, 1))
    page.click("form.sms2fa-code button[type=submit]")
    page.wait_for_url(site.url("/"))
    assert f"signed in as {user.username}" in page.inner_text("main")
