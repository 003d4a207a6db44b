"""Who is assessed in a period: window staff (the hall's clerks), stationed staff (postings running in the
period) and the receiving departments."""

from __future__ import annotations

from dataclasses import dataclass

from onewindow.assessment.models import SubjectKind
from onewindow.assessment.periods import Period
from onewindow.org import roles as r
from onewindow.org.models import Organisation, Staff, Stationing


@dataclass(frozen=True)
class Subject:
    kind: str
    staff: Staff | None = None
    department: Organisation | None = None

    @property
    def user_id(self) -> int | None:
        return self.staff.user_id if self.staff else None

    @property
    def unit(self) -> Organisation:
        """Where the result is returned: the person's employing unit, or the department itself."""
        return self.staff.organisation if self.staff else self.department

    @property
    def name(self) -> str:
        return self.staff.full_name if self.staff else self.department.name


def subjects(kind: str, period: Period, *, region) -> list[Subject]:
    if kind == SubjectKind.WINDOW_STAFF:
        staff = (
            Staff.objects.filter(
                organisation__region=region,
                user__is_active=True,
                user__groups__name__in=[r.WINDOW_CLERK, r.ISSUING_CLERK],
            )
            .select_related("user", "organisation")
            .distinct()
            .order_by("user__username")
        )
        return [Subject(kind, staff=s) for s in staff]
    if kind == SubjectKind.STATIONED_STAFF:
        postings = Stationing.objects.filter(
            department__region=region, valid_from__lte=period.last_day
        ).exclude(valid_to__lte=period.first_day)
        staff = (
            Staff.objects.filter(pk__in=postings.values("staff_id"))
            .select_related("user", "organisation")
            .order_by("organisation__sort_order", "user__username")
        )
        return [Subject(kind, staff=s) for s in staff]
    departments = Organisation.objects.filter(region=region, kind__in=["internal", "resident"]).order_by(
        "sort_order", "code"
    )
    return [Subject(kind, department=d) for d in departments]
