"""The second step of a login, in Chromium against the example project: the code,
a wrong code, the resend countdown, a spent code, a lockout, remembered browsers."""

from __future__ import annotations

import re

from .conftest import axe_violations, screenshot


def submit_code(page, code: str) -> None:
    page.fill("input[name=code]", code)
    page.click("form.sms2fa-code button[type=submit]")
    page.wait_for_load_state()


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 10**6:06d}"


def test_sign_in_with_the_code_from_the_sms(site, page):
    user = site.create_user()
    page.goto(site.url("/accounts/login/"))
    screenshot(page, "login")
    site.password_step(page, user)
    assert page.url == site.url("/2fa/verify/")
    assert page.locator(".sms2fa-phone").inner_text() == f"+63 ******{user.last4}"
    assert page.get_attribute("input[name=code]", "autocomplete") == "one-time-code"
    # Chromium applies autofocus a moment after load: wait for it (fails after 5 s).
    page.wait_for_function(
        "document.activeElement && document.activeElement.name === 'code'", timeout=5000
    )
    screenshot(page, "verify")
    assert axe_violations(page) == []
    submit_code(page, site.wait_code(user, 1))
    assert page.url == site.url("/")
    assert f"signed in as {user.username}" in page.inner_text("main")
    assert page.locator("[role=status]").inner_text() == "You are signed in."
    screenshot(page, "home-signed-in")


def test_wrong_then_right_and_a_reload_posts_nothing(site, page):
    user = site.create_user()
    site.password_step(page, user)
    code = site.wait_code(user, 1)
    submit_code(page, wrong(code))
    assert page.url == site.url("/2fa/verify/")
    error = page.locator(".sms2fa-field [role=alert]")
    assert error.inner_text() == "That code is not right. 4 attempts left."
    screenshot(page, "verify-wrong")
    assert axe_violations(page) == []
    page.reload()  # a GET: no code is posted again, the message was said once
    assert page.locator(".sms2fa-field [role=alert]").count() == 0
    submit_code(page, code)
    assert f"signed in as {user.username}" in page.inner_text("main")


def test_resend_waits_for_the_live_countdown(site, page):
    user = site.create_user()
    site.password_step(page, user)
    site.wait_code(user, 1)
    hint = page.locator("[data-sms2fa-cooldown]")
    button = page.locator("form.sms2fa-resend button")
    assert re.fullmatch(r"You can send a new code in 0:0[1-6]\.", hint.inner_text())
    assert button.is_disabled()
    first = hint.inner_text()
    screenshot(page, "verify-cooldown")
    page.wait_for_function("!document.querySelector('form.sms2fa-resend button').disabled",
                           timeout=10000)
    assert hint.is_hidden() and first != "You can send a new code in 0:00."
    button.click()
    page.wait_for_load_state()
    assert page.url == site.url("/2fa/verify/")  # a redirect: a reload re-posts nothing
    code = site.wait_code(user, 2)
    assert page.locator("[data-sms2fa-cooldown]").is_visible()
    submit_code(page, code)
    assert f"signed in as {user.username}" in page.inner_text("main")


def test_a_spent_code_offers_start_again_then_a_lockout_says_until_when(site, page):
    user = site.create_user()
    site.password_step(page, user)
    code = site.wait_code(user, 1)
    for _ in range(5):
        submit_code(page, wrong(code))
    main = page.inner_text("main")
    assert main.count("Too many wrong codes") == 1 and "expires in" not in main
    assert page.locator("input[name=code]").count() == 0
    screenshot(page, "verify-exhausted")
    assert axe_violations(page) == []
    page.click("button:has-text('Start again')")
    assert page.url.startswith(site.url("/accounts/login/"))
    # Signing in again: the number's cooldown may still run (6 s here), then a new code.
    code = site.password_step_and_code(page, user)
    submit_code(page, wrong(code))  # the 6th failure: locked (SMS2FA_LOCKOUT_FAILURES = 6)
    alert = page.locator(".sms2fa-box[role=alert]").inner_text()
    assert re.search(r"blocked until \d\d:\d\d PST\.$", alert), alert
    assert page.locator("input[name=code]").count() == 0
    assert page.locator("form.sms2fa-resend").count() == 0
    screenshot(page, "verify-locked")


def test_remember_this_browser_skips_the_code_next_time(site, page):
    user = site.create_user()
    site.password_step(page, user)
    page.check("input[name=remember]")
    submit_code(page, site.wait_code(user, 1))
    page.click("header button:has-text('Sign out')")
    site.password_step(page, user)
    assert page.url == site.url("/")
    assert f"signed in as {user.username}" in page.inner_text("main")
    assert len(site.codes_to(user.last4)) == 1


def test_the_code_page_on_a_phone_sized_screen(site, phone_page):
    page = phone_page
    user = site.create_user()
    site.password_step(page, user)
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the page scrolls sideways: {width}px"
    phone = page.locator(".sms2fa-phone").bounding_box()
    line = float(page.evaluate(
        "parseFloat(getComputedStyle(document.querySelector('.sms2fa-phone')).lineHeight)"))
    assert phone["height"] <= line * 1.2, "the masked number wraps"
    button = page.locator("form.sms2fa-code button").bounding_box()
    assert button["height"] >= 44 and button["width"] >= 300
    screenshot(page, "verify-390px")
    assert axe_violations(page) == []


def test_the_code_page_in_filipino(site, browser):
    context = browser.new_context(locale="fil-PH", viewport={"width": 1024, "height": 768})
    page = context.new_page()
    try:
        user = site.create_user()
        site.password_step(page, user)
        assert page.get_attribute("html", "lang") == "fil"
        assert page.inner_text("h1") == "Ilagay ang iyong code"
        assert page.inner_text("form.sms2fa-code button") == "I-verify"
        screenshot(page, "verify-fil")
        assert axe_violations(page) == []
        submit_code(page, site.wait_code(user, 1))
        assert page.url == site.url("/")
    finally:
        context.close()
