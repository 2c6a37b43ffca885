"""manage.py sms2fa_send_test PHONE: send one test SMS through the configured sender."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from ...enrollment import validate_number
from ...exceptions import SendError
from ...phones import InvalidPhoneNumber, mask
from ...quota import take_budget
from ...senders import SMS, get_sender

EXIT_NOT_SENT = 2
EXIT_MAYBE_SENT = 3
DEFAULT_TEXT = "Test message from django-sms2fa: the SMS gateway works."


class Command(BaseCommand):
    help = (
        "Send one test SMS (no code) to PHONE through SMS2FA_SENDER, within the allowed "
        "regions and the daily SMS budget, and print the gateway's message id. Exit "
        "status: 0 accepted by the gateway; 1 usage error or a number that cannot "
        "receive codes; 2 not sent (refused, unreachable, budget spent); 3 unknown: "
        "the gateway did not say (it may still arrive, do not resend at once)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("phone", help="e.g. 09171234567, 639171234567 or +63 917 123 4567")
        parser.add_argument("--message", default=DEFAULT_TEXT, help="The text to send.")

    def handle(self, *args: Any, phone: str, message: str, **options: Any) -> None:
        try:
            number = validate_number(phone)
        except InvalidPhoneNumber as exc:
            raise CommandError(f"{exc} Got {phone!r}.") from None
        sender = get_sender()
        try:
            with transaction.atomic():
                take_budget()
            result = sender.send(SMS(to=number, body=message))
        except SendError as error:
            code = EXIT_MAYBE_SENT if error.may_have_been_sent else EXIT_NOT_SENT
            verdict = "may have been sent" if error.may_have_been_sent else "not sent"
            raise CommandError(
                f"{type(error).__name__}: {error.detail or error}; {verdict}.", returncode=code
            ) from None
        self.stdout.write(self.style.SUCCESS(
            f"{type(sender).__name__} accepted the SMS to {mask(number)}"
            + (f", message id {result.message_id}." if result.message_id else ".")
        ))
