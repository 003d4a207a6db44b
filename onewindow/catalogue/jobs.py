"""Catalogue imports started from the UI: saved upload, a job row, the import in a background thread."""

from __future__ import annotations

import datetime as dt
import logging
import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.db import close_old_connections, connection, transaction
from django.utils import translation
from django.utils.translation import gettext as _

from onewindow.catalogue import selectors, services
from onewindow.catalogue.models import ImportJob, ImportJobStatus
from onewindow.core import clock
from onewindow.core.errors import InvalidInput, PermissionDenied

logger = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
UPLOAD_DIR = "catalogue-imports"


def _run_in_thread(job_id: int) -> None:
    threading.Thread(
        target=run_import_job, args=(job_id,), kwargs={"own_connection": True}, daemon=True
    ).start()


# How a job is run once its row is committed; tests run it inline instead.
runner = _run_in_thread


def start_import(*, actor, uploaded) -> ImportJob:
    """Keep the upload and queue its import; the job row reports progress, errors and the result."""
    if not selectors.can_import(actor):
        raise PermissionDenied(
            _("Only the Data Bureau's supervisor imports the catalogue."), code="catalogue.import.forbidden"
        )
    name = Path(uploaded.name or "").name
    suffix = Path(name).suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise InvalidInput(
            _("Only .xlsx and .csv files can be imported."),
            code="catalogue.import.type",
            errors={"file": [_("Only .xlsx and .csv files can be imported.")]},
        )
    if uploaded.size > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            _("The file is larger than 20 MB."),
            code="catalogue.import.size",
            errors={"file": [_("The file is larger than 20 MB.")]},
        )
    directory = Path(settings.MEDIA_ROOT) / UPLOAD_DIR
    directory.mkdir(parents=True, exist_ok=True)
    stored = directory / f"{uuid.uuid4().hex}{suffix}"
    with stored.open("wb") as f:
        for chunk in uploaded.chunks():
            f.write(chunk)
    with transaction.atomic():
        job = ImportJob.objects.create(
            created_by=actor, created_at=clock.now(), filename=name[:200], stored_path=str(stored)
        )
        transaction.on_commit(lambda: runner(job.pk))
    return job


STALE_AFTER = dt.timedelta(minutes=30)


def fail_if_stale(job: ImportJob) -> ImportJob:
    """A job still unfinished long after it started died with its process (a restart); say so.

    Nothing was changed by it: the import writes in one transaction.
    """
    if not job.finished and job.created_at < clock.now() - STALE_AFTER:
        job.status = ImportJobStatus.FAILED
        job.phase = "error"
        job.finished_at = clock.now()
        job.errors = [
            {"row": 0, "column": "", "message": _("The import was interrupted; nothing was changed.")}
        ]
        job.save(update_fields=["status", "phase", "finished_at", "errors"])
    return job


def run_import_job(job_id: int, *, own_connection: bool = False) -> None:
    """Run one queued import; never raises (the outcome is written on the job row)."""
    if own_connection:
        close_old_connections()
    try:
        with translation.override(settings.LANGUAGE_CODE):
            _run(job_id)
    finally:
        if own_connection:
            connection.close()


def _run(job_id: int) -> None:
    job = ImportJob.objects.select_related("created_by").get(pk=job_id)
    ImportJob.objects.filter(pk=job_id).update(status=ImportJobStatus.RUNNING, phase="read", progress=1)

    def progress(phase: str, percent: int) -> None:
        ImportJob.objects.filter(pk=job_id).update(phase=phase, progress=percent)

    outcome: dict = {"progress": 100, "finished_at": None}
    try:
        report = services.import_catalogue(
            actor=job.created_by, path=job.stored_path, original_name=job.filename, progress=progress
        )
    except services.ImportRejected as exc:
        outcome.update(status=ImportJobStatus.FAILED, phase="validate", errors=exc.rows)
    except Exception:
        logger.exception("catalogue import job %s failed", job_id)
        outcome.update(
            status=ImportJobStatus.FAILED,
            phase="error",
            errors=[
                {"row": 0, "column": "", "message": _("An unexpected error occurred; nothing was changed.")}
            ],
        )
    else:
        outcome.update(
            status=ImportJobStatus.DONE, phase="done", report=report, total_rows=report.get("rows", 0)
        )
    finally:
        Path(job.stored_path).unlink(missing_ok=True)
    outcome["finished_at"] = clock.now()
    ImportJob.objects.filter(pk=job_id).update(**outcome)
