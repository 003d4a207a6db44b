"""Validators of Chinese identifiers (居民身份证 GB 11643, 统一社会信用代码 GB 32100 check characters) and of
plain text (no control or bidirectional-override characters)."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_RE = re.compile(rf"^[{USCC_CHARSET}]{{18}}$")

_PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")


def resident_id_check_char(first17: str) -> str:
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def is_valid_resident_id(value: str) -> bool:
    value = (value or "").strip().upper()
    if not _ID_RE.match(value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    return resident_id_check_char(value[:17]) == value[17]


def is_well_formed_id_number(value: str) -> bool:
    """18 characters of the credit code's alphabet (a resident ID's digits and X among them): the format
    the API's schema states; the check character is checked apart."""
    return bool(_USCC_RE.match((value or "").strip().upper()))


def credit_code_check_char(first17: str) -> str:
    total = sum(USCC_CHARSET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_CHARSET[(31 - total % 31) % 31]


def is_valid_credit_code(value: str) -> bool:
    value = (value or "").strip().upper()
    return bool(_USCC_RE.match(value)) and credit_code_check_char(value[:17]) == value[17]


RESIDENT_ID_MESSAGE = _("Invalid resident ID number (check the 18 digits and the check digit).")
CREDIT_CODE_MESSAGE = _("Invalid unified social credit code (18 characters with a check character).")
ID_NUMBER_MESSAGE = _("Neither a valid resident ID number nor a valid unified social credit code.")


def validate_resident_id(value: str) -> None:
    if not is_valid_resident_id(value):
        raise ValidationError(RESIDENT_ID_MESSAGE, code="invalid_resident_id")


def validate_credit_code(value: str) -> None:
    if not is_valid_credit_code(value):
        raise ValidationError(CREDIT_CODE_MESSAGE, code="invalid_credit_code")


def validate_phone(value: str) -> None:
    if not _PHONE_RE.match((value or "").strip()):
        raise ValidationError(_("Invalid phone number."), code="invalid_phone")


def mask_id_number(value: str) -> str:
    """Keep the first 6 and last 4 characters: enough to recognise, too little to misuse."""
    value = value or ""
    if len(value) <= 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


# C0 controls but tab and line ends (a browser sends a textarea's lines as CR LF), DEL and C1, and the
# bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069) that make a name
# display as something else than it is ("Trojan source").
_CONTROL_IN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_CONTROL_IN_LINE = re.compile("[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def has_control_characters(value: str, *, multiline: bool = False) -> bool:
    return bool((_CONTROL_IN_TEXT if multiline else _CONTROL_IN_LINE).search(value or ""))


def validate_name(value: str) -> None:
    """A name (of a person, an applicant, an organisation) is one line of printable text."""
    if has_control_characters(value):
        raise ValidationError(
            _("Control characters and text-direction overrides are not allowed in a name."),
            code="control_characters",
        )


def validate_text(value: str) -> None:
    """Free text may have lines and tabs, no other control or text-direction override characters."""
    if has_control_characters(value, multiline=True):
        raise ValidationError(
            _("Control characters and text-direction overrides are not allowed."), code="control_characters"
        )


# Lengths of free text, one per kind, the same in the API schema (core.api), the services and the
# database (max_length, or a CheckConstraint on a TextField).
NAME_MAX = 200  # a person's or organisation's name
SHORT_TEXT_MAX = 300  # a reason, an address, a short note
TEXT_MAX = 2000  # a message, a comment, a commitment, an outcome
LONG_TEXT_MAX = 10000  # the terms of an agreement, a guide's conditions and steps


def clean_text(
    value,
    *,
    field: str,
    max_length: int,
    required: bool = False,
    multiline: bool = True,
    required_message=None,
    prefix: str = "",
) -> str:
    """Free text as a service stores it: stripped, at most `max_length` characters, without control or
    text-direction override characters (one line unless `multiline`); `required` refuses a blank one.
    InvalidInput (400: the API's schema states all three) names the field; codes start with `prefix`."""
    from onewindow.core.errors import InvalidInput

    value = str(value or "").replace("\r\n", "\n").replace("\r", "\n").strip()  # lines end in LF
    if not value:
        if required:
            message = required_message or _("This field is required.")
            raise InvalidInput(message, code=f"{prefix}{field}_required", errors={field: [message]})
        return ""
    if len(value) > max_length:
        message = _("At most %(limit)d characters (this has %(length)d).") % {
            "limit": max_length,
            "length": len(value),
        }
        raise InvalidInput(message, code=f"{prefix}too_long", errors={field: [message]})
    if has_control_characters(value, multiline=multiline):
        message = _("Control characters and text-direction overrides are not allowed.")
        raise InvalidInput(message, code=f"{prefix}control_characters", errors={field: [message]})
    return value


def text_within(field: str, limit: int, *, name: str):
    """A CheckConstraint: the text column `field` holds at most `limit` characters (both databases count
    characters), so a writer that skips the service's check is refused by the database."""
    from django.db import models
    from django.db.models.functions import Length
    from django.db.models.lookups import LessThanOrEqual

    return models.CheckConstraint(condition=LessThanOrEqual(Length(field), limit), name=name)
