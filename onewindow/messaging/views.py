"""The supervisor's outbox of applicants' messages (thin: selectors in, templates out)."""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from onewindow.core.errors import DomainError, NotFound
from onewindow.messaging import selectors, services
from onewindow.messaging.forms import OutboxFilterForm
from onewindow.org import roles as r
from onewindow.org.access import role_required


@role_required(r.SUPERVISOR)
def outbox(request):
    form = OutboxFilterForm(request.GET)
    page = Paginator(selectors.outbox(request.user, **form.filters()), 50).get_page(request.GET.get("page"))
    for message in page:
        message.masked_phone = selectors.mask_phone(message.phone)
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "messaging/outbox.html", {"page": page, "form": form, "query": query.urlencode()})


class _Echo:
    def write(self, value):
        return value


@role_required(r.SUPERVISOR)
def outbox_csv(request):
    form = OutboxFilterForm(request.GET)
    header = [
        _("Queued at"),
        _("Case number"),
        _("Kind"),
        _("Phone"),
        _("Status"),
        _("Attempts"),
        _("Sent at"),
        _("Last error"),
        _("Text"),
    ]
    writer = csv.writer(_Echo())
    rows = (
        writer.writerow(row)
        for row in [header, *selectors.export_rows(selectors.outbox(request.user, **form.filters()))]
    )
    response = StreamingHttpResponse(("\ufeff", *rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="sms-outbox.csv"'
    return response


@role_required(r.SUPERVISOR)
@require_POST
def retry(request, pk: int):
    try:
        services.retry(actor=request.user, message_id=pk)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The message is queued again."))
    return redirect(reverse("messaging:outbox") + "?status=failed")
