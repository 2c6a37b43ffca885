"""The user's phone, each code challenge, and the security event log."""

from __future__ import annotations

import uuid
from datetime import datetime
from datetime import timezone as dt_timezone

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Coalesce, Right
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from . import clock
from .phones import mask

_LONG_AGO = datetime(2000, 1, 1, tzinfo=dt_timezone.utc)


class PhoneQuerySet(models.QuerySet):
    def with_last_use(self) -> PhoneQuerySet:
        """Annotate ``last_used_at``: when a code sent to the phone (since it was
        confirmed) was last verified. The challenge rows are the log of that;
        a sign-in writes nothing to the phone."""
        # Codes sent before the phone was confirmed went to an earlier number
        # (a phone whose confirmation time is unknown takes them all).
        since = Coalesce(models.OuterRef("confirmed_at"), models.Value(_LONG_AGO))
        verified = Challenge.objects.filter(
            user_id=models.OuterRef("user_id"), to_confirmed=True,
            status=Challenge.Status.VERIFIED, created_at__gte=since,
        ).order_by("-created_at").values("verified_at")[:1]
        return self.annotate(last_used_at=models.Subquery(verified))


class Phone(models.Model):
    """A phone number of a user; only a confirmed one receives login codes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms2fa_phones",
        verbose_name=_("user"),
    )
    number = models.CharField(_("number (E.164)"), max_length=20)
    confirmed = models.BooleanField(_("confirmed"), default=False)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    #: The language the user last signed in with: notices to this phone (and
    #: the user's e-mails) go out in it. Empty: settings.LANGUAGE_CODE.
    language = models.CharField(_("language"), max_length=20, blank=True, default="")

    objects = PhoneQuerySet.as_manager()

    class Meta:
        verbose_name = _("phone")
        verbose_name_plural = _("phones")
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(confirmed=True), name="sms2fa_one_confirmed_phone"
            )
        ]

    def __str__(self) -> str:
        return self.masked

    @property
    def masked(self) -> str:
        return mask(self.number)


class Challenge(models.Model):
    """One code sent for one purpose to one user in one session.

    Only ``django_sms2fa.challenges`` changes a challenge's state.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        VERIFIED = "verified", _("verified")
        FAILED = "failed", _("too many wrong codes")
        SUPERSEDED = "superseded", _("replaced by a new code")
        CANCELLED = "cancelled", _("cancelled")

    class Delivery(models.TextChoices):
        SENDING = "sending", _("sending")
        SENT = "sent", _("accepted by the gateway")
        FAILED = "failed", _("not sent")
        UNKNOWN = "unknown", _("unknown (gateway did not answer)")
        SKIPPED = "skipped", _("not sent (rate limited)")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="sms2fa_challenges",
        verbose_name=_("user"),
    )
    purpose = models.CharField(_("purpose"), max_length=64)
    code_hash = models.CharField(max_length=128, editable=False)
    session_ref = models.CharField(max_length=64, editable=False)
    #: The phone being enrolled, for an enrollment challenge.
    phone = models.ForeignKey(
        "Phone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        verbose_name=_("phone being enrolled"),
    )
    #: A keyed hash of the E.164 number: counts sends per phone without storing it.
    phone_key = models.CharField(max_length=64, editable=False)
    #: Sent to a user's confirmed phone (login, step-up), as opposed to a number
    #: being enrolled or checked: the two are limited separately, so nobody can
    #: spend a user's login quota by enrolling their number elsewhere.
    to_confirmed = models.BooleanField(_("to a confirmed phone"), default=True)
    phone_masked = models.CharField(_("phone"), max_length=32)
    status = models.CharField(
        _("status"), max_length=16, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    failures = models.PositiveIntegerField(_("wrong codes"), default=0)
    max_attempts = models.PositiveIntegerField(_("attempts allowed"))
    created_at = models.DateTimeField(_("created"))
    expires_at = models.DateTimeField(_("expires"))
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    delivery = models.CharField(
        _("delivery"), max_length=16, choices=Delivery.choices, default=Delivery.SENDING
    )
    gateway_message_id = models.CharField(_("gateway message ID"), max_length=64, blank=True)
    gateway_error = models.CharField(_("gateway error"), max_length=255, blank=True)
    #: The gateway's word for the message's fate ("pending", "delivered", "failed", ...),
    #: as last asked with ``manage.py sms2fa_delivery_status`` or the admin action.
    gateway_status = models.CharField(_("gateway status"), max_length=32, blank=True)
    gateway_status_at = models.DateTimeField(_("gateway status at"), null=True, blank=True)

    class Meta:
        verbose_name = _("challenge")
        verbose_name_plural = _("challenges")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "-created_at"], name="sms2fa_chal_user_created"),
            models.Index(
                fields=["phone_key", "to_confirmed", "-created_at"],
                name="sms2fa_chal_phone_created",
            ),
            # Covers the dashboard's daily figures, so they are read from the index alone.
            models.Index(
                fields=["-created_at"], name="sms2fa_chal_created_stats",
                include=["status", "delivery", "failures"],
            ),
            models.Index(fields=["status", "-created_at"], name="sms2fa_chal_status"),
            # The admin's filters and its search by the last digits of a number.
            models.Index(fields=["purpose", "-created_at"], name="sms2fa_chal_purpose"),
            models.Index(fields=["delivery", "-created_at"], name="sms2fa_chal_delivery"),
            models.Index(Right("phone_masked", 4), name="sms2fa_chal_last_digits"),
            models.Index(fields=["ip", "-created_at"], name="sms2fa_chal_ip"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} code for {self.user} ({self.shown_status})"

    @property
    def shown_status(self) -> str:
        """The status as an operator reads it: "expired" for a pending code past its end."""
        if self.status == self.Status.PENDING and self.expires_at <= clock.now():
            return str(_("expired"))
        return self.get_status_display()

    @property
    def binding(self) -> str:
        """What the code hash is bound to: this challenge, its user and its purpose."""
        return f"{self.pk}:{self.user_id}:{self.purpose}"


class SecurityEvent(models.Model):
    """An entry in the security log that admins review."""

    class Kind(models.TextChoices):
        CODE_SENT = "code_sent", _("code sent")
        SEND_FAILED = "send_failed", _("code could not be sent")
        SEND_RATE_LIMITED = "send_rate_limited", _("send refused by rate limit")
        VERIFIED = "verified", _("code verified")
        WRONG_CODE = "wrong_code", _("wrong code")
        VERIFY_RATE_LIMITED = "verify_rate_limited", _("code check refused by rate limit")
        LOCKED_OUT = "locked_out", _("user locked out")
        UNLOCKED = "unlocked", _("lockout lifted by an admin")
        RECOVERY_CODE_USED = "recovery_code_used", _("recovery code used")
        WRONG_RECOVERY_CODE = "wrong_recovery_code", _("wrong recovery code")
        RECOVERY_CODES_CREATED = "recovery_codes_created", _("new recovery codes")
        PHONE_ADDED = "phone_added", _("phone added")
        PHONE_CHANGED = "phone_changed", _("phone changed")
        PHONE_REMOVED = "phone_removed", _("phone removed, 2FA off")
        PHONE_SET_BY_ADMIN = "phone_set_by_admin", _("phone set by support")
        PHONE_RESET_BY_ADMIN = "phone_reset_by_admin", _("phone reset by an admin")
        BROWSER_REMEMBERED = "browser_remembered", _("browser remembered")
        SEND_REFUSED = "send_refused", _("send refused (limit, budget, region or gateway down)")
        ALERT = "alert", _("alert threshold crossed")

    kind = models.CharField(_("event"), max_length=32, choices=Kind.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="sms2fa_events",
        verbose_name=_("user"),
    )
    challenge = models.ForeignKey(
        Challenge, null=True, blank=True, on_delete=models.SET_NULL, related_name="events",
        verbose_name=_("challenge"),
    )
    phone_masked = models.CharField(_("phone"), max_length=32, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    user_agent = models.CharField(_("browser"), max_length=255, blank=True)
    detail = models.CharField(_("detail"), max_length=255, blank=True)
    #: For a lockout: when it ends.
    until = models.DateTimeField(_("until"), null=True, blank=True)
    created_at = models.DateTimeField(_("time"), db_index=True)

    class Meta:
        verbose_name = _("security event")
        verbose_name_plural = _("security events")
        ordering = ["-created_at"]
        indexes = [
            models.Index(fields=["user", "kind", "-created_at"], name="sms2fa_event_user_kind"),
            models.Index(fields=["kind", "-created_at"], name="sms2fa_event_kind"),
            models.Index(Right("phone_masked", 4), name="sms2fa_event_last_digits"),
        ]

    def __str__(self) -> str:
        # The admin's lists show local time in the locale's format: so does the title.
        when = formats.date_format(timezone.localtime(self.created_at), "DATETIME_FORMAT")
        return f"{self.get_kind_display()} ({when})"


class RecoveryCode(models.Model):
    """One single-use recovery code; only its selector is stored in clear."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sms2fa_recovery_codes",
        verbose_name=_("user"),
    )
    selector = models.CharField(max_length=8, editable=False)
    code_hash = models.CharField(max_length=128, editable=False)
    created_at = models.DateTimeField(_("created"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recovery code")
        verbose_name_plural = _("recovery codes")
        constraints = [
            models.UniqueConstraint(fields=["user", "selector"], name="sms2fa_recovery_selector")
        ]

    def __str__(self) -> str:
        return f"recovery code of {self.user} ({'used' if self.used_at else 'unused'})"


class SendGate(models.Model):
    """A row that serialises sends for one key ("phone:<hash>") or counts the
    SMS of one day ("day:2026-11-26") for the budget. See ``quota``."""

    key = models.CharField(max_length=100, unique=True)
    count = models.PositiveIntegerField(default=0)
    touched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("send gate")
        verbose_name_plural = _("send gates")

    def __str__(self) -> str:
        return self.key
