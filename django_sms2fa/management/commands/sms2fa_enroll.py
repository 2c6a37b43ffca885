"""manage.py sms2fa_enroll USERNAME PHONE: give a user a confirmed phone."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...phone_admin import set_confirmed_phone
from ...phones import InvalidPhoneNumber


class Command(BaseCommand):
    help = (
        "Give USERNAME the confirmed phone PHONE (replacing any other), for support "
        "staff and scripts. Recorded in the security log as a support action."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username")
        parser.add_argument("phone", help="e.g. 09171234567, 639171234567 or +63 917 123 4567")

    def handle(self, *args: Any, username: str, phone: str, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user with {User.USERNAME_FIELD} {username!r}.") from None
        try:
            created = set_confirmed_phone(
                user, phone, actor=f"manage.py sms2fa_enroll (OS user {getpass.getuser()})"
            )
        except InvalidPhoneNumber as exc:
            raise CommandError(f"{exc} Got {phone!r}.") from None
        done = f"{username} now has the confirmed phone {created.masked}."
        self.stdout.write(self.style.SUCCESS(done))
