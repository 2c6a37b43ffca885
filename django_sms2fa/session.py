"""What django-sms2fa keeps in a signed-in session: the nonce that binds its
challenges to this session, the current challenge per purpose, and when each
step-up purpose was last verified. Only opaque ids and timestamps."""

from __future__ import annotations

import secrets

from django.contrib.sessions.backends.base import SessionBase

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


def mark_step_up(session: SessionBase, purpose: str) -> None:
    stamps = session.get(STEP_UP_KEY)
    stamps = stamps if isinstance(stamps, dict) else {}
    stamps[purpose] = clock.now().timestamp()
    session[STEP_UP_KEY] = stamps


def step_up_age(session: SessionBase, purpose: str) -> float | None:
    """Seconds since ``purpose`` was last verified in this session, or None."""
    stamps = session.get(STEP_UP_KEY)
    stamp = stamps.get(purpose) if isinstance(stamps, dict) else None
    if not isinstance(stamp, (int, float)):
        return None
    return clock.now().timestamp() - stamp


def clear_step_ups(session: SessionBase) -> None:
    session.pop(STEP_UP_KEY, None)
