"""HTML pages of supervision: the reminder form of a case page, the reminders of a department (with the
acknowledgment form) or of the region (supervisor), supervision orders, and the supervisor's board."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onewindow.core import refusals
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
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
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
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        error = {"id": pk, "message": _message(exc), "values": request.POST}
        return _reminders_page(request, error=error, status=exc.status)
    messages.success(request, _("Reminder acknowledged."))
    return redirect("supervision:reminders")


# --------------------------------------------------------------------------------------------------
# Supervision orders (督办)
# --------------------------------------------------------------------------------------------------


@role_required(*SCOPED)
def order_list(request):
    status = request.GET.get("status", "")
    try:
        qs = selectors.orders_for(request.user, status=status or None)
    except DomainError:
        qs, status = selectors.orders_for(request.user), ""
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "supervision/orders.html",
        {"page": page, "rows": [selectors.order_summary(o) for o in page], "status": status},
    )


def _order_page(request, pk, *, error=None, status=200):
    try:
        order = selectors.get_order(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    mine = getattr(getattr(request.user, "staff", None), "organisation_id", None) == order.department_id
    context = {
        "order": order,
        "row": selectors.order_summary(order),
        "can_explain": mine
        and r.has_role(request.user, r.APPROVER, r.DEPARTMENT_HEAD)
        and order.status in ("issued", "returned"),
        "can_review": r.has_role(request.user, r.SUPERVISOR) and order.status == "explained",
        "error": error,
    }
    return render(request, "supervision/order_detail.html", context, status=status)


@role_required(*SCOPED)
def order_detail(request, pk):
    return _order_page(request, pk)


@role_required(r.SUPERVISOR)
@require_POST
def order_issue(request, number):
    """From the case page: escalate the overdue case to a supervision order."""
    try:
        order = services.issue_order(actor=request.user, case=number, reason=request.POST.get("reason", ""))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, _message(exc))
        return redirect("cases:case", number=number)
    messages.success(request, _("Supervision order %(number)s issued.") % {"number": order.number})
    return redirect("supervision:order", pk=order.pk)


@role_required(r.APPROVER, r.DEPARTMENT_HEAD)
@require_POST
def order_explain(request, pk):
    try:
        services.explain_order(actor=request.user, order=pk, explanation=request.POST.get("explanation", ""))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        error = {"message": _message(exc), "values": request.POST}
        return _order_page(request, pk, error=error, status=exc.status)
    messages.success(request, _("Explanation submitted."))
    return redirect("supervision:order", pk=pk)


@role_required(r.SUPERVISOR)
@require_POST
def order_review(request, pk):
    accept = request.POST.get("decision") == "close"
    try:
        services.review_order(actor=request.user, order=pk, accept=accept, note=request.POST.get("note", ""))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        error = {"message": _message(exc), "values": request.POST}
        return _order_page(request, pk, error=error, status=exc.status)
    messages.success(request, _("Order closed.") if accept else _("Explanation sent back."))
    return redirect("supervision:order", pk=pk)


@role_required(*SCOPED)
def order_pdf(request, pk):
    from django.http import HttpResponse

    from onewindow.supervision import documents

    try:
        order = selectors.get_order(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    response = HttpResponse(documents.order_notice(order), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="supervision-order-{order.pk}.pdf"'
    return response


# --------------------------------------------------------------------------------------------------
# The supervisor's board
# --------------------------------------------------------------------------------------------------

BOARD_HEADINGS = (
    ("department", gettext_lazy("Department")),
    ("normal", gettext_lazy("Normal")),
    ("warning", gettext_lazy("Near the limit")),
    ("overdue", gettext_lazy("Overdue")),
    ("least_remaining_days", gettext_lazy("Least working days left")),
    ("oldest_accepted_at", gettext_lazy("Oldest open case")),
    ("unacknowledged", gettext_lazy("Reminders not acknowledged")),
    ("escalated", gettext_lazy("Escalated")),
    ("open_orders", gettext_lazy("Open supervision orders")),
)


@role_required(r.SUPERVISOR)
def board(request):
    """Per department: open cases by level, the most urgent, the oldest, reminders and orders; sortable,
    each number a link to the list it counts; one button reminds a department of all its late cases."""
    sort = request.GET.get("sort", "overdue")
    if sort not in selectors.BOARD_COLUMNS:
        sort = "overdue"
    descending = request.GET.get("order", "desc") != "asc"
    rows = selectors.board(request.user, sort=sort, descending=descending)
    headings = [
        {
            "key": key,
            "label": label,
            "current": key == sort,
            "order": "asc" if key == sort and descending else "desc",
        }
        for key, label in BOARD_HEADINGS
    ]
    return render(
        request,
        "supervision/board.html",
        {"rows": rows, "headings": headings, "sort": sort, "descending": descending},
    )


@role_required(r.SUPERVISOR)
@require_POST
def board_remind(request, code):
    """The board's one click: remind a department about all its warning and overdue cases."""
    try:
        reminder = services.remind_department(
            actor=request.user,
            department=code,
            message=request.POST.get("message", "")
            or _("Please finish your cases near or past their limit."),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        refusals.note(request, exc)  # audited after the rollback (org.refusals)
        messages.error(request, _message(exc))
        return redirect("supervision:board")
    messages.success(
        request,
        _("Reminder sent to %(name)s about %(n)d late cases.")
        % {"name": reminder.department.name, "n": len(reminder.late_cases)},
    )
    return redirect("supervision:board")
