"""manage.py sms2fa_doctor: check the configuration, the IPROG token and the credits."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core import checks
from django.core.management.base import BaseCommand, CommandError, CommandParser

from ...conf import app_settings
from ...exceptions import GatewayRejected, SendError
from ...senders import get_sender

EXIT_GATEWAY = 2
EXIT_LOW_CREDITS = 3


class Command(BaseCommand):
    help = (
        "Check django-sms2fa's configuration (its system checks, with --deploy the "
        "production ones too), then ask the gateway for the account's credit balance, "
        "which also proves the API token. Never prints the token. Exit status: 0 all "
        "good; 1 a configuration error (an sms2fa check Error); 2 the gateway refused "
        "the token or could not be asked; 3 credits below --min-credits."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--deploy", action="store_true",
                            help="Also run the production (--deploy) checks.")
        parser.add_argument("--min-credits", type=Decimal, default=Decimal(0),
                            help="Fail (exit 3) when the balance is below this (default 0).")

    def handle(self, *args: Any, deploy: bool, min_credits: Decimal, **options: Any) -> None:
        self.stdout.write(f"sender: {app_settings.SENDER}")
        self.stdout.write(f"IPROG base URL: {app_settings.IPROG_BASE_URL}")
        self.stdout.write(f"IPROG token: {'set' if app_settings.IPROG_API_TOKEN else 'not set'}")
        cache = getattr(settings, "RATELIMIT_USE_CACHE", "default")
        self.stdout.write(f"rate-limit cache: {settings.CACHES.get(cache, {}).get('BACKEND')}")
        found = [m for m in checks.run_checks(include_deployment_checks=deploy)
                 if (m.id or "").startswith("sms2fa.")]
        for message in found:
            hint = f" ({message.hint})" if message.hint else ""
            self.stdout.write(f"{message.id}: {message.msg}{hint}")
        if any(m.is_serious() for m in found):
            raise CommandError(f"{len(found)} configuration problem(s), see above.")
        self.stdout.write("checks: " + ("no errors" if not found else f"{len(found)} warning(s)"))
        self.balance(min_credits)

    def balance(self, min_credits: Decimal) -> None:
        sender = get_sender()
        try:
            balance = sender.credit_balance()
        except GatewayRejected as error:
            raise CommandError(f"The gateway refused: {error.detail}. Is the API token right?",
                               returncode=EXIT_GATEWAY) from None
        except SendError as error:
            raise CommandError(f"The gateway could not be asked: {error.detail}.",
                               returncode=EXIT_GATEWAY) from None
        if balance is None:
            self.stdout.write(f"credits: {type(sender).__name__} has no account to ask")
            return
        self.stdout.write(f"credits: {balance}")
        if balance < min_credits:
            raise CommandError(f"Credits {balance} are below {min_credits}.",
                               returncode=EXIT_LOW_CREDITS)
        self.stdout.write(self.style.SUCCESS("All good."))
