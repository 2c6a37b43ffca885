"""System checks: a configuration that would leave the site open is an Error."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.middleware.csrf import CsrfViewMiddleware
from django.urls import NoReverseMatch, reverse
from django.utils.module_loading import import_string

from .conf import app_settings

MIDDLEWARE_PATH = "django_sms2fa.middleware.SMS2FAMiddleware"
BACKEND_PATH = "django_sms2fa.backends.SMS2FABackend"
AUTH_MIDDLEWARE_PATH = "django.contrib.auth.middleware.AuthenticationMiddleware"
UNSHARED_CACHES = {
    "django.core.cache.backends.locmem.LocMemCache",
    "django.core.cache.backends.dummy.DummyCache",
    "django.core.cache.backends.filebased.FileBasedCache",
}
DEV_SENDERS = {"django_sms2fa.senders.ConsoleSender", "django_sms2fa.senders.LocmemSender"}


def _first_index(paths: list[str], base_path: str) -> int | None:
    """Index of the first entry that is ``base_path`` or a subclass of it."""
    base = import_string(base_path)
    for index, path in enumerate(paths):
        try:
            cls = import_string(path)
        except ImportError:
            continue
        if isinstance(cls, type) and issubclass(cls, base):
            return index
    return None


@checks.register(checks.Tags.security)
def check_login_is_held(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    middleware = list(settings.MIDDLEWARE)
    ours = _first_index(middleware, MIDDLEWARE_PATH)
    auth = _first_index(middleware, AUTH_MIDDLEWARE_PATH)
    if ours is None:
        errors.append(checks.Error(
            f"{MIDDLEWARE_PATH} is not in MIDDLEWARE: logins would not ask for the SMS code.",
            hint=f"Add '{MIDDLEWARE_PATH}' right after '{AUTH_MIDDLEWARE_PATH}'.",
            id="sms2fa.E001",
        ))
    elif auth is None or ours < auth:
        errors.append(checks.Error(
            f"{MIDDLEWARE_PATH} must come after {AUTH_MIDDLEWARE_PATH} in MIDDLEWARE.",
            hint="Move it below AuthenticationMiddleware, which it relies on.",
            id="sms2fa.E002",
        ))
    if _first_index(list(settings.AUTHENTICATION_BACKENDS), BACKEND_PATH) is None:
        errors.append(checks.Error(
            f"{BACKEND_PATH} is not in AUTHENTICATION_BACKENDS.",
            hint=f"Put '{BACKEND_PATH}' in AUTHENTICATION_BACKENDS in place of ModelBackend.",
            id="sms2fa.E003",
        ))
    try:
        reverse("sms2fa:verify")
    except NoReverseMatch:
        errors.append(checks.Error(
            "The URL 'sms2fa:verify' does not resolve: the second step has no page.",
            hint='Add path("2fa/", include("django_sms2fa.urls")) to your URLconf.',
            id="sms2fa.E007",
        ))
    return errors


@checks.register(checks.Tags.security)
def check_sender(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .senders import BaseSender, IPROGSender

    try:
        sender_class = import_string(app_settings.SENDER)
    except ImportError as exc:
        return [checks.Error(
            f"SMS2FA_SENDER {app_settings.SENDER!r} cannot be imported: {exc}",
            hint="Use a dotted path such as 'django_sms2fa.senders.IPROGSender'.",
            id="sms2fa.E004",
        )]
    if not (isinstance(sender_class, type) and issubclass(sender_class, BaseSender)):
        return [checks.Error(
            f"SMS2FA_SENDER {app_settings.SENDER!r} is not a subclass of BaseSender.",
            hint="Subclass django_sms2fa.senders.BaseSender.",
            id="sms2fa.E004",
        )]
    errors: list[checks.CheckMessage] = []
    try:
        sender_class(**app_settings.SENDER_OPTIONS)
    except (ImproperlyConfigured, TypeError) as exc:
        errors.append(checks.Error(str(exc), id="sms2fa.E006",
                                   hint="Remove or correct the key in SMS2FA_SENDER_OPTIONS."))
    if issubclass(sender_class, IPROGSender) and not app_settings.IPROG_API_TOKEN:
        errors.append(checks.Error(
            "SMS2FA_SENDER is IPROGSender but SMS2FA_IPROG_API_TOKEN is empty: "
            "no code can be sent.",
            hint="Set SMS2FA_IPROG_API_TOKEN from the environment, never in source control.",
            id="sms2fa.E005",
        ))
    return errors


@checks.register(checks.Tags.security, deploy=True)
def check_deployment(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    if app_settings.SENDER in DEV_SENDERS:
        errors.append(checks.Error(
            f"SMS2FA_SENDER is {app_settings.SENDER}, which does not deliver SMS.",
            hint="Use django_sms2fa.senders.IPROGSender (or another real sender) in production.",
            id="sms2fa.E008",
        ))
    if app_settings.SENDER not in DEV_SENDERS and not app_settings.IPROG_BASE_URL.startswith(
        "https://"
    ):
        errors.append(checks.Error(
            "SMS2FA_IPROG_BASE_URL is not https: the API token and every code would cross "
            "the network in clear.",
            hint="Use the https URL of the IPROG API.",
            id="sms2fa.E013",
        ))
    cache_name = getattr(settings, "RATELIMIT_USE_CACHE", "default")
    backend = settings.CACHES.get(cache_name, {}).get("BACKEND", "")
    if backend in UNSHARED_CACHES or not backend:
        errors.append(checks.Error(
            f"The rate-limit cache {cache_name!r} ({backend or 'missing'}) is not shared "
            "between processes: each worker would count its own limits.",
            hint="Use Redis or Memcached for the cache named by RATELIMIT_USE_CACHE.",
            id="sms2fa.E009",
        ))
    return errors


@checks.register(checks.Tags.security)
def check_settings(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    from .limits import parse_rate
    from .policy import CHOICES

    errors: list[checks.CheckMessage] = []
    if app_settings.REQUIRED not in CHOICES:
        errors.append(checks.Error(
            f"SMS2FA_REQUIRED is {app_settings.REQUIRED!r}; it must be one of {CHOICES}.",
            id="sms2fa.E012",
        ))
    for name in ("SEND_RATE_PHONE", "ENROLL_RATE_PHONE", "SEND_RATE_USER", "SEND_RATE_IP",
                 "VERIFY_RATE_USER", "VERIFY_RATE_IP"):
        try:
            parse_rate(getattr(app_settings, name))
        except (ImproperlyConfigured, TypeError):
            errors.append(checks.Error(
                f"SMS2FA_{name} is not a rate like '5/10m'.", id="sms2fa.E012",
            ))
    if getattr(settings, "RATELIMIT_FAIL_OPEN", False):
        errors.append(checks.Error(
            "RATELIMIT_FAIL_OPEN is True: when the cache fails, the per-user and per-IP "
            "limits on sending and checking codes would be lifted.",
            hint="Remove RATELIMIT_FAIL_OPEN; django-sms2fa refuses sends while the cache is down.",
            id="sms2fa.E011",
        ))
    if not app_settings.DOMAIN and "*" in settings.ALLOWED_HOSTS:
        errors.append(checks.Error(
            "ALLOWED_HOSTS accepts any host and SMS2FA_DOMAIN is empty: a forged Host header "
            "would put an attacker's domain in the SMS and its WebOTP line.",
            hint="Set SMS2FA_DOMAIN to your site's domain.",
            id="sms2fa.E010",
        ))
    return errors


def _is_subclass(path: str, base: type) -> bool:
    try:
        found = import_string(path)
    except ImportError:
        return False
    return isinstance(found, type) and issubclass(found, base)


def _has_hook(path: str, hook: str) -> bool:
    try:
        return callable(getattr(import_string(path), hook, None))
    except ImportError:
        return False


@checks.register(checks.Tags.security)
def check_atomic_requests(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Under ATOMIC_REQUESTS our middleware calls atomic views itself (``atomic.py``):
    hooks Django would call around the view are then not called."""
    if not any(conf.get("ATOMIC_REQUESTS") for conf in connections.settings.values()):
        return []
    middleware = list(settings.MIDDLEWARE)
    ours = _first_index(middleware, MIDDLEWARE_PATH)
    if ours is None:
        return []
    skipped = [
        path for index, path in enumerate(middleware) if index != ours and (
            _has_hook(path, "process_exception")
            or (index > ours and _has_hook(path, "process_view"))
        )
    ]
    if not skipped:
        return []
    messages: list[checks.CheckMessage] = []
    # A skipped CSRF check is no inconvenience but an open door: refuse it.
    csrf_after = [
        path for path in middleware[ours + 1:] if _is_subclass(path, CsrfViewMiddleware)
    ]
    if csrf_after:
        messages.append(checks.Error(
            f"The CSRF check of {', '.join(csrf_after)} is listed after SMS2FAMiddleware: "
            "with ATOMIC_REQUESTS, SMS2FAMiddleware must then leave atomic views to Django "
            "so that it runs, and a login held in them rolls back.",
            hint="List CsrfViewMiddleware before AuthenticationMiddleware and "
            "SMS2FAMiddleware, as Django's default settings do.",
            id="sms2fa.E019",
        ))
    return [*messages, checks.Warning(
        "With ATOMIC_REQUESTS, SMS2FAMiddleware runs each atomic view itself, so that a "
        "held login commits the view's transaction, and Django then calls no "
        "process_exception hook for it. While a middleware with process_view is listed "
        "after SMS2FAMiddleware, it leaves atomic views to Django instead (so that hook "
        "still runs), and a held login there rolls back (with database sessions: 400 "
        f"SessionInterrupted). Concerned: {', '.join(skipped)}.",
        hint="List middleware with process_view before SMS2FAMiddleware; handle view "
        "errors with got_request_exception or handler500 instead of process_exception.",
        id="sms2fa.W001",
    )]
