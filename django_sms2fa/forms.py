"""The code form of the second step."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .codes import MAX_INPUT_LENGTH, InvalidCodeFormat, normalise_code
from .conf import app_settings


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code"),
        # Not required and no max_length: empty and overlong values get the
        # same message as any other malformed code, from clean_code.
        required=False,
        strip=True,
        widget=forms.TextInput(
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
