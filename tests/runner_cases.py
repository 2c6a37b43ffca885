"""Run by Django's own test runner (see test_testing_helpers.py), with pytest
made unimportable: a site that does not use pytest uses the helpers like this."""

from django.test import TestCase, override_settings

from django_sms2fa.models import Phone
from django_sms2fa.senders import outbox
from django_sms2fa.testing import code_from, verified_login


@override_settings(SMS2FA_SENDER="django_sms2fa.senders.LocmemSender")
class HelpersOnDjangosRunner(TestCase):
    def setUp(self):
        from django.contrib.auth import get_user_model

        self.user = get_user_model().objects.create_user("erin", password="pw-erin-123")
        Phone.objects.create(user=self.user, number="+639175550000", confirmed=True)
        outbox.clear()

    def test_verified_login_gives_a_signed_in_session(self):
        verified_login(self.client, self.user)
        self.assertEqual(self.client.get("/whoami/").content, b"erin")

    def test_force_login_alone_stays_anonymous(self):
        self.client.force_login(self.user)
        self.assertEqual(self.client.get("/whoami/").content, b"anonymous")

    def test_code_from_reads_the_code_of_a_login(self):
        self.client.post("/accounts/login/", {"username": "erin", "password": "pw-erin-123"})
        response = self.client.post("/2fa/verify/", {"code": code_from(outbox[-1])})
        self.assertEqual(response.status_code, 302)
        self.assertEqual(self.client.get("/whoami/").content, b"erin")
