"""Ask the gateway what became of sent codes and record its answer on each
challenge (``gateway_status``, ``gateway_status_at``). IPROG has no delivery
webhooks, so this is polled: by ``manage.py sms2fa_delivery_status`` or the
challenge admin's action. Only these two fields are written here; a
challenge's own state (status, attempts) stays with ``challenges``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db.models import QuerySet

from . import clock
from .exceptions import GatewayRejected, SendError
from .models import Challenge
from .senders import BaseSender, get_sender

#: Statuses after which a message's fate no longer changes: not asked again.
FINAL_STATUSES = frozenset({"delivered", "failed", "undelivered", "rejected", "expired"})


@dataclass
class StatusReport:
    """What one round of asking found."""

    recorded: dict[str, int] = field(default_factory=dict)
    #: Messages the gateway refused to tell about (unknown id, bad token): id -> reason.
    refused: dict[str, str] = field(default_factory=dict)
    #: The error that stopped the round (gateway down or too slow), if any.
    stopped_by: SendError | None = None

    @property
    def asked(self) -> int:
        return sum(self.recorded.values()) + len(self.refused)


def recent(hours: float = 24, *, include_final: bool = False) -> QuerySet[Challenge]:
    """Challenges of the past ``hours`` whose SMS the gateway took, newest first."""
    since = clock.now() - timedelta(hours=hours)
    found = Challenge.objects.filter(created_at__gte=since).exclude(gateway_message_id="")
    if not include_final:
        found = found.exclude(gateway_status__in=FINAL_STATUSES)
    return found.order_by("-created_at")


def ask(
    challenges: Iterable[Challenge],
    *,
    sender: BaseSender | None = None,
    progress: Callable[[], None] | None = None,
) -> StatusReport:
    """Ask ``sender`` (the configured one by default) for the status of each
    challenge's message and record it. A refusal for one message is noted and
    the round goes on; an error that says the gateway is unwell stops it."""
    sender = sender or get_sender()
    report = StatusReport()
    for challenge in challenges:
        if not challenge.gateway_message_id:
            continue
        try:
            status = sender.message_status(challenge.gateway_message_id)
        except GatewayRejected as refusal:
            report.refused[challenge.gateway_message_id] = refusal.detail
            continue
        except SendError as error:
            report.stopped_by = error
            break
        finally:
            if progress is not None:
                progress()
        if status is None:  # a sender that cannot tell
            continue
        Challenge.objects.filter(pk=challenge.pk).update(
            gateway_status=status, gateway_status_at=clock.now()
        )
        report.recorded[status] = report.recorded.get(status, 0) + 1
    return report
