"""The wording of each message: the public progress page's own name of the step (cases.selectors.PUBLIC_STEPS),
then what to do next as that page says it (cases.selectors.NEXT_STEP_HINTS). Only the case number and the
due date go in — never a name, an ID number or the phone."""

from __future__ import annotations

from django.utils.translation import gettext as _

from onewindow.cases import selectors as case_selectors
from onewindow.messaging.models import SmsKind

# case event action → the kind of message it sends
KIND_OF_ACTION = {
    "accept": SmsKind.ACCEPTED,
    "request_supplement": SmsKind.SUPPLEMENT,
    "suspend": SmsKind.SUSPENDED,  # 行政许可法 art. 45: the applicant is told the clock pauses
    "produce_result": SmsKind.RESULT_READY,
    "issue": SmsKind.ISSUED,
}
# The public page's step that each kind's text names (a supplement that still leaves materials missing is
# a "supplement" event, told as a new supplement request).
STEP_OF_KIND = {
    SmsKind.ACCEPTED: "accept",
    SmsKind.SUPPLEMENT: "request_supplement",
    SmsKind.SUSPENDED: "suspend",
    SmsKind.RESULT_READY: "produce_result",
    SmsKind.ISSUED: "issue",
}
# The case's status after the step: its next-step hint is the public progress page's.
STATUS_OF_KIND = {
    SmsKind.ACCEPTED: "accepted",
    SmsKind.SUPPLEMENT: "supplement_requested",
    SmsKind.SUSPENDED: "suspended",
    SmsKind.RESULT_READY: "result_ready",
    SmsKind.ISSUED: "issued",
}


def step_label(kind: str) -> str:
    """The progress page's label of the step a message of `kind` tells of."""
    return _(case_selectors.PUBLIC_STEPS[STEP_OF_KIND[kind]])


def text_for(kind: str, *, number: str, due=None) -> str:
    """The message: 【signature】case number: step. What to do next."""
    next_step = case_selectors.next_step_hint(STATUS_OF_KIND[kind], due)
    return _("[%(signature)s] Case %(number)s: %(step)s. %(next)s") % {
        "signature": _("OneWindow"),
        "number": number,
        "step": step_label(kind),
        "next": next_step,
    }
