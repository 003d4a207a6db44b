"""The applicant's full ID number and phone: who may see them on the case page, and the audit of each view."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from onewindow.cases.models import Case
from onewindow.core import audit
from onewindow.core.errors import PermissionDenied
from onewindow.org import roles as r
from onewindow.org.selectors import audit_context

# The roles that work with the applicant in person or decide on the case; everyone else sees masks.
REVEALING_ROLES = (r.WINDOW_CLERK, r.ISSUING_CLERK, r.APPROVER, r.DEPARTMENT_HEAD)
VIEWED = "case.personal_data_viewed"


def can_view(user, case: Case) -> bool:
    """`user` may see the full values of `case` — a case the caller reached through the case scoping."""
    return r.has_role(user, *REVEALING_ROLES)


def reveal(*, actor, case: Case) -> dict:
    """The full ID number and phone of a case in the actor's scope, with an audit entry for this view."""
    if not can_view(actor, case):
        raise PermissionDenied(
            _("Your role does not see the applicant's full ID number and phone."),
            code="case.personal_data_forbidden",
        )
    with transaction.atomic():
        mine = [role for role in REVEALING_ROLES if r.has_role(actor, role)]
        audit.record(
            action=VIEWED,
            actor=actor,
            role=mine[0],
            **audit_context(actor, region=case.region.code),
            obj=case,
            object_id=case.number,
            detail={"number": case.number, "fields": ["applicant_id_number", "applicant_phone"]},
        )
    return {"id_number": case.applicant_id_number, "phone": case.applicant_phone}
