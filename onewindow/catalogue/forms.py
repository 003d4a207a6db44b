"""Django forms of the catalogue's pages (the services check the rules again; these give clerk-sized errors)."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.catalogue.results import ResultKind

MAX_RESULT_FIELDS = 12
MAX_LABEL = 40
CODE_RE = re.compile(r"[a-z_]{1,30}")
# What a clerk may type in the third and fourth column (Chinese as the page shows it, or the codes).
REQUIRED_WORDS = {"必填": True, "是": True, "required": True, "yes": True, "选填": False, "否": False}
REQUIRED_WORDS.update({"optional": False, "no": False})
TYPE_WORDS = {"文本": "text", "text": "text", "日期": "date", "date": "date"}


def fields_as_text(fields: list[dict]) -> str:
    """A guide's particulars as the textarea shows them: one per line, code|label|必填|文本."""
    return "\n".join(
        "|".join(
            [
                f["code"],
                f["label"],
                "必填" if f.get("required", True) else "选填",
                "日期" if f.get("type") == "date" else "文本",
            ]
        )
        for f in fields
    )


class ResultSpecForm(forms.Form):
    """The kind of result and the particulars the approver fills in at the decision."""

    result_kind = forms.ChoiceField(label=gettext_lazy("Kind of result"), choices=ResultKind.choices)
    result_fields = forms.CharField(
        label=gettext_lazy("Particulars of the result"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def clean_result_fields(self) -> list[dict]:
        lines = [line.strip() for line in self.cleaned_data["result_fields"].splitlines()]
        lines = [line for line in lines if line]
        if len(lines) > MAX_RESULT_FIELDS:
            raise forms.ValidationError(
                _("A result has at most %(max)s particulars.") % {"max": MAX_RESULT_FIELDS}
            )
        errors, fields, seen = [], [], set()
        for n, line in enumerate(lines, start=1):
            parts = [p.strip() for p in line.replace("｜", "|").split("|")]
            if not 2 <= len(parts) <= 4:
                errors.append(_("Line %(n)s: write code|label|必填 or 选填|文本 or 日期.") % {"n": n})
                continue
            code, label = parts[0], parts[1]
            required = parts[2] if len(parts) > 2 and parts[2] else "必填"
            kind = parts[3] if len(parts) > 3 and parts[3] else "文本"
            if not CODE_RE.fullmatch(code):
                errors.append(
                    _("Line %(n)s: the code is 1 to 30 lower-case letters a-z or underscores.") % {"n": n}
                )
            elif code in seen:
                errors.append(_("Line %(n)s: code %(code)s appears twice.") % {"n": n, "code": code})
            seen.add(code)
            if not label:
                errors.append(_("Line %(n)s: the label is missing.") % {"n": n})
            elif len(label) > MAX_LABEL:
                errors.append(
                    _("Line %(n)s: the label has at most %(max)s characters.") % {"n": n, "max": MAX_LABEL}
                )
            if required.lower() not in REQUIRED_WORDS:
                errors.append(_("Line %(n)s: the third column is 必填 or 选填.") % {"n": n})
            if kind.lower() not in TYPE_WORDS:
                errors.append(_("Line %(n)s: the fourth column is 文本 or 日期.") % {"n": n})
            if not errors:
                fields.append(
                    {
                        "code": code,
                        "label": label,
                        "required": REQUIRED_WORDS[required.lower()],
                        "type": TYPE_WORDS[kind.lower()],
                    }
                )
        if errors:
            raise forms.ValidationError(errors)
        return fields
