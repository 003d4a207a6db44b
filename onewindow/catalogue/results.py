"""What a sub-item's result is (licence, certificate, approval letter, decision, filing notice) and its particulars.

A service guide names the kind of result its sub-item produces and the particulars the approver fills in
at the decision (project name, address, scale, validity…); the certificate prints them. The defaults
below follow the result's name in the power list and the item's power type, so every guide has a
sensible form without anyone typing it in; a department may change them on a new guide version.
"""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

FIELD_TYPES = ("text", "date")


class ResultKind(models.TextChoices):
    LICENCE = "licence", gettext_lazy("Licence")
    CERTIFICATE = "certificate", gettext_lazy("Certificate")
    APPROVAL = "approval", gettext_lazy("Approval letter")
    DECISION = "decision", gettext_lazy("Licensing decision")
    FILING = "filing", gettext_lazy("Filing notice")
    OTHER = "other", gettext_lazy("Other result")


def _f(code: str, label: str, required: bool = True, type: str = "text") -> dict:
    return {"code": code, "label": label, "required": required, "type": type}


# The particulars each kind of result carries (labels are the Chinese of the document itself).
DEFAULT_FIELDS: dict[str, list[dict]] = {
    ResultKind.LICENCE: [
        _f("project_name", "项目（单位）名称"),
        _f("address", "地址"),
        _f("scope", "许可范围"),
        _f("valid_until", "有效期至", type="date"),
    ],
    ResultKind.CERTIFICATE: [
        _f("scope", "认定（资质）内容"),
        _f("address", "地址", required=False),
        _f("valid_until", "有效期至", required=False, type="date"),
    ],
    ResultKind.APPROVAL: [
        _f("project_name", "项目名称"),
        _f("address", "建设地点"),
        _f("scale", "建设规模及内容"),
        _f("opinion", "审批意见", required=False),
    ],
    ResultKind.DECISION: [
        _f("project_name", "项目名称"),
        _f("address", "地点"),
        _f("scale", "规模（范围）"),
        _f("valid_until", "有效期至", required=False, type="date"),
    ],
    ResultKind.FILING: [
        _f("project_name", "备案事项（项目）名称"),
        _f("address", "地址", required=False),
        _f("content", "备案内容"),
    ],
    ResultKind.OTHER: [],
}


def default_kind(*, result_name: str, power_type: str) -> str:
    """The kind of result a sub-item produces, read from its result's name, else from its power type."""
    name = result_name or ""
    if "备案" in name or "回执" in name or "登记" in name:
        return ResultKind.FILING
    if "决定书" in name:
        return ResultKind.DECISION
    if "批复" in name or "意见" in name or "审批表" in name:
        return ResultKind.APPROVAL
    if name.endswith(("证", "证明")) or "许可证" in name or "核准证" in name or "通行证" in name:
        return (
            ResultKind.LICENCE
            if "许可" in name or "核准" in name or "通行" in name
            else ResultKind.CERTIFICATE
        )
    if "证书" in name or "证明" in name or "认定书" in name:
        return ResultKind.CERTIFICATE
    if power_type == "licensing":
        return ResultKind.DECISION
    if power_type == "confirmation":
        return ResultKind.CERTIFICATE
    return ResultKind.OTHER


def default_fields(kind: str) -> list[dict]:
    return [dict(f) for f in DEFAULT_FIELDS.get(kind, [])]


def validate_field_spec(fields) -> dict[str, list[str]]:
    """The rules of a guide's particulars list; {field: [messages]} (empty when valid)."""
    errors: dict[str, list[str]] = {}
    if not isinstance(fields, list):
        return {"result_fields": [_("The result's particulars must be a list.")]}
    seen = set()
    for n, f in enumerate(fields, start=1):
        if not isinstance(f, dict):
            errors.setdefault(f"result_fields.{n}", []).append(_("Each particular needs a code and a label."))
            continue
        code = str(f.get("code") or "").strip()
        if not code or not code.replace("_", "").isalnum() or not code.isascii():
            errors.setdefault(f"result_fields.{n}.code", []).append(
                _("A particular's code is letters, digits and underscores.")
            )
        elif code in seen:
            errors.setdefault(f"result_fields.{n}.code", []).append(
                _("Particular %(code)s appears twice.") % {"code": code}
            )
        seen.add(code)
        if not str(f.get("label") or "").strip():
            errors.setdefault(f"result_fields.{n}.label", []).append(_("Each particular needs a label."))
        if f.get("type", "text") not in FIELD_TYPES:
            errors.setdefault(f"result_fields.{n}.type", []).append(_("Unknown particular type."))
    return errors


def clean_particulars(fields: list[dict], particulars) -> tuple[dict, dict[str, list[str]]]:
    """The particulars typed at a decision checked against the guide's list: (clean values, field errors).

    Errors are keyed `particulars.<code>`; a code the guide does not define is an error too (typed data
    is never dropped silently).
    """
    errors: dict[str, list[str]] = {}
    if particulars is None:
        particulars = {}
    if not isinstance(particulars, dict):
        return {}, {"particulars": [_("The particulars are an object {code: value}.")]}
    known = {f["code"]: f for f in fields}
    clean: dict[str, str] = {}
    for code in particulars:
        if code not in known:
            errors.setdefault(f"particulars.{code}", []).append(
                _("This result has no particular %(code)s.") % {"code": code}
            )
    for f in fields:
        raw = particulars.get(f["code"])
        value = "" if raw is None else str(raw).strip()
        if not value:
            if f.get("required", True):
                errors.setdefault(f"particulars.{f['code']}", []).append(
                    _("%(label)s is required.") % {"label": f["label"]}
                )
            continue
        if len(value) > 500:
            errors.setdefault(f"particulars.{f['code']}", []).append(
                _("%(label)s is too long (500 characters at most).") % {"label": f["label"]}
            )
            continue
        if f.get("type") == "date":
            try:
                value = dt.date.fromisoformat(value).isoformat()
            except ValueError:
                errors.setdefault(f"particulars.{f['code']}", []).append(
                    _("%(label)s is a date (YYYY-MM-DD).") % {"label": f["label"]}
                )
                continue
        clean[f["code"]] = value
    return clean, errors


# Plausible values for the sample data and the demo (illustrative, like the rest of the sample).
SAMPLE_VALUES = {
    "project_name": "鞍山高新区智能制造产业园（一期）",
    "address": "鞍山市高新区千山中路88号",
    "scope": "按申请事项核定的范围",
    "scale": "总建筑面积32000平方米",
    "opinion": "同意",
    "content": "按申报内容备案",
}


def sample_particulars(fields: list[dict], *, on) -> dict:
    """Particulars for the sample's and demo's decisions: every field filled, dates five years after `on`."""
    values = {}
    for f in fields:
        if f.get("type") == "date":
            later = on.replace(day=28) if (on.month, on.day) == (2, 29) else on
            values[f["code"]] = later.replace(year=on.year + 5).isoformat()
        else:
            values[f["code"]] = SAMPLE_VALUES.get(f["code"], f["label"])
    return values
