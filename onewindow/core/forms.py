"""Shared form pieces: numbers typed into HTML forms are parsed by a form field, never by int()."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError


def optional_int(raw, *, min_value: int = 0, max_value: int = 10_000, invalid=None):
    """The number a form field holds (None when empty), or `invalid` when it is not a number in
    [min_value, max_value] — 'abc', '9' * 5000 or a number no database column holds never give a 500."""
    field = forms.IntegerField(required=False, min_value=min_value, max_value=max_value)
    try:
        return field.clean(raw)
    except ValidationError:
        return invalid
