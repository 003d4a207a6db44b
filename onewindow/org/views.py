"""HTML pages of organisations and people (thin: selectors in, templates out)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse

from onewindow.core.errors import DomainError
from onewindow.org import notifications as notifications_kinds
from onewindow.org import roles as r
from onewindow.org import selectors, services
from onewindow.org.access import role_required
from onewindow.org.forms import MarkReadForm, NotificationFilterForm


@role_required(*r.BUSINESS_ROLES)
def organisation_list(request):
    return render(request, "org/organisation_list.html", {"organisations": selectors.departments()})


@role_required(*r.BUSINESS_ROLES)
def organisation_detail(request, code):
    organisation = selectors.departments().filter(code=code).first()
    if organisation is None:
        raise Http404
    staff = selectors.visible_staff(request.user).filter(organisation=organisation)
    return render(request, "org/organisation_detail.html", {"organisation": organisation, "staff": staff})


@login_required
def staff_list(request):
    return render(request, "org/staff_list.html", {"staff": selectors.visible_staff(request.user)})


@role_required(r.SUPERVISOR, r.DEPARTMENT_HEAD)
def stationing_list(request):
    return render(
        request, "org/stationing_list.html", {"stationings": selectors.visible_stationings(request.user)}
    )


@login_required
def notifications(request):
    """The user's inbox (reminders, warnings, published guides…), filtered by state and kind; POST marks
    one read (`id`) or all of them — for this user only."""
    if request.method == "POST":
        form = MarkReadForm(request.POST)
        one = form.cleaned_data["id"] if form.is_valid() else None
        if form.is_valid() or "id" not in request.POST:
            try:
                services.mark_notifications_read(actor=request.user, ids=[one] if one else None)
            except DomainError as exc:  # an account without a staff record has no inbox
                raise DjangoPermissionDenied(exc.message) from exc
        # Back to the same filter: `query` is the page's own query string, never another address.
        query = QueryDict(request.POST.get("query", "")).copy()
        target = reverse("org:notifications")
        return redirect(f"{target}?{query.urlencode()}" if query else target)
    form = NotificationFilterForm(request.GET)
    page = Paginator(selectors.notifications_for(request.user, **form.filters()), 50).get_page(
        request.GET.get("page")
    )
    for note in page:
        note.kind_label = notifications_kinds.label(note.kind)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "org/notifications.html", {"page": page, "form": form, "query": query.urlencode()})
