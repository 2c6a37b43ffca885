"""Where to send a user after the second step: never off-site."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def is_safe(request: HttpRequest, url: str) -> bool:
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def safe_next_url(request: HttpRequest) -> str:
    """The request's ``next`` if it stays on this site, else ``LOGIN_REDIRECT_URL``."""
    url = request.POST.get(REDIRECT_FIELD_NAME) or request.GET.get(REDIRECT_FIELD_NAME) or ""
    if url and is_safe(request, url):
        return url
    return resolve_url(settings.LOGIN_REDIRECT_URL)
