"""The unified issuing window's reads: the case a scanner or a clerk names (the receipt's QR code gives the
progress URL, its bar code the number; or the applicant's name or ID number), within the clerk's scope."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from django.db.models import Case as When_
from django.db.models import IntegerField, Value, When

from onewindow.cases.models import Case, CaseStatus, applicant_id_digest
from onewindow.core.scoping import in_scope

# 行政区划 code (6) + date (8) + serial (5): 2103002024092700001.
CASE_NUMBER = re.compile(r"^\d{19}$")
ID_NUMBER = re.compile(r"^(\d{17}[\dXx]|\d{15}|[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10})$")
MAX_MATCHES = 20


def number_in(text: str) -> str | None:
    """The case number a scan or a clerk typed: the progress URL of the receipt's QR code
    (…/public/progress/?number=N), or the number itself; None when the text is neither."""
    text = (text or "").strip()
    if "number=" in text:
        values = parse_qs(urlparse(text).query).get("number") or []
        text = values[0].strip() if values else ""
    return text if CASE_NUMBER.match(text) else None


def find(user, q: str) -> tuple[Case | None, list[Case]]:
    """(the case the text names, or None; the cases of an applicant name or ID number), `user`'s scope only.

    Results waiting at the window come first among several matches.
    """
    q = (q or "").strip()
    cases = in_scope(Case.objects.all(), user).select_related("subitem", "authority")
    number = number_in(q)
    if number is not None:
        return cases.filter(number=number).first(), []
    if not q:
        return None, []
    if ID_NUMBER.match(q):
        matches = cases.filter(
            applicant_id_digest=applicant_id_digest(q.upper())
        )  # the ID is encrypted at rest
    elif len(q) >= 2:
        matches = cases.filter(applicant_name__icontains=q)
    else:
        return None, []
    ready_first = When_(
        When(status=CaseStatus.RESULT_READY, then=Value(0)), default=Value(1), output_field=IntegerField()
    )
    matches = list(
        matches.annotate(ready_first=ready_first).order_by("ready_first", "-received_at")[:MAX_MATCHES]
    )
    if len(matches) == 1 and matches[0].status == CaseStatus.RESULT_READY:
        return matches[0], []
    return None, matches
