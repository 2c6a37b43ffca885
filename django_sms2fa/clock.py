"""The one source of the current time, so tests can move it forward."""

from datetime import datetime

from django.utils import timezone


def now() -> datetime:
    return timezone.now()
