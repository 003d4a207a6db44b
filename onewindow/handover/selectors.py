"""Reads of the handover context: agreements, seals, the impact preview and the progress dashboard."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.db.models import Count, F, Prefetch, Q, QuerySet

from onewindow.catalogue.models import Assignment, SubItem
from onewindow.core import clock
from onewindow.core.scoping import in_scope, not_found
from onewindow.handover.models import (
    AgreementSignature,
    AgreementState,
    AgreementStatus,
    HandoverAgreement,
    HandoverSettings,
    Seal,
    SealPurpose,
    SignatureSide,
    agreement_state,
)
from onewindow.handover.seals import valid_seals
from onewindow.org import roles as r
from onewindow.org import selectors as org_selectors
from onewindow.org.models import Organisation, OrganisationKind, Region, Staff, Stationing

# The work plan: "the whole adjustment is to be complete before 6 September" (2024).
DEFAULT_DEADLINE = dt.date(2024, 9, 6)
RECEIVING_KINDS = (OrganisationKind.INTERNAL, OrganisationKind.RESIDENT)


# -- who may do what (pages, templates and the services' own checks ask these) ----------------------


def can_draft_agreements(user) -> bool:
    """The Data Bureau's supervisor drafts, edits, supersedes and withdraws agreements."""
    staff = getattr(user, "staff", None)
    return (
        r.has_role(user, r.SUPERVISOR)
        and staff is not None
        and staff.organisation.kind == OrganisationKind.BUREAU
    )


def can_edit(user, agreement: HandoverAgreement) -> bool:
    """`user` may edit or withdraw `agreement`: it is still a draft."""
    return agreement.status == AgreementStatus.DRAFT and can_draft_agreements(user)


def can_supersede(user, agreement: HandoverAgreement) -> bool:
    """`user` may draft an agreement replacing `agreement`: it is signed."""
    return agreement.status == AgreementStatus.SIGNED and can_draft_agreements(user)


def signing_side(user, agreement: HandoverAgreement) -> str | None:
    """Which party `user` signs for: the bureau's supervisor or the receiving department's head; else None."""
    staff = getattr(user, "staff", None)
    if staff is None or not user.is_active:
        return None
    if r.has_role(user, r.SUPERVISOR) and staff.organisation_id == agreement.bureau_id:
        return SignatureSide.BUREAU
    if r.has_role(user, r.DEPARTMENT_HEAD) and staff.organisation_id == agreement.department_id:
        return SignatureSide.DEPARTMENT
    return None


def can_sign(user, agreement: HandoverAgreement) -> bool:
    """`user` signs for a party of this draft, and that party has not signed yet."""
    side = signing_side(user, agreement)
    return (
        side is not None and agreement.status == AgreementStatus.DRAFT and agreement.signature(side) is None
    )


def can_void_seals(user) -> bool:
    return r.has_role(user, r.SUPERVISOR)


def can_follow_progress(user) -> bool:
    return r.has_role(user, r.SUPERVISOR)


# -- lists --------------------------------------------------------------------------------------------


def agreements() -> QuerySet[HandoverAgreement]:
    return HandoverAgreement.objects.select_related(
        "region", "bureau", "department", "supersedes"
    ).prefetch_related(
        Prefetch("signatures", queryset=AgreementSignature.objects.select_related("organisation", "user")),
        Prefetch("subitems", queryset=SubItem.objects.select_related("item").order_by("code")),
    )


def agreement_to_sign(user, pk) -> HandoverAgreement:
    """The agreement `user` asks to sign: any of the region's, so that a non-signatory gets 403 even on a
    draft they may not read (CONTRACT.md); unknown or another region's is 404."""
    found = agreements().in_region_of(user).filter(pk=pk).first()
    if found is None:
        raise not_found()
    return found


def seals() -> QuerySet[Seal]:
    return Seal.objects.select_related("organisation", "voided_by")


def receiving_departments(region: Region | None = None) -> QuerySet[Organisation]:
    qs = Organisation.objects.filter(kind__in=RECEIVING_KINDS).order_by("sort_order", "code")
    return qs.filter(region=region) if region else qs


def department_head(department: Organisation) -> Staff | None:
    """The department's head, who signs agreements for it (the first by username when several)."""
    return (
        Staff.objects.select_related("user")
        .filter(organisation=department, user__groups__name=r.DEPARTMENT_HEAD, user__is_active=True)
        .order_by("user__username")
        .first()
    )


def deadline(region: Region) -> dt.date:
    found = HandoverSettings.objects.filter(region=region).first()
    return found.deadline if found else DEFAULT_DEADLINE


# -- rule 8 (no service left unstaffed), as far as the handover needs it ------------------------------


def stationed_staff(department: Organisation, on: dt.date) -> QuerySet[Stationing]:
    """The department's postings to the hall's back office running on `on`."""
    return (
        Stationing.objects.select_related("staff", "staff__user", "hall")
        .filter(department=department)
        .valid_on(on)
        .order_by("staff__full_name")
    )


# Rule 8 as the staffing context judges it (certificates per sub-item, the roster, leave and substitutes):
# it registers `provider({department: subitem_ids}, day) -> {department id: (unstaffed sub-item ids,
# qualified staff ids)}` here, the same view its signing check takes, so the preview and the dashboard say
# what signing will say (all departments in a few queries). Without it (a deployment without staffing)
# the stationing's own certificate fields decide.
staffing_providers: list[Callable[[dict, dt.date], dict[int, tuple[set[int], set[int]]]]] = []


def staffing_on(wanted: dict[Organisation, list[int]], day: dt.date) -> dict[int, tuple[set[int], set[int]]]:
    """{department id: (the sub-items among its `wanted` ones no qualified approver of it covers on `day`,
    the staff ids of its approvers qualified for at least one of them)}."""
    out = {d.pk: (set(), set()) for d in wanted}
    if not staffing_providers:
        for department, subitem_ids in wanted.items():
            qualified = set(qualified_approvers(department, day).values_list("staff_id", flat=True))
            out[department.pk] = (set() if qualified else set(subitem_ids)), qualified
        return out
    for provider in staffing_providers:
        for department_id, (gaps, people) in provider(wanted, day).items():
            out[department_id][0].update(gaps)
            out[department_id][1].update(people)
    return out


def qualified_approvers(department: Organisation, on: dt.date) -> QuerySet[Stationing]:
    """Stationed approvers with a qualification certificate still valid on `on` (the stationing's own
    certificate fields: what rule 8 falls back to without the staffing context)."""
    return (
        stationed_staff(department, on)
        .filter(staff__user__groups__name=r.APPROVER, staff__user__is_active=True)
        .exclude(qualification_number="")
        .filter(Q(qualification_expiry__isnull=True) | Q(qualification_expiry__gt=on))
    )


# Providers of the open cases a handover of some sub-items would move: `provider(subitem_ids, user)` gives
# the cases among them that `user` may see (or dicts shaped like `_case_row`'s), through the same scoping
# as every other case read. The cases context registers its `selectors.in_flight_cases` here in its
# AppConfig.ready; this context never imports cases (a lower layer reads no upper one).
in_flight_case_providers: list[Callable[[list[int], object], Iterable]] = []


def _in_flight_cases(subitem_ids: list[int], user) -> tuple[bool, list]:
    """(whether any context reports open cases, the open cases of these sub-items in `user`'s scope)."""
    if not in_flight_case_providers:
        return False, []
    rows = []
    for provider in in_flight_case_providers:
        rows.extend(_case_row(c) for c in provider(subitem_ids, user))
    return True, rows


def _case_row(case) -> dict:
    if isinstance(case, dict):
        return case
    subitem = getattr(case, "subitem", None)
    authority = getattr(case, "authority", None)
    status_label = getattr(case, "get_status_display", None)
    return {
        "number": getattr(case, "number", str(case)),
        "status": getattr(case, "status", ""),
        "status_label": str(status_label()) if status_label else getattr(case, "status", ""),
        "subitem": getattr(subitem, "code", ""),
        "authority": getattr(authority, "name", ""),
        "accepted_at": getattr(case, "accepted_at", None),
    }


def impact_preview(agreement: HandoverAgreement, *, user) -> dict:
    """What signing touches: in-flight cases, the receiving department's stationed staff, unstaffed sub-items.

    `cases` comes from onewindow.cases.selectors.in_flight_cases(subitem_ids, user) when that exists
    (`cases_available` says whether it did): only the cases `user` may see. The stationing view is taken
    on the effective day; the postings and qualifications are listed only to those who may see the
    department's stationings (its own staff, the supervisor), the counts to every reader.
    """
    on = clock.local_date(agreement.effective_at)
    subitems = list(agreement.subitems.select_related("item").order_by("code"))
    stationed = list(in_scope(stationed_staff(agreement.department, on), user))
    # The day signing checks: the effective day, or today once that has passed.
    unstaffed, qualified_staff = staffing_on(
        {agreement.department: [s.pk for s in subitems]}, max(on, clock.today())
    )[agreement.department_id]
    cases_available, cases = _in_flight_cases([s.pk for s in subitems], user)
    return {
        "effective_on": on,
        "effective_passed": agreement.effective_at <= clock.now(),
        "subitems": subitems,
        "stationed": [
            {
                "staff": s.staff,
                "roles": s.staff.roles,
                "valid_from": s.valid_from,
                "valid_to": s.valid_to,
                "qualification_number": s.qualification_number,
                "qualification_expiry": s.qualification_expiry,
                "qualified_approver": s.staff_id in qualified_staff,
            }
            for s in stationed
        ],
        "qualified_approver_count": len(qualified_staff),
        "unstaffed_subitems": [s for s in subitems if s.pk in unstaffed],
        "cases": cases,
        "cases_available": cases_available,
    }


# -- progress dashboard ----------------------------------------------------------------------------


@dataclass
class DepartmentProgress:
    department: Organisation
    targeted: int = 0
    handed_over: int = 0
    drafted: int = 0
    signed_pending: int = 0
    effective: int = 0
    responsible_name: str = ""
    responsible_phone: str = ""
    qualified_approvers: int = 0
    unstaffed: list = field(default_factory=list)

    @property
    def percent(self) -> int:
        return round(100 * self.handed_over / self.targeted) if self.targeted else 100


@dataclass
class Progress:
    at: dt.datetime
    deadline: dt.date
    departments: list[DepartmentProgress]
    still_valid_bureau_approval_seals: list[Seal]
    # The bureau's seals that stay valid once those are void: what its own results carry from then on.
    bureau_seals_after_void: list[Seal] = field(default_factory=list)

    @property
    def targeted(self) -> int:
        return sum(d.targeted for d in self.departments)

    @property
    def handed_over(self) -> int:
        return sum(d.handed_over for d in self.departments)

    @property
    def percent(self) -> int:
        return round(100 * self.handed_over / self.targeted) if self.targeted else 100

    @property
    def drafted(self) -> int:
        return sum(d.drafted for d in self.departments)

    @property
    def signed_pending(self) -> int:
        return sum(d.signed_pending for d in self.departments)

    @property
    def effective(self) -> int:
        return sum(d.effective for d in self.departments)

    @property
    def unstaffed(self) -> int:
        return sum(len(d.unstaffed) for d in self.departments)

    @property
    def days_left(self) -> int:
        return (self.deadline - clock.local_date(self.at)).days

    @property
    def days_overdue(self) -> int:
        return max(0, -self.days_left)

    @property
    def complete(self) -> bool:
        return self.targeted > 0 and self.handed_over == self.targeted


def progress(region: Region) -> Progress:
    """Per receiving department: sub-items handed over (in effect now) of those the plan sends it, agreements."""
    now = clock.now()
    today = clock.local_date(now)
    departments = list(receiving_departments(region))
    rows = {d.pk: DepartmentProgress(department=d) for d in departments}

    for row in SubItem.objects.filter(region=region).values("target_department").annotate(n=Count("pk")):
        if row["target_department"] in rows:
            rows[row["target_department"]].targeted = row["n"]
    in_force = (
        Assignment.objects.filter(subitem__region=region)
        .valid_at(now)
        .filter(organisation_id=F("subitem__target_department"))
        .values("organisation")
        .annotate(n=Count("pk"))
    )
    for row in in_force:
        if row["organisation"] in rows:
            rows[row["organisation"]].handed_over = row["n"]

    live = HandoverAgreement.objects.filter(region=region).exclude(
        status__in=[AgreementStatus.SUPERSEDED, AgreementStatus.WITHDRAWN]
    )
    for agreement in live.order_by("created_at", "pk"):
        row = rows.get(agreement.department_id)
        if row is None:
            continue
        state = agreement_state(agreement.status, agreement.effective_at, now)
        if state == AgreementState.DRAFT:
            row.drafted += 1
        elif state == AgreementState.IN_FORCE:
            row.effective += 1
        else:
            row.signed_pending += 1
        if agreement.department_contact_name:  # the latest agreement names the responsible person
            row.responsible_name = agreement.department_contact_name
            row.responsible_phone = agreement.department_contact_phone

    targeted: dict[int, list[SubItem]] = {d.pk: [] for d in departments}
    for subitem in SubItem.objects.filter(target_department__in=departments).order_by("code"):
        targeted[subitem.target_department_id].append(subitem)
    staffing = staffing_on({d: [s.pk for s in targeted[d.pk]] for d in departments}, today)
    for department in departments:
        row = rows[department.pk]
        if not row.responsible_name:
            head = department_head(department)
            if head is not None:
                row.responsible_name, row.responsible_phone = head.full_name, head.phone
        unstaffed, qualified_staff = staffing[department.pk]
        row.qualified_approvers = len(qualified_staff)
        row.unstaffed = [s for s in targeted[department.pk] if s.pk in unstaffed]

    bureau = org_selectors.bureau_of(region)
    still_valid, after_void = [], []
    if bureau is not None and any(r_.effective for r_ in rows.values()):
        valid = list(valid_seals(authority=bureau, at=now))
        still_valid = [seal for seal in valid if seal.purpose == SealPurpose.APPROVAL]
        after_void = [seal for seal in valid if seal.purpose != SealPurpose.APPROVAL]
    return Progress(
        at=now,
        deadline=deadline(region),
        departments=[rows[d.pk] for d in departments],
        still_valid_bureau_approval_seals=still_valid,
        bureau_seals_after_void=after_void,
    )


# -- the sub-item picker of the draft form -----------------------------------------------------------


def handover_candidates(region: Region, department: Organisation, *, agreement=None, supersedes=None) -> dict:
    """Sub-items the bureau can still hand over, grouped by item: those the plan sends to `department`,
    and the others. Sub-items of another open agreement are left out; those of the agreement being
    edited or superseded stay in."""
    bureau = org_selectors.bureau_of(region)
    with_bureau = Assignment.objects.open().filter(organisation=bureau).values("subitem_id")
    ids = set(SubItem.objects.filter(region=region, pk__in=with_bureau).values_list("pk", flat=True))
    for own in (agreement, supersedes):
        if own is not None:
            ids |= set(own.subitems.values_list("pk", flat=True))
    busy = HandoverAgreement.objects.filter(
        status__in=[AgreementStatus.DRAFT, AgreementStatus.SIGNED]
    ).exclude(pk__in=[a.pk for a in (agreement, supersedes) if a is not None])
    ids -= set(SubItem.objects.filter(handover_agreements__in=busy).values_list("pk", flat=True))
    subitems = SubItem.objects.filter(pk__in=ids).select_related("item", "target_department").order_by("code")
    groups: dict[str, list] = {"targeted": [], "others": []}
    for sub in subitems:
        key = "targeted" if sub.target_department_id == department.pk else "others"
        bucket = groups[key]
        if not bucket or bucket[-1]["item"].pk != sub.item_id:
            bucket.append({"item": sub.item, "subitems": []})
        bucket[-1]["subitems"].append(sub)
    return groups
