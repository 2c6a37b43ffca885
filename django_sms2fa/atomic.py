"""Hold a login inside ``ATOMIC_REQUESTS`` without rolling back the view's work.

``hold_login`` stops a login by raising ``SecondStepRequired`` from inside
``login()``. With ``ATOMIC_REQUESTS`` that exception would leave the view
through the transaction Django opened around it, and roll back everything the
view did: the session key that ``login()`` cycled (with database sessions the
response then fails with ``SessionInterrupted``), a password just set by a
password reset (leaving the reset link usable), a user just signed up.

So ``SMS2FAMiddleware`` runs such views itself, in the same transactions Django
would open, and lets a held login end them with a commit, exactly as if the
view had returned at that point; any other exception still rolls back.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from inspect import iscoroutinefunction
from typing import Any

from django.conf import settings
from django.db import connections, transaction
from django.http import HttpRequest, HttpResponse
from django.utils.module_loading import import_string

from .exceptions import SecondStepRequired


def atomic_aliases(view: Callable[..., Any]) -> list[str]:
    """The databases whose ``ATOMIC_REQUESTS`` Django would wrap ``view`` in."""
    exempt = getattr(view, "_non_atomic_requests", ())
    aliases = [
        alias for alias, conf in connections.settings.items()
        if conf.get("ATOMIC_REQUESTS") and alias not in exempt
    ]
    # Django refuses ATOMIC_REQUESTS for async views itself.
    return [] if aliases and iscoroutinefunction(view) else aliases


_later_hooks: dict[tuple[str, ...], bool] = {}


def view_hooks_after(middleware: type) -> bool:
    """True if a middleware listed after ``middleware`` has a ``process_view`` hook.

    Answering from our ``process_view`` would skip it (Django's rule), and such a
    hook may be a security check (``CsrfViewMiddleware``, ``LoginRequiredMiddleware``):
    then the view is left to Django, and a held login rolls back (fails closed).
    """
    paths = tuple(settings.MIDDLEWARE)
    if paths not in _later_hooks:
        classes = [import_string(path) for path in paths]
        ours = next((i for i, cls in enumerate(classes)
                     if isinstance(cls, type) and issubclass(cls, middleware)), len(classes))
        _later_hooks[paths] = any(
            callable(getattr(cls, "process_view", None)) for cls in classes[ours + 1:]
        )
    return _later_hooks[paths]


def run_atomic_view(
    request: HttpRequest, view: Callable[..., HttpResponse], aliases: list[str],
    args: tuple[Any, ...], kwargs: dict[str, Any],
) -> HttpResponse | SecondStepRequired:
    """Call ``view`` as Django's ``make_view_atomic`` would, but commit when it
    ends in a held login; return its response or the ``SecondStepRequired``."""
    with contextlib.ExitStack() as transactions:
        for alias in aliases:
            transactions.enter_context(transaction.atomic(using=alias))
        try:
            return view(request, *args, **kwargs)
        except SecondStepRequired as held:
            return held
