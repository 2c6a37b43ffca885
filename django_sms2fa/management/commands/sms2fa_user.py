"""manage.py sms2fa_user status|unlock|reset-phone USERNAME: support actions."""

from __future__ import annotations

import getpass
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Q

from ... import clock, recovery
from ...enrollment import remove_phone
from ...lockout import locked_until, unlock
from ...models import Challenge, Phone, SecurityEvent


class Command(BaseCommand):
    help = (
        "Support actions on one user's two-factor sign-in. 'status' shows the phone "
        "(masked), recovery codes left, lockout and recent codes; 'unlock' lifts a "
        "lockout; 'reset-phone' removes the phone and recovery codes (a lost phone) "
        "and tells the old number. unlock and reset-phone are recorded in the security "
        "log with the actor: --actor, or else the OS user running the command. Exit "
        "status: 0 done; 1 no such user or usage error; 3 (unlock, reset-phone) there "
        "was nothing to do."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("action", choices=["status", "unlock", "reset-phone"])
        parser.add_argument("username")
        parser.add_argument("--actor", default="",
                            help="Who asked for it, for the security log (default: the OS user).")

    def handle(self, *args: Any, action: str, username: str, actor: str, **options: Any) -> None:
        User = get_user_model()
        try:
            user = User._default_manager.get_by_natural_key(username)
        except User.DoesNotExist:
            raise CommandError(f"No user with {User.USERNAME_FIELD} {username!r}.") from None
        actor = f"{actor or 'OS user ' + getpass.getuser()} (manage.py sms2fa_user)"
        if action == "status":
            self.status(user)
        elif action == "unlock":
            self.unlock(user, actor)
        else:
            self.reset(user, actor)

    def status(self, user: Any) -> None:
        phone = Phone.objects.filter(user=user, confirmed=True).with_last_use().first()
        until = locked_until(user.pk)
        day = clock.now().replace(hour=0, minute=0, second=0, microsecond=0)
        codes = Challenge.objects.filter(user=user, created_at__gte=day).aggregate(
            sent=Count("pk"), verified=Count("pk", filter=Q(status=Challenge.Status.VERIFIED)),
        )
        last = SecurityEvent.objects.filter(user=user).order_by("-created_at").first()
        lines = [
            f"user: {user.get_username()}",
            f"phone: {phone.masked if phone else 'none (2FA off)'}",
            f"phone last used: {_when(phone.last_used_at) if phone else '-'}",
            f"recovery codes left: {recovery.remaining(user.pk)}",
            f"locked until: {_when(until) if until else 'not locked'}",
            f"codes today: {codes['sent']} sent, {codes['verified']} verified",
            f"last security event: {last if last else 'none'}",
            "remembered browsers: kept in signed cookies, not on the server; "
            "reset-phone revokes them all",
        ]
        self.stdout.write("\n".join(lines))

    def unlock(self, user: Any, actor: str) -> None:
        if locked_until(user.pk) is None:
            raise CommandError(f"{user.get_username()} is not locked out.", returncode=3)
        unlock(user, actor=actor)
        self.stdout.write(self.style.SUCCESS(f"Lifted the lockout of {user.get_username()}."))

    def reset(self, user: Any, actor: str) -> None:
        if not Phone.objects.filter(user=user).exists():
            raise CommandError(f"{user.get_username()} has no phone.", returncode=3)
        remove_phone(user, by=actor)
        self.stdout.write(self.style.SUCCESS(
            f"Removed the phone and recovery codes of {user.get_username()}; "
            "the old number was told."
        ))


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M %Z") if moment else "never"
