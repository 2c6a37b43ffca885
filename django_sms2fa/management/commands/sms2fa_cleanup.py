"""manage.py sms2fa_cleanup: delete challenges and security events past their retention."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import retention
from ..progress import Progress


class Command(BaseCommand):
    help = (
        "Delete challenges older than SMS2FA_CHALLENGE_RETENTION_DAYS (90), security "
        "events older than SMS2FA_EVENT_RETENTION_DAYS (365) and idle gate rows, in "
        "batches (flat memory, short transactions; safe while the site runs). Exit "
        "status: 0 done (or nothing to do); 1 usage error, e.g. a retention under "
        f"{retention.MIN_RETENTION_DAYS} days."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--challenge-days", type=float,
                            help="Keep challenges this many days (default: the setting).")
        parser.add_argument("--event-days", type=float,
                            help="Keep security events this many days (default: the setting).")
        parser.add_argument("--batch-size", type=int, default=20000,
                            help="Rows per delete (default 20000).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Only count what would be deleted.")

    def handle(self, *args: Any, challenge_days: float | None, event_days: float | None,
               batch_size: int, dry_run: bool, **options: Any) -> None:
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        try:
            work = [
                # Events first: those about the challenges then need no unlinking.
                ("security events", retention.old_events(event_days)),
                ("challenges", retention.expired_challenges(challenge_days)),
                ("gate rows", retention.idle_gates(challenge_days)),
            ]
        except ValueError as exc:
            raise CommandError(str(exc).capitalize() + ".") from None
        for label, queryset in work:
            total = queryset.count()
            if dry_run:
                self.stdout.write(f"{label}: {total} would be deleted")
                continue
            progress = Progress(self.stderr, f"deleting {label}", total)
            for count in retention.purge(queryset, batch_size):
                progress.advance(count)
            progress.finish()
            self.stdout.write(f"{label}: {progress.done} deleted")
