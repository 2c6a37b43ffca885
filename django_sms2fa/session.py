"""What django-sms2fa keeps in a signed-in session: the nonce that binds its
challenges to this session, the current challenge per purpose, and when each
step-up purpose was last verified, and by whom. Only opaque ids, timestamps
and the user's session auth hash (a keyed hash, as Django keeps it)."""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib.sessions.backends.base import SessionBase
from django.utils.crypto import constant_time_compare

from . import clock

NONCE_KEY = "_sms2fa_nonce"
CODES_KEY = "_sms2fa_codes"
STEP_UP_KEY = "_sms2fa_step_up"


def nonce(session: SessionBase) -> str:
    value = session.get(NONCE_KEY)
    if not isinstance(value, str):
        value = session[NONCE_KEY] = secrets.token_urlsafe(24)
    return value


def _codes(session: SessionBase) -> dict:
    codes = session.get(CODES_KEY)
    return codes if isinstance(codes, dict) else {}


def challenge_id(session: SessionBase, purpose: str) -> str:
    entry = _codes(session).get(purpose)
    return entry.get("id", "") if isinstance(entry, dict) else ""


def last_sent_at(session: SessionBase, purpose: str) -> float:
    entry = _codes(session).get(purpose)
    return float(entry.get("sent", 0.0)) if isinstance(entry, dict) else 0.0


def set_challenge(session: SessionBase, purpose: str, challenge_id: str, sent: bool) -> None:
    codes = _codes(session)
    previous = last_sent_at(session, purpose)
    codes[purpose] = {"id": challenge_id, "sent": clock.now().timestamp() if sent else previous}
    session[CODES_KEY] = codes


def forget(session: SessionBase, purpose: str) -> None:
    codes = _codes(session)
    if codes.pop(purpose, None) is not None:
        session[CODES_KEY] = codes


def _owner(user: Any) -> dict[str, str]:
    """Whom a step-up stamp belongs to: the user and their session auth hash
    (which changes with the password), or nobody for an anonymous session."""
    if user is None or not getattr(user, "is_authenticated", False):
        return {"user": "", "hash": ""}
    return {"user": str(user.pk), "hash": user.get_session_auth_hash()}


def mark_step_up(session: SessionBase, purpose: str, user: Any) -> None:
    """Record that ``user`` (the session's user; None if anonymous) verified ``purpose`` now."""
    stamps = session.get(STEP_UP_KEY)
    stamps = stamps if isinstance(stamps, dict) else {}
    stamps[purpose] = {"at": clock.now().timestamp(), **_owner(user)}
    session[STEP_UP_KEY] = stamps


def step_up_age(session: SessionBase, purpose: str, user: Any) -> float | None:
    """Seconds since ``user`` last verified ``purpose`` in this session, or None.

    A stamp counts only for the user who made it, with the same password: not
    for another user who signs in later in the same browser.
    """
    stamps = session.get(STEP_UP_KEY)
    stamp = stamps.get(purpose) if isinstance(stamps, dict) else None
    if not isinstance(stamp, dict) or not isinstance(stamp.get("at"), (int, float)):
        return None
    owner = _owner(user)
    if not (constant_time_compare(stamp.get("user", ""), owner["user"])
            and constant_time_compare(stamp.get("hash", ""), owner["hash"])):
        return None
    return clock.now().timestamp() - stamp["at"]


def clear_step_ups(session: SessionBase) -> None:
    session.pop(STEP_UP_KEY, None)


def forget_other_users(session: SessionBase, user: Any) -> None:
    """On a login of ``user``: drop the codes in progress and every step-up that
    is not this user's, so nothing done in this browser before counts for them."""
    session.pop(CODES_KEY, None)
    stamps = session.get(STEP_UP_KEY)
    if not isinstance(stamps, dict):
        return
    owner = _owner(user)
    kept = {purpose: stamp for purpose, stamp in stamps.items()
            if isinstance(stamp, dict) and stamp.get("user") == owner["user"]
            and stamp.get("hash") == owner["hash"]}
    session[STEP_UP_KEY] = kept
