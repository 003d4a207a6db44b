"""HTML pages of organisations and people (thin: selectors in, templates out)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render

from onewindow.core.errors import DomainError
from onewindow.org import roles as r
from onewindow.org import selectors, services
from onewindow.org.access import role_required


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
    """The organisation's notifications (reminders from the Data Bureau, published guides…); POST marks
    them read — all of them, or the one named."""
    if request.method == "POST":
        one = request.POST.get("id", "")
        try:
            services.mark_notifications_read(actor=request.user, ids=[int(one)] if one.isdigit() else None)
        except DomainError as exc:  # an account without a staff record has no organisation to read for
            raise DjangoPermissionDenied(exc.message) from exc
        return redirect("org:notifications")
    page = Paginator(selectors.notifications_for(request.user), 50).get_page(request.GET.get("page"))
    return render(request, "org/notifications.html", {"page": page})
