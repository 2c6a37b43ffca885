"""Rate limits on sending and checking codes, enforced with django-ratelimit,
and the client IP they count by.

The rates are settings (``SMS2FA_SEND_RATE_USER`` ...); the counters live in the
cache named by django-ratelimit's ``RATELIMIT_USE_CACHE``. If that cache fails,
``LimitsUnavailable`` is raised: a broken cache must not open the door to SMS
floods or code guessing, so callers refuse the request.
"""

from __future__ import annotations

import ipaddress
import logging
import re

from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from .conf import app_settings
from .exceptions import LimitsUnavailable

logger = logging.getLogger(__name__)

_RATE = re.compile(r"(\d+)/(\d*)([smhd])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_rate(rate: str) -> tuple[int, int]:
    """``"5/10m"`` -> (5, 600): django-ratelimit's rate format."""
    match = _RATE.fullmatch(rate)
    if match is None:
        raise ImproperlyConfigured(f"Rate {rate!r} is not like '5/10m'.")
    count, multiplier, unit = match.groups()
    return int(count), int(multiplier or 1) * _UNITS[unit]


#: NAT64's well-known prefix (RFC 6052): the last 32 bits are an IPv4 address.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 host an IPv6 address stands for, if it is one of the forms that
    embed it: IPv4-mapped (an IPv4 client of a dual-stack socket), NAT64, 6to4
    (one IPv4 host owns a whole /48) and Teredo (the client's public address)."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    return None


def _valid_ip(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    # An IPv4 client of a dual-stack socket arrives as ::ffff:a.b.c.d; logs show
    # the address it has.
    if address.version == 6 and address.ipv4_mapped is not None:
        return str(address.ipv4_mapped)
    return str(address)


def client_ip(request: HttpRequest) -> str:
    """The client's address for limits and logs.

    ``REMOTE_ADDR`` unless a trusted proxy is configured: either the header it
    sets (``SMS2FA_CLIENT_IP_HEADER``) or the X-Forwarded-For entry added by the
    outermost of ``SMS2FA_TRUSTED_PROXY_COUNT`` proxies. Entries to the left of
    that one are the client's own to forge and are never used.
    """
    remote = request.META.get("REMOTE_ADDR") or ""
    remote = _valid_ip(remote) or remote
    header = app_settings.CLIENT_IP_HEADER
    if header:
        return _valid_ip(request.META.get(header, "")) or remote
    count = app_settings.TRUSTED_PROXY_COUNT
    if count:
        hops = [h for h in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if h.strip()]
        if len(hops) >= count:
            return _valid_ip(hops[-count]) or remote
    return remote


def _hit(request: HttpRequest, group: str, rate: str, value: str) -> bool:
    try:
        return is_ratelimited(
            request, group=group, key=lambda _group, _request: value, rate=rate, increment=True
        )
    except Exception as exc:  # the cache is down: fail closed
        logger.error("sms2fa: rate-limit cache failed (%s); refusing %s", type(exc).__name__, group)
        raise LimitsUnavailable() from None


def ip_key(ip: str) -> str:
    """The key per-IP limits count by: the IPv4 address, or the /64 of an IPv6
    one, since one client commonly holds a whole /64.

    An IPv6 address that embeds an IPv4 one counts as that IPv4 address: else
    every IPv4 client of a server on ``[::]`` (all ``::ffff:a.b.c.d``) would share
    one /64 bucket, and each 6to4 host could spread over 65,536 of them.
    """
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip
    if address.version == 6:
        ipv4 = embedded_ipv4(address)
        if ipv4 is not None:
            return str(ipv4)
        return str(ipaddress.ip_network(f"{address}/64", strict=False).network_address)
    return str(address)


def send_limited(request: HttpRequest, key: str) -> bool:
    """Count a send for this user (or number) and IP; True if either is over its rate.

    Raises ``LimitsUnavailable`` if the rate-limit cache cannot be reached.
    """
    return _hit(request, "sms2fa.send.user", app_settings.SEND_RATE_USER, key) or _hit(
        request, "sms2fa.send.ip", app_settings.SEND_RATE_IP, ip_key(client_ip(request))
    )


def verify_limited(request: HttpRequest, key: str) -> bool:
    """Count a code check for this user and IP; True if either is over its rate.

    A cache failure counts as over the rate (no code is checked without limits).
    """
    try:
        return _hit(request, "sms2fa.verify.user", app_settings.VERIFY_RATE_USER, key) or _hit(
            request, "sms2fa.verify.ip", app_settings.VERIFY_RATE_IP, ip_key(client_ip(request))
        )
    except LimitsUnavailable:
        return True


def password_limited(request: HttpRequest, username: str) -> bool:
    """Count a password check of the JSON API's login for this username and IP
    (at the code-check rates); True if either is over its rate. Keyed by the name
    as typed, so the answer is the same whether or not such a user exists.

    Raises ``LimitsUnavailable`` if the rate-limit cache cannot be reached.
    """
    return _hit(request, "sms2fa.password.user", app_settings.VERIFY_RATE_USER,
                username.casefold()) or _hit(
        request, "sms2fa.password.ip", app_settings.VERIFY_RATE_IP, ip_key(client_ip(request))
    )
