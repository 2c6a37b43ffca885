"""manage.py sms2fa_delivery_status: ask the gateway what became of recent codes."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from ... import delivery
from ...senders import BaseSender, get_sender
from ..progress import Progress

EXIT_STOPPED = 2
EXIT_SOME_REFUSED = 3


class Command(BaseCommand):
    help = (
        "Ask the SMS gateway (IPROG) for the delivery status of the codes sent in the "
        "past hours and record it on each challenge (shown in the admin). Messages "
        "already delivered or failed are not asked again unless --all is given. "
        "Exit status: 0 all recorded; 1 usage or configuration error; 2 the gateway "
        "could not be asked (down or too slow), the rest was left; 3 the gateway refused "
        "to tell about some messages (unknown id)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--hours", type=float, default=24,
                            help="How far back to look (default 24).")
        parser.add_argument("--limit", type=int, default=1000,
                            help="Ask about at most this many, newest first (default 1000).")
        parser.add_argument("--all", action="store_true", dest="include_final",
                            help="Also ask again about messages already delivered or failed.")

    def handle(self, *args: Any, hours: float, limit: int, include_final: bool,
               **options: Any) -> None:
        if hours <= 0 or limit <= 0:
            raise CommandError("--hours and --limit must be positive.")
        sender = get_sender()
        if type(sender).message_status is BaseSender.message_status:
            name = type(sender).__name__
            raise CommandError(f"{name} cannot tell the delivery status of a message.")
        challenges = list(delivery.recent(hours, include_final=include_final)[:limit])
        progress = Progress(self.stderr, "asked", len(challenges))
        report = delivery.ask(challenges, sender=sender, progress=progress.advance)
        progress.finish()
        for status, count in sorted(report.recorded.items()):
            self.stdout.write(f"{status}: {count}")
        for message_id, reason in report.refused.items():
            self.stderr.write(f"{message_id}: the gateway refused to tell ({reason})")
        if report.stopped_by is not None:
            left = len(challenges) - report.asked
            raise CommandError(
                f"Stopped: {report.stopped_by.detail}; {left} message(s) left without a status.",
                returncode=EXIT_STOPPED,
            )
        if report.refused:
            raise CommandError(
                f"The gateway refused to tell about {len(report.refused)} message(s).",
                returncode=EXIT_SOME_REFUSED,
            )
        self.stdout.write(self.style.SUCCESS(f"Recorded the status of {report.asked} message(s)."))
