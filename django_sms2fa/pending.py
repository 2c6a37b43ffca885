"""The state of a login that passed its password check and waits for its code.

It lives in the session as a few opaque values (ids, a nonce, a fingerprint):
never the code, its hash, the phone number or anything of the password, so it
stays safe with the signed-cookie session engine too.
"""

from __future__ import annotations

import secrets
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.sessions.backends.base import SessionBase

from . import clock, digests
from .conf import app_settings
from .models import Phone

PENDING_SESSION_KEY = "_sms2fa_pending"
VERIFIED_SESSION_KEY = "_sms2fa_verified"


FINGERPRINT_SALT = "django_sms2fa.pending.password"


def password_fingerprint(user: AbstractBaseUser) -> str:
    """Changes whenever the user's password changes; reveals nothing of it."""
    return digests.digest(FINGERPRINT_SALT, user.password or "")


@dataclass
class PendingLogin:
    user_id: str
    backend: str
    fingerprint: str
    nonce: str
    started_at: float
    next_url: str
    challenge_id: str = ""
    last_sent_at: float = 0.0
    #: "code" (a confirmed phone gets a code) or "enroll" (the policy requires a
    #: phone the user does not have yet).
    phase: str = "code"
    #: Why the last send was refused (a limit, the budget, the gateway paused),
    #: as shown to the user; empty once a code goes out.
    notice: str = ""
    #: What this browser was told of its current code, so the code page renders
    #: without a query: where it went (masked), the gateway's answer, when it
    #: expires, and an end learnt from a code check ("used", "exhausted") or a
    #: lockout (until when). Every code check reads the database again.
    phone_masked: str = ""
    delivery: str = ""
    expires_at: float = 0.0
    ended: str = ""
    locked_until: float = 0.0
    #: The confirmed phone the code went to (its pk), which the verified session
    #: is stamped with, and the language kept on it; and whether the user has
    #: recovery codes left to offer.
    phone_id: str = ""
    phone_language: str = ""
    has_recovery_codes: bool = False

    @classmethod
    def start(
        cls,
        session: SessionBase,
        user: AbstractBaseUser,
        backend: str,
        next_url: str,
        phase: str = "code",
    ) -> PendingLogin:
        """A new pending login; or, when the same user passes the password check
        again in this browser (a reload, the back button, a double submit), the
        one already pending, so the code already sent stays the one to enter."""
        earlier = cls.load(session)
        pending = cls(
            phase=phase,
            user_id=str(user.pk),
            backend=backend,
            fingerprint=password_fingerprint(user),
            nonce=secrets.token_urlsafe(24),
            started_at=clock.now().timestamp(),
            next_url=next_url,
        )
        if earlier is not None and earlier.phase == phase and earlier.matches(user):
            # The code already sent (and what is known of it) stays; the rest is new.
            pending = cls(**{**asdict(earlier), "backend": backend, "next_url": next_url,
                             "fingerprint": pending.fingerprint, "started_at": pending.started_at})
        pending.save(session)
        return pending

    def renew(self, session: SessionBase) -> None:
        """Start over with a new nonce: what was bound to the old one stays behind."""
        fresh = PendingLogin(self.user_id, self.backend, self.fingerprint,
                             secrets.token_urlsafe(24), self.started_at, self.next_url,
                             phase=self.phase, phone_id=self.phone_id,
                             phone_language=self.phone_language,
                             has_recovery_codes=self.has_recovery_codes)
        self.__dict__.update(fresh.__dict__)
        self.save(session)

    @classmethod
    def load(cls, session: SessionBase) -> PendingLogin | None:
        """The pending login of this session, or None if there is none or it timed out."""
        data = session.get(PENDING_SESSION_KEY)
        if not isinstance(data, dict) or set(data) != {f.name for f in fields(cls)}:
            return None
        pending = cls(**data)
        if pending.age() > app_settings.PENDING_TIMEOUT:
            cls.clear(session)
            return None
        return pending

    @staticmethod
    def clear(session: SessionBase) -> None:
        session.pop(PENDING_SESSION_KEY, None)

    def save(self, session: SessionBase) -> None:
        session[PENDING_SESSION_KEY] = asdict(self)

    def age(self) -> float:
        return clock.now().timestamp() - self.started_at

    def matches(self, user: AbstractBaseUser) -> bool:
        """True if ``user`` is the one who passed the password check, password unchanged."""
        return str(user.pk) == self.user_id and digests.matches(
            FINGERPRINT_SALT, user.password or "", self.fingerprint
        )

    def known_code(self) -> KnownCode | None:
        if not self.challenge_id:
            return None
        return KnownCode(self.phone_masked, self.delivery,
                         datetime.fromtimestamp(self.expires_at, tz=timezone.utc))

    def cooldown_left(self) -> int:
        if not self.last_sent_at:
            return 0
        left = self.last_sent_at + app_settings.RESEND_COOLDOWN - clock.now().timestamp()
        return max(0, int(left + 0.999))


#: The attribute under which ``SMS2FABackend.get_user`` brings the phone stamp
#: along (``statements.user_with_phone_stamp``).
PHONE_STAMP_ATTR = "sms2fa_phone_stamp"


def phone_stamp(user_id: Any) -> str:
    """Names the user's confirmed phone (its row, replaced on every change), or "" for none."""
    pk = Phone.objects.filter(user_id=user_id, confirmed=True).values_list("pk", flat=True).first()
    return "" if pk is None else str(pk)


def user_phone_stamp(user: Any) -> str:
    """The stamp of ``user``'s phone: the one read with the user at the start of
    the request if it was (only for checking a session; a change made during
    the request is read with ``phone_stamp``)."""
    if hasattr(user, PHONE_STAMP_ATTR):
        pk = getattr(user, PHONE_STAMP_ATTR)
        return "" if pk is None else str(pk)
    return phone_stamp(user.pk)


@dataclass(frozen=True)
class KnownCode:
    """The current code as the pending login knows it (see ``PendingLogin``)."""

    phone_masked: str
    delivery: str
    expires_at: datetime


def mark_verified(
    session: SessionBase, user: AbstractBaseUser, via: str, phone: str | None = None
) -> None:
    """Record that this session's login of ``user`` passed (or did not need) the
    code, and with which phone (``phone``: the stamp of the one the code went
    to, if known): the session ends if the phone changes elsewhere."""
    session[VERIFIED_SESSION_KEY] = {
        "user_id": str(user.pk),
        "via": via,
        "at": clock.now().timestamp(),
        "phone": phone_stamp(user.pk) if phone is None else phone,
    }


def restamp_phone(session: SessionBase, user: Any) -> None:
    """After this session changed the phone itself: it goes on, the others end."""
    marker = session.get(VERIFIED_SESSION_KEY)
    if isinstance(marker, dict) and marker.get("user_id") == str(user.pk):
        session[VERIFIED_SESSION_KEY] = {**marker, "phone": phone_stamp(user.pk)}


def phone_changed_since(session: SessionBase, user: Any) -> bool:
    """True if the user's phone was added, changed or removed since this session
    was verified (by another session, support staff or a command). Sessions
    verified before the stamp existed count as unchanged."""
    marker = session.get(VERIFIED_SESSION_KEY)
    if not isinstance(marker, dict) or not isinstance(marker.get("phone"), str):
        return False
    return marker["phone"] != user_phone_stamp(user)


def verified_at(session: SessionBase, user: AbstractBaseUser) -> float | None:
    """When this session's login of ``user`` passed the second step, or None."""
    marker = session.get(VERIFIED_SESSION_KEY)
    if not isinstance(marker, dict) or marker.get("user_id") != str(user.pk):
        return None
    at = marker.get("at")
    return float(at) if isinstance(at, (int, float)) else None


def verified_user_id(session: SessionBase) -> Any:
    marker = session.get(VERIFIED_SESSION_KEY)
    return marker.get("user_id") if isinstance(marker, dict) else None
