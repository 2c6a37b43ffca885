"""A circuit breaker in front of the gateway: after ``SMS2FA_BREAKER_FAILURES``
gateway failures in a row, sends stop for ``SMS2FA_BREAKER_COOLDOWN`` seconds
instead of hammering a gateway that is down (and making each user wait for its
timeout). State lives in the rate-limit cache, so every worker sees it.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core.cache import caches

from . import clock
from .conf import app_settings
from .exceptions import GatewayBadResponse, GatewayTimeout, GatewayUnavailable, SendError

logger = logging.getLogger(__name__)

FAILURES_KEY = "sms2fa:breaker:failures"
OPEN_KEY = "sms2fa:breaker:open"
#: Errors that say the gateway itself is unwell, not that one message was refused.
TRIPPING_ERRORS = (GatewayUnavailable, GatewayTimeout, GatewayBadResponse)


def _cache():
    return caches[getattr(settings, "RATELIMIT_USE_CACHE", "default")]


def is_open() -> bool:
    try:
        until = _cache().get(OPEN_KEY)
        return until is not None and until > clock.now().timestamp()
    except Exception:
        # The rate limits fail closed on a cache outage already; the breaker
        # only saves the gateway from load and may stay quiet here.
        return False


def record(error: SendError | None) -> None:
    """Note the outcome of one send attempt."""
    try:
        cache = _cache()
        if error is None or not isinstance(error, TRIPPING_ERRORS):
            cache.delete(FAILURES_KEY)
            return
        cache.add(FAILURES_KEY, 0, timeout=app_settings.BREAKER_COOLDOWN * 10)
        failures = cache.incr(FAILURES_KEY)
        if failures >= app_settings.BREAKER_FAILURES:
            cooldown = app_settings.BREAKER_COOLDOWN
            cache.set(OPEN_KEY, clock.now().timestamp() + cooldown, timeout=cooldown)
            cache.delete(FAILURES_KEY)
            logger.warning("sms2fa: gateway failed %d times in a row; pausing sends for %d s",
                           failures, app_settings.BREAKER_COOLDOWN)
    except Exception:
        logger.exception("sms2fa: circuit breaker could not reach the cache")
