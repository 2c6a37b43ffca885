"""Confirmations through Django's messages framework, where the site has it, and
the recovery codes just made, kept for the one page that shows them."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.http import urlencode

from .. import flash

NEW_CODES = "recovery_codes"


def confirm(request: HttpRequest, text: str) -> bool:
    """Say ``text`` on the next page; False if the site has no messages framework."""
    if not hasattr(request, "_messages"):
        return False
    messages.success(request, text)
    return True


def show_new_codes(request: HttpRequest, codes: list[str], next_url: str) -> HttpResponse:
    """Redirect to the page that shows ``codes`` once: a reload there makes no new set."""
    flash.put(request.session, NEW_CODES, list(codes))
    query = urlencode({"next": next_url})
    return HttpResponseRedirect(f"{reverse('sms2fa:recovery_codes_new')}?{query}")
