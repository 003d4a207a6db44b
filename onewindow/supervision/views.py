"""HTML pages of supervision: the reminder form of a case page, the reminders of a department (with the
acknowledgment form) or of the region (supervisor), supervision orders, and the supervisor's board."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.supervision import selectors, services

SCOPED = (r.SUPERVISOR, r.APPROVER, r.DEPARTMENT_HEAD)


def _message(exc: DomainError) -> str:
    return str(exc.message)


def _date(value: str):
    """A YYYY-MM-DD form field (empty: None); a malformed one is a 400 with the field named."""
    import datetime as dt

    from onewindow.core.errors import InvalidInput

    value = (value or "").strip()
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        message = _("Enter a date as YYYY-MM-DD.")
        raise InvalidInput(message, code="supervision.bad_date", errors={"promised_by": [message]}) from None


@role_required(r.SUPERVISOR)
@require_POST
def case_remind(request, number):
    """The Data Bureau urges the department working the case (催办), from the case page."""
    try:
        services.remind(actor=request.user, case=number, message=request.POST.get("message", ""))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, _message(exc))
        return redirect("cases:case", number=number)
    messages.success(request, _("Reminder sent to the department."))
    return redirect("cases:case", number=number)


def _reminders_page(request, *, error=None, status=200):
    acknowledged = request.GET.get("acknowledged", "")
    try:
        qs = selectors.reminders_for(
            request.user,
            acknowledged=acknowledged if acknowledged in ("true", "false") else None,
            escalated="true" if request.GET.get("escalated") == "true" else None,
            department=request.GET.get("department") or None,
        )
    except DomainError:
        qs = selectors.reminders_for(request.user)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "rows": [selectors.reminder_summary(x) for x in page],
        "acknowledged": acknowledged,
        "can_acknowledge": r.has_role(request.user, r.APPROVER, r.DEPARTMENT_HEAD),
        "error": error,
    }
    return render(request, "supervision/reminders.html", context, status=status)


@role_required(*SCOPED)
def reminder_list(request):
    """The supervisor: every reminder of the region; a department: its own, to acknowledge."""
    return _reminders_page(request)


@role_required(r.APPROVER, r.DEPARTMENT_HEAD)
@require_POST
def reminder_acknowledge(request, pk):
    try:
        services.acknowledge(
            actor=request.user,
            reminder=pk,
            reply=request.POST.get("reply", ""),
            promised_by=_date(request.POST.get("promised_by", "")),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        error = {"id": pk, "message": _message(exc), "values": request.POST}
        return _reminders_page(request, error=error, status=exc.status)
    messages.success(request, _("Reminder acknowledged."))
    return redirect("supervision:reminders")
