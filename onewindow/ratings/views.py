"""HTML pages of 好差评: the applicant's rating (public), the counter's, the lists and the rectification desk."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core import throttle
from onewindow.core.errors import DomainError, NotFound, TooManyRequests
from onewindow.org import roles as r
from onewindow.org.access import role_required
from onewindow.org.models import Organisation
from onewindow.ratings import selectors, services
from onewindow.ratings.models import Grade, Level, RectificationStatus

LIST_ROLES = (r.SUPERVISOR, r.APPROVER, r.DEPARTMENT_HEAD, r.WINDOW_CLERK, r.ISSUING_CLERK)
RECTIFICATION_ROLES = (r.SUPERVISOR, r.APPROVER, r.DEPARTMENT_HEAD)
COUNTER_ROLES = (r.WINDOW_CLERK, r.ISSUING_CLERK)


@require_POST
def public_rate(request):
    """The form under an issued case on the public progress page (no login)."""
    number = request.POST.get("number", "").strip()[:24]
    context = {"number": number}
    try:
        with throttle.guarded(request, "rating", number):
            context["rating"] = services.rate_online(
                number=number,
                check=request.POST.get("check", ""),
                level=request.POST.get("level"),
                comment=request.POST.get("comment", ""),
            )
    except NotFound:
        context["error"] = _(
            "No case matches this number and these digits. Check the case number on your receipt "
            "and the last 4 digits of the phone number you gave."
        )
        return render(request, "ratings/public_rated.html", context, status=404)
    except (TooManyRequests, DomainError) as exc:
        context["error"] = exc.message
        return render(request, "ratings/public_rated.html", context, status=exc.status)
    return render(request, "ratings/public_rated.html", context)


@role_required(*LIST_ROLES)
def rating_list(request):
    grade = request.GET.get("grade") if request.GET.get("grade") in Grade.values else None
    qs = selectors.visible_ratings(request.user, grade=grade)
    by_department = None
    if r.has_role(request.user, r.SUPERVISOR):
        by_department = selectors.counts(selectors.visible_ratings(request.user), by="department")
        orgs = Organisation.objects.in_bulk([row["key"] for row in by_department if row["key"]])
        for row in by_department:
            row["name"] = orgs[row["key"]].name if row["key"] in orgs else "—"
    context = {
        "ratings": qs[:200],
        "summary": selectors.summary(selectors.visible_ratings(request.user)),
        "by_department": by_department,
        "grade": grade,
        "grades": Grade.choices,
        "can_record": r.has_role(request.user, *COUNTER_ROLES),
    }
    return render(request, "ratings/rating_list.html", context)


@role_required(*COUNTER_ROLES)
def counter(request):
    """A hall clerk records the rating an applicant gave at the counter."""
    context = {"levels": list(reversed(Level.choices)), "values": {}}
    status = 200
    if request.method == "POST":
        try:
            rating = services.record_at_counter(
                actor=request.user,
                case=request.POST.get("number", "").strip(),
                level=request.POST.get("level"),
                comment=request.POST.get("comment", ""),
            )
        except DomainError as exc:
            context.update(error=exc.message, errors=exc.errors, values=request.POST)
            status = exc.status
        else:
            messages.success(
                request,
                _("Rating “%(label)s” recorded for case %(number)s.")
                % {"label": rating.get_level_display(), "number": rating.case.number},
            )
            return redirect("ratings:counter")
    return render(request, "ratings/counter.html", context, status=status)


@role_required(*RECTIFICATION_ROLES)
def rectification_list(request):
    status = request.GET.get("status") if request.GET.get("status") in RectificationStatus.values else None
    qs = selectors.visible_rectifications(request.user, status=status)
    rows = [selectors.rectification_summary_of(item) for item in qs[:300]]
    return render(
        request,
        "ratings/rectification_list.html",
        {"rows": rows, "status": status, "statuses": RectificationStatus.choices},
    )


def _detail_context(request, pk) -> dict:
    try:
        item = selectors.get_rectification(request.user, pk)
    except NotFound as exc:
        raise Http404 from exc
    return {
        "item": item,
        "row": selectors.rectification_summary_of(item),
        "rating": item.rating,
        "can_reply": item.status == RectificationStatus.OPEN
        and r.has_role(request.user, r.APPROVER, r.DEPARTMENT_HEAD),
        "can_follow_up": item.status == RectificationStatus.REPLIED
        and r.has_role(request.user, r.SUPERVISOR),
        "can_close": item.status == RectificationStatus.FOLLOWED_UP
        and r.has_role(request.user, r.SUPERVISOR),
    }


@role_required(*RECTIFICATION_ROLES)
def rectification_detail(request, pk):
    return render(request, "ratings/rectification_detail.html", _detail_context(request, pk))


ACTIONS = {
    "reply": lambda request, pk, version: services.reply(
        actor=request.user,
        rectification=pk,
        reply=request.POST.get("reply", ""),
        measures=request.POST.get("measures", ""),
        version=version,
    ),
    "follow-up": lambda request, pk, version: services.follow_up(
        actor=request.user,
        rectification=pk,
        result=request.POST.get("result", ""),
        satisfied={"yes": True, "no": False}.get(request.POST.get("satisfied", "")),
        version=version,
    ),
    "close": lambda request, pk, version: services.close(
        actor=request.user, rectification=pk, note=request.POST.get("note", ""), version=version
    ),
}


@role_required(*RECTIFICATION_ROLES)
@require_POST
def rectification_action(request, pk, action):
    if action not in ACTIONS:
        raise Http404
    version = request.POST.get("version")
    version = int(version) if version and version.isdigit() else None
    try:
        ACTIONS[action](request, pk, version)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        context = _detail_context(request, pk)
        context.update(error=exc.message, errors=exc.errors, values=request.POST, failed=action)
        return render(request, "ratings/rectification_detail.html", context, status=exc.status)
    messages.success(request, _("Saved."))
    return redirect("ratings:rectification", pk=pk)
