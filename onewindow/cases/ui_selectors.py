"""Reads the workbenches need beyond cases.selectors: paged lists with each row's clock, the actions a
user may take on a case page, the materials table, the result a verification code names."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Q, QuerySet

from onewindow.cases import clock as case_clock
from onewindow.cases import selectors
from onewindow.cases import transitions as t
from onewindow.cases.models import Case, CaseStatus, Extension, Result, Suspension
from onewindow.core.scoping import in_scope
from onewindow.org import roles as r
from onewindow.org.models import Organisation, OrganisationKind


def case_list(
    user, *, status: str = "", level: str = "", department: str = "", q: str = ""
) -> QuerySet[Case]:
    """Cases in `user`'s scope (approvers and heads: their department's only), filtered, soonest due first."""
    qs = in_scope(Case.objects.all(), user).select_related("subitem", "authority", "guide", "region")
    if status:
        qs = qs.filter(status=status)
    if department:
        organisation = Organisation.objects.filter(code=department).first()
        qs = qs.of_department(organisation) if organisation else qs.none()
    q = (q or "").strip()
    if q:
        qs = qs.filter(
            Q(number__icontains=q)
            | Q(subitem__name__icontains=q)
            | Q(subitem__code__icontains=q)
            | Q(applicant_name__icontains=q)
        )
    if level:
        qs = selectors.filter_level(qs, level)
    return qs.with_department().order_by("due_date", "-received_at", "-pk")


@dataclass
class Row:
    """A case in a list, with its clock of today and the department working it now."""

    case: Case
    clock: case_clock.CaseClock
    issuance: case_clock.IssuanceClock | None
    department: Organisation | None


def with_clocks(cases) -> list[Row]:
    """Each case's clock, with suspensions and extensions fetched in one query each for the whole page."""
    cases = list(cases)
    if not cases:
        return []
    ids = [c.pk for c in cases]
    suspensions: dict[int, list] = {}
    for s in Suspension.objects.filter(case_id__in=ids):
        suspensions.setdefault(s.case_id, []).append(s)
    extensions: dict[int, list] = {}
    for e in Extension.objects.filter(case_id__in=ids):
        extensions.setdefault(e.case_id, []).append(e)
    departments = Organisation.objects.in_bulk(
        {getattr(c, "department_id_now", None) for c in cases} - {None}
    )
    return [
        Row(
            case=c,
            clock=case_clock.case_clock(
                c, suspensions=suspensions.get(c.pk, []), extensions=extensions.get(c.pk, [])
            ),
            issuance=case_clock.issuance_clock(c),
            department=departments.get(getattr(c, "department_id_now", None)),
        )
        for c in cases
    ]


def departments() -> QuerySet[Organisation]:
    """The organisations a case can be worked by (the bureau and the receiving departments)."""
    kinds = [OrganisationKind.BUREAU, OrganisationKind.INTERNAL, OrganisationKind.RESIDENT]
    return Organisation.objects.filter(kind__in=kinds).order_by("sort_order")


def available_actions(user, case: Case, department: dict | None) -> list[str]:
    """The actions `user` may take now: the transition table, narrowed to the case's department for the
    department roles (the services check the same; this only decides which buttons to show)."""
    mine = r.roles_of(user)
    staff = getattr(user, "staff", None)
    in_department = bool(department) and staff is not None and staff.organisation.code == department["code"]
    allowed = []
    for action in t.allowed_actions(case.status, mine):
        roles = t.TABLE[(case.status, action)].roles & mine
        if roles <= r.DEPARTMENT_ROLES and not in_department:
            continue
        if (
            action == t.SUPPLEMENT
            and case.status != CaseStatus.SUPPLEMENT_REQUESTED
            and not case.deferred_materials
        ):
            continue  # after acceptance only deferred materials (容缺) are handed in; nothing is outstanding
        allowed.append(action)
    return allowed


def materials_table(case: Case) -> list[dict]:
    """The pinned guide's materials with what the window received, what is missing and what is deferred."""
    return [
        {
            "material": m,
            "received": m.code in case.materials,
            "missing": m.code in case.missing_materials,
            "deferred": m.code in case.deferred_materials,
        }
        for m in case.guide.materials.all()
    ]


def result_by_code(code: str) -> Result | None:
    """The result a verification code names, or None (the page then says 'unknown')."""
    code = (code or "").strip().upper().replace(" ", "").replace("-", "")[:16]
    if not code:
        return None
    return (
        Result.objects.select_related("authority", "seal_organisation", "case__subitem")
        .filter(verification_code=code)
        .first()
    )
