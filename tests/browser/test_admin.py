"""The admin in Chromium: its login goes through the second step; support staff
reset a lost phone and lift a lockout with the admin actions."""

from __future__ import annotations

from .conftest import screenshot
from .test_sign_in import submit_code, wrong


def run_action(page, site, user, action: str) -> str:
    """Select ``user``'s phone in the phone list, run ``action``; the success message."""
    page.goto(site.url(f"/admin/sms2fa/phone/?q={user.username}"))
    page.check(f"tr:has(a:text-is('{user.username}')) input[name=_selected_action]")
    page.select_option("select[name=action]", action)
    page.click("button[name=index], input[name=index], button:has-text('Go')")
    page.wait_for_load_state()
    # Resetting a phone asks first, as Django's delete action does.
    confirm = page.locator("form input[type=submit], form button[type=submit]").filter(
        has_text="Yes")
    assert confirm.count() == (1 if action == "reset_phones" else 0)
    if confirm.count():
        screenshot(page, f"admin-{action}-confirm")
        confirm.first.click()
        page.wait_for_load_state()
    return page.locator("ul.messagelist").inner_text()


def test_admin_login_with_a_code_then_reset_a_phone_and_lift_a_lockout(site, page):
    admin = site.create_user(superuser=True)
    site.password_step(page, admin, login_path="/admin/login/?next=/admin/")
    assert page.url == site.url("/2fa/verify/")
    submit_code(page, site.wait_code(admin, 1))
    assert page.url == site.url("/admin/")
    screenshot(page, "admin-index")

    # A user who locked themselves out with wrong codes (SMS2FA_LOCKOUT_FAILURES = 6).
    locked = site.create_user()
    other = page.context.browser.new_context().new_page()
    site.password_step(other, locked)
    code = site.wait_code(locked, 1)
    for _ in range(5):
        submit_code(other, wrong(code))
    other.click("button:has-text('Start again')")
    submit_code(other, wrong(site.password_step_and_code(other, locked)))
    assert "blocked until" in other.inner_text("main")

    page.goto(site.url(f"/admin/sms2fa/phone/?q={locked.username}"))
    screenshot(page, "admin-phones")
    assert "Lifted the lockout of 1 user" in run_action(page, site, locked, "lift_lockouts")
    other.click("button:has-text('Cancel and go back to sign in')")
    submit_code(other, site.password_step_and_code(other, locked))
    assert f"signed in as {locked.username}" in other.inner_text("main")

    # A lost phone: after the reset the user signs in with the password alone.
    lost = site.create_user()
    assert "Reset the phone of 1 user" in run_action(page, site, lost, "reset_phones")
    fresh = page.context.browser.new_context().new_page()
    site.password_step(fresh, lost)
    assert fresh.url == site.url("/")
    assert f"signed in as {lost.username}" in fresh.inner_text("main")
