"""The admin's dashboard: the last 30 days from real sign-ins, and the gateway balance."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from django_sms2fa import credits
from django_sms2fa.exceptions import GatewayTimeout
from django_sms2fa.testing import verified_login

from .conftest import last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


def today_row(page) -> list[str]:
    body = page.content.decode().split("<tbody>", 1)[1]
    first = body.split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", cell).strip() for cell in re.findall(r"<t[dh][^>]*>.*?</t[dh]>", first, re.S)]


def header(page) -> list[str]:
    head = page.content.decode().split("<thead>", 1)[1].split("</thead>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<th[^>]*>.*?</th>", head, re.S)]


def test_dashboard_counts_today_from_real_sign_ins(admin_client, user, settings, frozen_clock):
    settings.SMS2FA_LOCKOUT_FAILURES = 2
    settings.SMS2FA_DAILY_SMS_BUDGET = 50
    ok = Client()
    password_step(ok)
    ok.post("/2fa/verify/", {"code": last_code()})          # sent 1, verified 1
    frozen_clock.advance(120)
    bad = Client()
    password_step(bad)                                      # sent 2
    bad.post("/2fa/verify/", {"code": wrong_code(last_code())})
    bad.post("/2fa/verify/", {"code": wrong_code(last_code())})  # 2 wrong, locked out
    frozen_clock.advance(1000)
    again = Client()
    password_step(again)                                    # sent 3
    password_step(Client())                                 # refused: resend too soon
    settings.SMS2FA_SENDER_OPTIONS = {"fail_with": GatewayTimeout}
    frozen_clock.advance(61)
    password_step(Client())                                 # a gateway failure
    page = admin_client.get("/admin/sms2fa/challenge/dashboard/")
    assert page.status_code == 200
    columns = header(page)
    cells = dict(zip(columns, today_row(page), strict=True))
    assert cells["Sent"] == "4" and cells["Verified"] == "1"
    assert cells["Wrong codes"] == "2" and cells["Lockouts"] == "1"
    assert cells["Refused: resend too soon"] == "1"
    assert cells["Gateway failures"] == "1"
    assert cells["SMS spent / budget"] == "4 / 50"
    assert len(columns) == 8 and len(re.findall(r"<tbody>.*?</tbody>", page.content.decode(), re.S)[0].split("<tr")) == 31
    # The chart is the server's SVG; the page runs no script of its own.
    html = page.content.decode()
    assert "<svg viewBox" in html and 'class="sent"' in html and "<polyline" in html
    assert "sms2fa" not in "".join(re.findall(r"<script[^>]*src=\"([^\"]+)\"", html))
    assert "Gateway balance" in html and "unknown" in html


def test_dashboard_is_linked_from_the_app_index_and_needs_both_logs(admin_client, django_user_model):
    index = admin_client.get("/admin/sms2fa/").content.decode()
    assert 'href="/admin/sms2fa/challenge/dashboard/"' in index
    clerk = django_user_model.objects.create_user("clerk", is_staff=True)
    client = Client()
    verified_login(client, clerk)
    assert client.get("/admin/sms2fa/challenge/dashboard/").status_code == 403
    assert "challenge/dashboard/" not in client.get("/admin/").content.decode()


def test_balance_is_asked_of_iprog_once_and_kept(admin_client, iprog):
    iprog.credits[iprog.token] = 1234.5
    for _ in range(3):
        page = admin_client.get("/admin/sms2fa/challenge/dashboard/")
    assert re.search(r"Gateway balance</span>\s*<strong>1234.5</strong>", page.content.decode())
    asked = [r for r in iprog.requests if r.path.endswith("/account/sms_credits")]
    assert len(asked) == 1
    # The token went in the query string to IPROG, and appears nowhere on the page.
    assert iprog.token not in page.content.decode()


def test_balance_unknown_when_iprog_refuses(admin_client, iprog, settings):
    settings.SMS2FA_IPROG_API_TOKEN = "not-a-known-token"
    assert credits.credit_balance() is None
    page = admin_client.get("/admin/sms2fa/challenge/dashboard/").content.decode()
    assert re.search(r"Gateway balance</span>\s*<strong>unknown</strong>", page)


def test_balance_unknown_for_a_sender_without_one(admin_client):
    page = admin_client.get("/admin/sms2fa/challenge/dashboard/").content.decode()
    assert re.search(r"Gateway balance</span>\s*<strong>unknown</strong>", page)
