"""The example project's fetch() page signs in through the JSON API in Chromium:
no form is posted, every step is a fetch() call with the CSRF header."""

from __future__ import annotations

from .conftest import screenshot


def test_sign_in_and_out_with_fetch_only(site, page):
    user = site.create_user()
    posts = []
    page.on("request", lambda r: posts.append((r.resource_type, r.url, r.headers))
            if r.method != "GET" else None)
    page.goto(site.url("/api-demo/"))
    page.fill("#username", user.username)
    page.fill("#password", "not the password")
    page.click("#password-step button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert "correct username and password" in page.inner_text("#error")

    page.fill("#password", user.password)
    page.click("#password-step button[type=submit]")
    page.wait_for_selector("#code-step:not([hidden])")
    assert page.inner_text("#phone") == f"+63 ******{user.last4}"
    # Not signed in anywhere until the code is entered.
    assert "not signed in" in page.context.new_page().goto(site.url("/")).text().lower()

    page.fill("#code", "000000" if site.wait_code(user, 1) != "000000" else "111111")
    page.click("#code-step button[type=submit]")
    page.wait_for_selector("#error:not([hidden])")
    assert "4 attempts left" in page.inner_text("#error")
    screenshot(page, "api-demo-code")

    page.fill("#code", site.wait_code(user, 1))
    page.click("#code-step button[type=submit]")
    page.wait_for_selector("#signed-in:not([hidden])")
    assert page.inner_text("#username-shown") == user.username
    assert page.url == site.url("/api-demo/")  # no navigation: fetch() only
    page.goto(site.url("/"))
    assert f"signed in as {user.username}" in page.inner_text("main")

    page.goto(site.url("/api-demo/"))
    page.click("#sign-out")
    page.wait_for_selector("#password-step:not([hidden])")
    page.goto(site.url("/"))
    assert "You are not signed in" in page.inner_text("main")

    assert posts and all(kind == "fetch" for kind, _url, _headers in posts)
    assert all("/2fa/api/browser/v1/" in url for _kind, url, _headers in posts)
    assert all(headers.get("x-csrftoken") for _kind, _url, headers in posts)
