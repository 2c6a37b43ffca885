"""The JSON API ("headless"): the second step and the account's 2FA settings for
single-page and mobile apps, through the same functions as the pages.

Two kinds of client, in the URL: ``browser`` (the session cookie, with CSRF)
and ``app`` (no cookies: a session token in the ``X-Session-Token`` header).
See docs/headless.md.
"""
