"""The auditor's reading of the audit chain: filters, pages and exports (CSV, xlsx)."""

from __future__ import annotations

import csv
import datetime as dt
import io

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from onewindow.core import audit
from onewindow.core.errors import InvalidInput, PermissionDenied
from onewindow.core.models import AuditEntry
from onewindow.org import roles as r
from onewindow.org.security import record

COLUMNS = ["seq", "at", "actor", "role", "organisation", "action", "object_type", "object_id", "success"]
EXPORT_LIMIT = 200_000


def require_auditor(user) -> None:
    """The audit log is the audit administrator's alone (三员分立); everyone else 403."""
    if user is None or not user.is_authenticated or not r.has_role(user, r.AUDITOR):
        raise PermissionDenied(_("Only the audit administrator reads the audit log."), code="audit.forbidden")


def parse_bound(value: str | None, *, field: str, end: bool = False) -> dt.datetime | None:
    """A date (the hall's local day; `to` includes the whole day) or an ISO time with offset."""
    value = (value or "").strip()
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            moment = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
            return moment + dt.timedelta(days=1) if end else moment
        moment = dt.datetime.fromisoformat(value)
    except OverflowError:
        return None  # the last day there is: no bound
    except ValueError:
        raise InvalidInput(
            _("Invalid input"),
            code="audit.invalid",
            errors={field: [_("Use YYYY-MM-DD or an ISO 8601 time.")]},
        ) from None
    return moment if timezone.is_aware(moment) else timezone.make_aware(moment)


def entries(
    *, since: dt.datetime | None = None, until: dt.datetime | None = None, actor: str = "", action: str = ""
) -> QuerySet[AuditEntry]:
    """Newest first (by insertion; an entry not sealed yet has no `seq`). `action` ending in '*' matches
    a prefix (e.g. `auth.*`)."""
    qs = AuditEntry.objects.order_by("-id")
    if since is not None:
        qs = qs.filter(at__gte=since)
    if until is not None:
        qs = qs.filter(at__lt=until)
    if actor:
        qs = qs.filter(actor=actor.strip())
    if action:
        action = action.strip()
        qs = qs.filter(action__startswith=action[:-1]) if action.endswith("*") else qs.filter(action=action)
    return qs


def sealing() -> audit.SealStatus:
    """How far the sealer has chained the log and how long entries wait for it."""
    return audit.status()


def row(entry: AuditEntry) -> list:
    return [
        entry.seq,
        timezone.localtime(entry.at).isoformat(),
        entry.actor,
        entry.role,
        entry.organisation,
        entry.action,
        entry.object_type,
        entry.object_id,
        entry.success,
    ]


def export(*, actor, qs: QuerySet[AuditEntry], fmt: str, filters: dict) -> tuple[bytes, str]:
    """The filtered entries as CSV (UTF-8 with BOM, for Excel) or xlsx; the export itself is audited."""
    require_auditor(actor)
    if fmt not in ("csv", "xlsx"):
        raise InvalidInput(_("Invalid input"), code="audit.invalid", errors={"format": ["csv, xlsx"]})
    selected = qs[:EXPORT_LIMIT]
    with transaction.atomic():
        record(action="audit.export", actor=actor, detail={"format": fmt, **filters})
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(COLUMNS)
        for entry in selected.iterator(chunk_size=2000):
            writer.writerow(row(entry))
        return ("\ufeff" + buffer.getvalue()).encode("utf-8"), "text/csv; charset=utf-8"
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("audit")
    sheet.append(COLUMNS)
    for entry in selected.iterator(chunk_size=2000):
        sheet.append(row(entry))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
