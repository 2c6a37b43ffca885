"""Alerts when security events cross a threshold (``SMS2FA_ALERT_RULES``).

An alert is a WARNING on the ``django_sms2fa.alerts`` logger, an ``ALERT``
security event, and optionally a call to ``SMS2FA_ALERT_HANDLER`` and a mail to
the ``ADMINS``. Each fires once per window, when the site-wide count of a kind
within its window reaches the threshold.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from django.core.mail import mail_admins
from django.utils.module_loading import import_string

from . import clock
from .conf import app_settings
from .models import SecurityEvent

logger = logging.getLogger(__name__)


def check(event: SecurityEvent) -> None:
    rule = app_settings.ALERT_RULES.get(event.kind)
    if not rule:
        return
    threshold, seconds = rule
    since = clock.now() - timedelta(seconds=seconds)
    count = SecurityEvent.objects.filter(kind=event.kind, created_at__gte=since).count()
    if count < threshold:
        return
    fire(f"sms2fa alert: kind {event.kind}", f"{count} events in the last {seconds} s",
         since=since, kind=event.kind, count=count, seconds=seconds, event=event)


def fire(marker: str, text: str, *, since: datetime, kind: str, count: int, seconds: int,
         event: SecurityEvent | None = None) -> None:
    """Raise the alert ``marker`` once since ``since``: log it, record it, and
    call ``SMS2FA_ALERT_HANDLER(kind, count, seconds, event)`` and mail the
    admins if configured (``event`` is None for alerts on counts of codes)."""
    if SecurityEvent.objects.filter(kind=SecurityEvent.Kind.ALERT, created_at__gte=since,
                                    detail__startswith=marker).exists():
        return
    text = f"{marker}: {text}"
    logger.warning(text)
    SecurityEvent.objects.create(kind=SecurityEvent.Kind.ALERT, detail=text[:255],
                                 created_at=clock.now())
    if app_settings.ALERT_HANDLER:
        try:
            import_string(app_settings.ALERT_HANDLER)(kind, count, seconds, event)
        except Exception:
            logger.exception("sms2fa: alert handler failed")
    if app_settings.ALERT_MAIL_ADMINS:
        try:
            mail_admins("Security alert", text)
        except Exception:
            logger.exception("sms2fa: could not mail the admins")
