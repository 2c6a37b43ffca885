"""System checks on the site around django-sms2fa: its sessions, its LOGIN_URL,
a development sender left on in production, and SMS2FA_* settings that are
misspelt or of the wrong type (a typo must not fall back to a default silently).
"""

from __future__ import annotations

import difflib
from typing import Any

from django.conf import settings
from django.core import checks, mail
from django.shortcuts import resolve_url
from django.urls import NoReverseMatch, Resolver404, resolve
from django.utils.module_loading import import_string

from .conf import AppSettings, Setting, app_settings

Messages = list[checks.CheckMessage]
DEV_SENDERS = ("django_sms2fa.senders.ConsoleSender", "django_sms2fa.senders.LocmemSender")
COOKIE_SESSIONS = "django.contrib.sessions.backends.signed_cookies"
#: Settings whose documented default allows None besides the default's type.
NULLABLE = frozenset({"DAILY_SMS_BUDGET", "DAILY_UNCONFIRMED_BUDGET"})
#: Settings whose value ``checks.check_settings`` validates in full (sms2fa.E012).
VALIDATED_ELSEWHERE = frozenset({
    "REQUIRED", "SEND_RATE_PHONE", "ENROLL_RATE_PHONE", "SEND_RATE_USER", "SEND_RATE_IP",
    "VERIFY_RATE_USER", "VERIFY_RATE_IP",
})


def known_settings() -> dict[str, Setting]:
    return {
        f"SMS2FA_{name}": value for name, value in vars(AppSettings).items()
        if isinstance(value, Setting)
    }


@checks.register(checks.Tags.security)
def check_dev_sender_without_debug(app_configs: Any = None, **kwargs: Any) -> Messages:
    # Django's test environment (``setup_test_environment``, used by its runner and
    # pytest-django) turns DEBUG off and adds ``mail.outbox``: tests may use them.
    if settings.DEBUG or hasattr(mail, "outbox") or not _is_dev_sender(app_settings.SENDER):
        return []
    return [checks.Error(
        f"SMS2FA_SENDER is {app_settings.SENDER} while DEBUG is off: no code reaches a "
        "phone, and ConsoleSender writes every code into the process output.",
        hint="Use django_sms2fa.senders.IPROGSender (or another real sender) in production.",
        id="sms2fa.E014",
    )]


def _is_dev_sender(path: str) -> bool:
    try:
        sender = import_string(path)
    except ImportError:
        return False  # sms2fa.E004 reports it
    dev = tuple(import_string(p) for p in DEV_SENDERS)
    return isinstance(sender, type) and issubclass(sender, dev)


@checks.register(checks.Tags.security)
def check_session_engine(app_configs: Any = None, **kwargs: Any) -> Messages:
    try:
        store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
        cookie_store = import_string(f"{COOKIE_SESSIONS}.SessionStore")
    except ImportError:
        return []
    if not issubclass(store, cookie_store):
        return []
    return [checks.Error(
        f"SESSION_ENGINE is {settings.SESSION_ENGINE}, which keeps the session in the "
        "browser's cookie: a login waiting for its code could be replayed from an old "
        "cookie, and no session can be ended on the server (a phone change or a reset "
        "could not sign other browsers out).",
        hint="Use the database, cache or cached_db session engine.",
        id="sms2fa.E015",
    )]


@checks.register(checks.Tags.security)
def check_setting_names_and_types(app_configs: Any = None, **kwargs: Any) -> Messages:
    known = known_settings()
    errors: list[checks.CheckMessage] = []
    for name in sorted(dir(settings)):
        if not name.startswith("SMS2FA_") or name in known:
            continue
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.75)
        errors.append(checks.Error(
            f"{name} is not a django-sms2fa setting; it has no effect.",
            hint=f"Did you mean {close[0]}?" if close else "docs/settings.md lists every setting.",
            id="sms2fa.E016",
        ))
    for name, setting in known.items():
        if name.removeprefix("SMS2FA_") in VALIDATED_ELSEWHERE or not hasattr(settings, name):
            continue
        if not _right_type(name, getattr(settings, name), setting):
            value = getattr(settings, name)
            errors.append(checks.Error(
                f"{name} is a {type(value).__name__}; it must be {_expected(name, setting)}.",
                hint=f"The default is {setting.default!r}.",
                id="sms2fa.E017",
            ))
    return errors


def _types(name: str, setting: Setting) -> tuple[type, ...]:
    default = setting.default
    if isinstance(default, bool):
        types: tuple[type, ...] = (bool,)
    elif isinstance(default, (int, float)):
        types = (int, float)
    elif isinstance(default, (list, tuple)):
        types = (list, tuple)
    else:
        types = (type(default),)
    return (*types, type(None)) if name.removeprefix("SMS2FA_") in NULLABLE else types


def _right_type(name: str, value: Any, setting: Setting) -> bool:
    types = _types(name, setting)
    if isinstance(value, bool) and bool not in types:
        return False  # True is an int to Python, not a number of seconds to us
    return isinstance(value, types)


def _expected(name: str, setting: Setting) -> str:
    words = {bool: "True or False", int: "a number", float: "", list: "a list", tuple: "",
             dict: "a dict", str: "a string", type(None): "None"}
    return " or ".join(w for w in (words.get(t, t.__name__) for t in _types(name, setting)) if w)


@checks.register(checks.Tags.urls)
def check_login_url(app_configs: Any = None, **kwargs: Any) -> Messages:
    url = settings.LOGIN_URL
    try:
        path: str | None = str(resolve_url(url))
    except NoReverseMatch:  # a bare word that is no URL name
        path = None
    if path is not None and not path.startswith("/"):
        return []  # another host (an SSO page): not ours to resolve
    if path is not None:
        prefix = (getattr(settings, "FORCE_SCRIPT_NAME", None) or "").rstrip("/")
        try:
            resolve(path.split("?", 1)[0].removeprefix(prefix) or "/")
            return []
        except Resolver404:
            pass
    return [checks.Error(
        f"LOGIN_URL {url!r} does not resolve to a page of this site: a login that must "
        "start over (its code expired, the wait ran out) would end on a 404.",
        hint="Set LOGIN_URL to the URL name or path of your login view.",
        id="sms2fa.E018",
    )]
