"""The code form of the second step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _

from . import recovery
from .codes import MAX_INPUT_LENGTH, InvalidCodeFormat, normalise_code
from .conf import app_settings
from .enrollment import validate_number
from .phones import InvalidPhoneNumber


class CodeInput(forms.TextInput):
    """A text input written out in Python: the same HTML as Django's template
    (``django/forms/widgets/input.html``) for a fraction of its cost, on the
    page every login renders."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        widget = self.get_context(name, value, attrs)["widget"]
        html = [f'<input type="{escape(widget["type"])}" name="{escape(widget["name"])}"']
        if widget["value"] is not None:
            html.append(f' value="{escape(widget["value"])}"')
        # As django/forms/widgets/attrs.html: in order; True bare, False left out.
        for key, item in widget["attrs"].items():
            if item is True:
                html.append(f" {escape(key)}")
            elif item is not False:
                html.append(f' {escape(key)}="{escape(item)}"')
        html.append(">")
        return mark_safe("".join(html))  # noqa: S308 (every part escaped above)


class CodeForm(forms.Form):
    """The code from the SMS; ``remember`` appears when ``SMS2FA_REMEMBER_DAYS`` is set."""

    code = forms.CharField(
        label=_("Code"),
        # Not required and no max_length: empty and overlong values get the
        # same message as any other malformed code, from clean_code.
        required=False,
        strip=True,
        error_messages={
            "null_characters_not_allowed": _("Enter the code from the SMS, digits only.")
        },
        widget=CodeInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
                "autocapitalize": "off",
                "spellcheck": "false",
                "maxlength": MAX_INPUT_LENGTH,
            }
        ),
    )

    def clean_code(self) -> str:
        length = app_settings.CODE_LENGTH
        try:
            return normalise_code(self.cleaned_data["code"], length)
        except InvalidCodeFormat:
            raise forms.ValidationError(
                _("Enter the %(length)d-digit code from the SMS, digits only."),
                code="invalid",
                params={"length": length},
            ) from None

    remember = forms.BooleanField(required=False)

    def __init__(self, *args: Any, offer_remember: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        days = app_settings.REMEMBER_DAYS
        if offer_remember and days:
            label = _("Don't ask for a code on this browser for %(days)d days")
            self.fields["remember"].label = label % {"days": days}
        else:
            del self.fields["remember"]


class PhoneForm(forms.Form):
    phone_number = forms.CharField(
        label=_("Mobile number"),
        strip=True,
        widget=forms.TextInput(
            attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel", "maxlength": 40}
        ),
        help_text=_("For example 0917 123 4567 or +63 917 123 4567."),
        # Our own words: Django has no Filipino catalog for its messages.
        error_messages={
            "required": _("Enter your mobile number."),
            "null_characters_not_allowed": _("Enter a valid phone number."),
        },
    )

    def clean_phone_number(self) -> str:
        try:
            return validate_number(self.cleaned_data["phone_number"])
        except InvalidPhoneNumber as exc:
            raise forms.ValidationError(str(exc), code="invalid") from None


class RecoveryCodeForm(forms.Form):
    recovery_code = forms.CharField(
        label=_("Recovery code"),
        required=False,
        strip=True,
        error_messages={
            "null_characters_not_allowed":
                _("Enter one of your recovery codes, like abcd-efgh-jkmn."),
        },
        widget=forms.TextInput(
            attrs={"autocomplete": "off", "autocapitalize": "off", "spellcheck": "false",
                   "maxlength": MAX_INPUT_LENGTH}
        ),
    )

    def clean_recovery_code(self) -> str:
        try:
            return recovery.normalise(self.cleaned_data["recovery_code"])
        except recovery.InvalidRecoveryCode:
            raise forms.ValidationError(
                _("Enter one of your recovery codes, like abcd-efgh-jkmn."), code="invalid"
            ) from None


class PasswordForm(forms.Form):
    """The signed-in user's password, asked again before a first phone is added."""

    password = forms.CharField(
        label=_("Your password"), strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password", "autofocus": True}),
    )
