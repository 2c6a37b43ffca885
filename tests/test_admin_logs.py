"""The challenge and event lists as an operator reads them: shown status, local
times, search by the last digits, a bounded count, cheap filters."""

from __future__ import annotations

import re

import pytest

from django_sms2fa.admin.base import CappedPaginator
from django_sms2fa.models import Challenge, SecurityEvent

from .conftest import last_code, password_step, wrong_code

pytestmark = pytest.mark.django_db


def rows(page) -> list[str]:
    """The text of each row of the changelist's result table."""
    html = page.content.decode()
    if "<tbody>" not in html:
        return []
    body = html.split('<tbody>', 1)[1].split("</tbody>", 1)[0]
    return [re.sub(r"<[^>]+>", " ", row) for row in body.split("<tr")[1:]]


def test_expired_and_cancelled_codes_do_not_read_pending(admin_client, user, frozen_clock):
    expired, cancelled = type(admin_client)(), type(admin_client)()
    password_step(expired)
    frozen_clock.advance(301)
    password_step(cancelled)
    cancelled.post("/2fa/cancel/")
    (row_cancelled, row_expired) = rows(admin_client.get("/admin/sms2fa/challenge/"))
    assert "cancelled" in row_cancelled and "pending" not in row_cancelled
    assert "expired" in row_expired and "pending" not in row_expired
    challenge = Challenge.objects.order_by("created_at").first()
    page = admin_client.get(f"/admin/sms2fa/challenge/{challenge.pk}/change/")
    assert b"expired" in page.content and b"pending" not in page.content
    # The status filter tells them apart too.
    only_expired = rows(admin_client.get("/admin/sms2fa/challenge/?state=expired"))
    assert len(only_expired) == 1 and "expired" in only_expired[0]
    assert rows(admin_client.get("/admin/sms2fa/challenge/?state=pending")) == []


def test_a_cancelled_code_cannot_be_used(client, user):
    password_step(client)
    code = last_code()
    client.post("/2fa/cancel/")
    assert Challenge.objects.get().status == Challenge.Status.CANCELLED
    password_step(client)  # a new login in the same browser: the old code stays void
    client.post("/2fa/verify/", {"code": code})
    assert client.get("/whoami/").content == b"anonymous"


def test_event_title_shows_the_local_time_of_the_list(admin_client, user, settings, frozen_clock):
    settings.TIME_ZONE = "Asia/Manila"
    browser = type(admin_client)()
    password_step(browser)
    browser.post("/2fa/verify/", {"code": wrong_code(last_code())})  # logged: a wrong code
    event = SecurityEvent.objects.filter(user=user).first()
    listed = admin_client.get("/admin/sms2fa/securityevent/").content.decode()
    page = admin_client.get(f"/admin/sms2fa/securityevent/{event.pk}/change/").content.decode()
    # 12:00 UTC is 8 p.m. in Manila: the list and the title both say so.
    assert "8 p.m." in listed
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert "8 p.m." in title and "12:00" not in title


def test_search_by_last_digits_reveals_no_more_than_the_mask(admin_client, user, plain_user):
    browser = type(admin_client)()
    password_step(browser)  # a code to alice's +639171234567
    browser.post("/2fa/verify/", {"code": wrong_code(last_code())})  # logged: a wrong code
    for url in ("/admin/sms2fa/challenge/", "/admin/sms2fa/securityevent/", "/admin/sms2fa/phone/"):
        found = admin_client.get(url + "?q=4567")
        assert found.status_code == 200 and rows(found), url
        assert all("******4567" in row for row in rows(found)), url
        assert any("alice" in row for row in rows(found)), url
        assert rows(admin_client.get(url + "?q=*4567")) == rows(found), url
        assert rows(admin_client.get(url + "?q=9999")) == [], url
        # More digits than the mask shows are refused, with a word why: a search
        # must not confirm a guessed full number.
        longer = admin_client.get(url + "?q=9171234567", follow=True)
        assert rows(longer) == [], url
        assert any("last 4 digits" in str(m) for m in longer.context["messages"]), url
        assert b"******4567" not in longer.content


def test_search_by_ip_and_user(admin_client, user, plain_user):
    other = type(admin_client)(REMOTE_ADDR="198.51.100.9")
    password_step(other)
    assert len(rows(admin_client.get("/admin/sms2fa/challenge/?q=198.51.100.9"))) == 1
    assert rows(admin_client.get("/admin/sms2fa/challenge/?q=198.51.100.10")) == []
    assert len(rows(admin_client.get("/admin/sms2fa/challenge/?q=ali"))) == 1
    assert len(rows(admin_client.get("/admin/sms2fa/challenge/?q=alice%40example"))) == 1
    assert rows(admin_client.get("/admin/sms2fa/challenge/?q=bob")) == []


def test_counts_stop_at_the_cap(admin_client, user, monkeypatch, frozen_clock):
    monkeypatch.setattr(CappedPaginator, "CAP", 3)
    for _ in range(5):
        password_step(type(admin_client)())
        frozen_clock.advance(3600)
    page = admin_client.get("/admin/sms2fa/challenge/")
    assert b"More than 3 challenges" in page.content
    assert len(rows(admin_client.get("/admin/sms2fa/challenge/?state=verified"))) == 0
    monkeypatch.setattr(CappedPaginator, "CAP", 10)
    assert b"5 challenges" in admin_client.get("/admin/sms2fa/challenge/").content


def test_purpose_filter_offers_the_purposes_in_use(admin_client, signed_in):
    signed_in.post("/2fa/step-up/?purpose=payout&next=/payout/", {"send": "1"})
    page = admin_client.get("/admin/sms2fa/challenge/").content.decode()
    assert "?purpose=login" in page and "?purpose=payout" in page
    payouts = rows(admin_client.get("/admin/sms2fa/challenge/?purpose=payout"))
    assert len(payouts) == 1 and "payout" in payouts[0]


def test_no_date_hierarchy_scan_and_wrong_code_detail(admin_client, user):
    other = type(admin_client)()
    password_step(other)
    other.post("/2fa/verify/", {"code": wrong_code(last_code())})
    page = admin_client.get("/admin/sms2fa/challenge/").content.decode()
    assert "xfull" not in page and 'class="xfull"' not in page
    assert "Dashboard" in page
