"""Forms of the supervisor's calendar pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy

from onewindow.workdays.sources import PROVISIONAL_FIRST_YEAR, PROVISIONAL_LAST_YEAR


class ProvisionalYearForm(forms.Form):
    year = forms.IntegerField(
        label=gettext_lazy("Year"),
        min_value=PROVISIONAL_FIRST_YEAR,
        max_value=PROVISIONAL_LAST_YEAR,
    )


class ScheduleUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Official schedule (.csv or .xlsx)"),
        help_text=gettext_lazy(
            "Columns 日期 (YYYY-MM-DD), 类型 (休 or 班), 名称 (optional) — or date, kind (off or work), name; "
            "one year per file. Only the days that differ from an ordinary week are needed: weekdays off "
            "and make-up working days (调休)."
        ),
    )
