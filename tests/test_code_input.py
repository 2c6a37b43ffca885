"""The code field is written out in Python (``forms.CodeInput``) because every
login renders it: its HTML must stay exactly what Django's own template makes."""

from __future__ import annotations

import pytest
from django import forms

from django_sms2fa.forms import CodeForm


@pytest.mark.parametrize("data", [None, {"code": ""}, {"code": '12<"34 &'}, {"code": "123456"}])
def test_the_code_input_is_the_html_of_djangos_text_input(data):
    form = CodeForm(data)
    if data is not None:
        form.is_valid()
    field = form["code"]
    django_made = field.as_widget(widget=forms.TextInput(attrs=field.field.widget.attrs))
    assert str(field) == django_made
    if data and data["code"] != "123456":
        assert 'aria-invalid="true"' in str(field)  # the error is announced
