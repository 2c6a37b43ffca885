"""The signed-in user's pages in Chromium: recovery codes, a phone change, step-up
and its Cancel, a user without a phone, enrollment forced at sign-in."""

from __future__ import annotations

import re

from .conftest import axe_violations, screenshot
from .test_sign_in import submit_code


def step_up_with_sms(site, page, user, count: int) -> None:
    """On the step-up page: send a code and enter it (the ``count``-th SMS to ``user``)."""
    assert page.url.startswith(site.url("/2fa/step-up/"))
    page.click("form.sms2fa-resend button")
    page.wait_for_load_state()
    submit_code(page, site.wait_code(user, count))


def make_recovery_codes(site, page, user, sms_count: int) -> list[str]:
    page.goto(site.url("/2fa/setup/"))
    page.click("text=Create recovery codes")
    step_up_with_sms(site, page, user, sms_count)
    page.click("button:has-text('Create new codes')")
    page.wait_for_load_state()
    return page.locator(".sms2fa-codes code").all_inner_texts()


def test_recovery_codes_shown_once_then_a_sign_in_with_one(site, page):
    user = site.create_user()  # a phone from sms2fa_enroll: no recovery codes yet
    site.sign_in(page, user)
    page.goto(site.url("/2fa/setup/"))
    assert "You have no recovery codes." in page.inner_text("main")
    screenshot(page, "setup-no-recovery-codes")
    codes = make_recovery_codes(site, page, user, 2)
    assert len(codes) == 10
    assert "New recovery codes created." in page.inner_text("[role=status]")
    download = page.locator("a[download='recovery-codes.txt']")
    assert all(code in download.get_attribute("href").replace("%2D", "-") for code in codes)
    assert page.locator("[data-sms2fa-print]").is_visible()
    screenshot(page, "recovery-codes")
    assert axe_violations(page) == []
    page.reload()
    assert page.locator(".sms2fa-codes").count() == 0
    assert "shown once" in page.inner_text("main")
    # Sign out, then in with a recovery code instead of the SMS.
    page.click("header button:has-text('Sign out')")
    site.password_step(page, user)
    page.click("text=Lost your phone? Use a recovery code instead")
    page.fill("input[name=recovery_code]", codes[0])
    page.click("form button[type=submit]:has-text('Sign in')")
    page.wait_for_load_state()
    assert "You have 9 recovery codes left." in page.inner_text("main")
    screenshot(page, "recovery-used")
    page.click("text=Continue")
    assert f"signed in as {user.username}" in page.inner_text("main")


def test_step_up_cancel_goes_back_then_a_code_opens_the_payout(site, page):
    user = site.create_user()
    site.sign_in(page, user)
    page.click("header a:has-text('Payout')")
    assert page.url.startswith(site.url("/2fa/step-up/"))
    screenshot(page, "step-up")
    page.click("a:has-text('Cancel')")
    assert page.url == site.url("/")  # where the user was, not the payout (no loop)
    page.click("header a:has-text('Payout')")
    page.click("form.sms2fa-resend button")
    page.wait_for_load_state()
    screenshot(page, "step-up-sent")
    assert axe_violations(page) == []
    page.click("a:has-text('Cancel')")  # after the page's own POST, still back home
    assert page.url == site.url("/")
    page.click("header a:has-text('Payout')")
    page.wait_for_function(
        "!document.querySelector('form.sms2fa-resend button').disabled", timeout=10000)
    step_up_with_sms(site, page, user, 3)
    assert page.url == site.url("/payout/")
    assert "Send PHP 1,000.00 to your bank?" in page.inner_text("main")


def test_phone_change_needs_a_code_from_the_old_and_the_new_number(site, page):
    user = site.create_user()
    new = site.create_user(phone=False)  # only to draw a fresh number
    new_number = f"0917555{int(new.username[4:]) + 5000:04d}"
    site.sign_in(page, user)
    page.goto(site.url("/2fa/setup/"))
    page.click("text=Change phone number")
    step_up_with_sms(site, page, user, 2)
    assert page.url.startswith(site.url("/2fa/setup/phone/"))
    page.fill("input[name=phone_number]", new_number)
    screenshot(page, "phone-add")
    page.click("form button:has-text('Send code')")
    page.wait_for_load_state()
    assert page.url.startswith(site.url("/2fa/setup/phone/confirm/"))
    screenshot(page, "phone-confirm")
    code = site.wait_code(type(user)("x", "x", new_number), 1)
    submit_code(page, code)
    assert "Your phone number is confirmed." in page.inner_text("[role=status]")
    # No recovery codes yet: the new set is shown first.
    page.click("text=I have saved them, continue")
    assert page.url == site.url("/2fa/setup/")
    assert new_number[-4:] in page.inner_text(".sms2fa-phone")
    screenshot(page, "setup")
    assert axe_violations(page) == []


def test_user_without_a_phone_adds_one_on_step_up_and_comes_back(site, page):
    user = site.create_user(phone=False)
    number = f"0917555{int(user.username[4:]) + 7000:04d}"
    holder = type(user)(user.username, user.password, number)
    site.password_step(page, user)
    page.click("header a:has-text('Payout')")
    assert "Add your mobile number" in page.inner_text("main")
    screenshot(page, "step-up-no-phone")
    page.click("a:has-text('Add a phone number')")
    # No phone to send a code to: the password again first (it comes back here after).
    assert page.url.startswith(site.url("/2fa/setup/password/"))
    page.fill("input[name=password]", user.password)
    page.click(".sms2fa form button[type=submit]")
    page.wait_for_load_state()
    assert page.url.startswith(site.url("/2fa/setup/phone/?next="))
    page.fill("input[name=phone_number]", number)
    page.click("form button:has-text('Send code')")
    page.wait_for_load_state()
    submit_code(page, site.wait_code(holder, 1))
    page.click("text=I have saved them, continue")
    assert page.url.startswith(site.url("/2fa/step-up/?purpose=payout"))
    page.wait_for_function(
        "!document.querySelector('form.sms2fa-resend button').disabled", timeout=10000)
    step_up_with_sms(site, page, holder, 2)
    assert page.url == site.url("/payout/")


def test_staff_without_a_phone_must_enroll_while_signing_in(site, page):
    user = site.create_user(phone=False, staff=True)
    number = f"0917555{int(user.username[4:]) + 8000:04d}"
    holder = type(user)(user.username, user.password, number)
    site.password_step(page, user)
    assert page.url == site.url("/2fa/enroll/")
    screenshot(page, "login-enroll")
    assert axe_violations(page) == []
    page.fill("input[name=phone_number]", number)
    page.click("form button:has-text('Send code')")
    page.wait_for_load_state()
    submit_code(page, site.wait_code(holder, 1))
    assert page.locator(".sms2fa-codes code").count() == 10
    page.click("text=I have saved them, continue")
    assert f"signed in as {user.username}" in page.inner_text("main")


def test_password_change_in_the_site_look_after_step_up(site, page):
    user = site.create_user()
    site.sign_in(page, user)
    page.goto(site.url("/accounts/password_change/"))
    step_up_with_sms(site, page, user, 2)
    assert page.url == site.url("/accounts/password_change/")
    assert page.locator("header.site-header").is_visible()
    assert page.locator("#id_old_password").is_visible()
    screenshot(page, "password-change")
    assert axe_violations(page) == []
    assert re.search("Change password", page.inner_text("h1"))
