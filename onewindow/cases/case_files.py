"""The electronic case file (电子材料): the window clerk attaches each received material as a scan.

Rules (杜绝体外循环: scans, not paper, reach the back office):
- only PDF, JPEG and PNG, recognised by their first bytes, never by the name or the declared type;
- a size limit per file and per case (ONEWINDOW_FILE_MAX_BYTES, ONEWINDOW_CASE_FILES_MAX_BYTES);
- the bytes are stored once by their SM3 hash and never change; a replacement is a new version;
- uploads are the window clerk's, while materials may be handed in (the statuses where the transition
  table allows `supplement`); whoever may see the case sees its files, everyone else gets 404;
- a refused upload changes nothing: every check runs before the blob and the row are written, and the
  row and its audit entry share one transaction.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import PurePath

from django.conf import settings
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onewindow.cases import services
from onewindow.cases import transitions as t
from onewindow.cases.models import Case, CaseFile, CaseStatus
from onewindow.cases.storage import get_store
from onewindow.core import audit, clock
from onewindow.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    RuleViolation,
)
from onewindow.core.scoping import in_scope
from onewindow.org import roles as r
from onewindow.org.selectors import audit_context

# The roles and statuses of `supplement` (materials handed in at the window) allow uploads too.
UPLOAD_ROLES = t.ACTION_ROLES[t.SUPPLEMENT]
UPLOAD_STATUSES = frozenset(status for (status, action) in t.TABLE if action == t.SUPPLEMENT)

# Content types by their magic bytes, with the extensions a name of that type may carry.
TYPES = (
    (b"%PDF-", "application/pdf", (".pdf",)),
    (b"\xff\xd8\xff", "image/jpeg", (".jpg", ".jpeg")),
    (b"\x89PNG\r\n\x1a\n", "image/png", (".png",)),
)
ACCEPT = ",".join(content_type for _magic, content_type, _ext in TYPES)
NAME_MAX = 120
CHUNK = 1024 * 1024


class TooLarge(DomainError):
    """A file or the case's files together over the limit (HTTP 413)."""

    status = 413
    default_title = gettext_lazy("File too large")


def detect_type(head: bytes) -> tuple[str, tuple[str, ...]] | None:
    """(content type, extensions) from the first bytes, or None for anything but PDF, JPEG, PNG."""
    for magic, content_type, extensions in TYPES:
        if head.startswith(magic):
            return content_type, extensions
    return None


def human_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB".replace(".0 MB", " MB")
    return f"{max(1, round(size / 1024))} KB"


def clean_name(raw: str, extensions: tuple[str, ...], fallback: str) -> str:
    """The uploaded name as shown and sent back: no folders, no control or direction characters (they can
    make `evil‮fdp.exe` read as `evil.pdf`), at most NAME_MAX characters, the extension of the content."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch) not in ("Cc", "Cf", "Cs", "Co", "Zl", "Zp"))
    name = " ".join(name.split()).strip(" .")
    stem, suffix = name, PurePath(name).suffix
    if suffix.lower() in extensions:
        stem = name[: -len(suffix)]
    elif suffix.lower() in (".pdf", ".jpg", ".jpeg", ".png"):
        stem = name[: -len(suffix)]  # a scan named .pdf that is a PNG: the name follows the content
    stem = stem.strip(" .") or fallback
    return stem[: NAME_MAX - len(extensions[0])] + extensions[0]


@dataclass
class Prepared:
    """An upload that passed the content checks: its type, size and hash, ready to store."""

    upload: object
    name: str
    content_type: str
    size: int
    sm3: str

    def chunks(self):
        self.upload.seek(0)
        yield from self.upload.chunks(CHUNK)


def _sm3(upload) -> str:
    from cryptography.hazmat.primitives import hashes

    digest = hashes.Hash(hashes.SM3())
    upload.seek(0)
    for chunk in upload.chunks(CHUNK):
        digest.update(chunk)
    return digest.finalize().hex()


def prepare(upload, *, material: str) -> Prepared:
    """Check one upload by its content (413 too large, 422 not a PDF/JPEG/PNG or empty) and hash it."""
    raw_name = getattr(upload, "name", "") or ""
    shown = clean_name(raw_name, (PurePath(raw_name).suffix.lower() or ".bin",), material)
    size = int(getattr(upload, "size", 0) or 0)
    limit = settings.ONEWINDOW_FILE_MAX_BYTES
    if size > limit:
        raise TooLarge(
            _("The file %(name)s is %(size)s; a file may be at most %(limit)s.")
            % {"name": shown, "size": human_size(size), "limit": human_size(limit)},
            code="case_file.too_large",
            errors={"file": [_("At most %(limit)s per file.") % {"limit": human_size(limit)}]},
        )
    if size == 0:
        message = _("The file %(name)s is empty.") % {"name": shown}
        raise RuleViolation(message, code="case_file.empty", errors={"file": [message]})
    upload.seek(0)
    head = upload.read(16)
    found = detect_type(head)
    if found is None:
        message = _(
            "The file %(name)s is not a PDF, JPEG or PNG file (checked by its content, not by its name). "
            "Scan the material again as PDF, JPEG or PNG."
        ) % {"name": shown}
        raise RuleViolation(message, code="case_file.type", errors={"file": [message]})
    content_type, extensions = found
    return Prepared(
        upload=upload,
        name=clean_name(raw_name, extensions, material),
        content_type=content_type,
        size=size,
        sm3=_sm3(upload),
    )


def _check_role(actor) -> None:
    if not r.has_role(actor, *UPLOAD_ROLES):
        raise PermissionDenied(
            _("Only a window clerk attaches scanned materials."), code="case_file.role_forbidden"
        )


def _target(actor, case, material: str, *, lock: bool) -> Case:
    """The case in the actor's scope (404), for a clerk (403), open for materials (409), with the material
    in its pinned guide (400) — CONTRACT.md's order."""
    number = case.number if isinstance(case, Case) else str(case)
    qs = Case.objects.select_related("region", "guide")
    if lock:
        qs = qs.select_for_update(of=("self",))
    found = in_scope(qs, actor).filter(number=number).first()
    if found is None:
        raise NotFound(_("Not found, or outside your scope."), code="not_found")
    _check_role(actor)
    if found.status not in UPLOAD_STATUSES:
        raise Conflict(
            _("Scans can no longer be attached: the case is %(status)s.")
            % {"status": CaseStatus(found.status).label},
            code="case_file.wrong_state",
        )
    if material not in {m.code for m in found.guide.materials.all()}:
        message = _("%(code)s is not a material of this case's service guide.") % {"code": material}
        raise InvalidInput(message, code="case_file.unknown_material", errors={"material": [message]})
    return found


def _replaced(case: Case, material: str, replaces) -> CaseFile | None:
    if replaces in (None, ""):
        return None
    try:
        pk = int(replaces)
    except (TypeError, ValueError):
        pk = None
    old = CaseFile.objects.filter(case=case, material=material, pk=pk).first() if pk else None
    if old is None:
        message = _("Not a file of this material of the case.")
        raise InvalidInput(message, code="case_file.unknown_replaced", errors={"replaces": [message]})
    if CaseFile.objects.filter(replaces=old).exists():
        raise Conflict(
            _("This file was already replaced; replace its newest version."),
            code="case_file.already_replaced",
        )
    return old


def _check_case_total(case: Case, material: str, prepared: list[Prepared]) -> None:
    stored = CaseFile.objects.filter(case=case).aggregate(total=Sum("size"))["total"] or 0
    on_record = set(
        CaseFile.objects.filter(case=case, material=material, replaced_by__isnull=True).values_list(
            "sm3", flat=True
        )
    )
    adding = sum({p.sm3: p.size for p in prepared if p.sm3 not in on_record}.values())
    _check_total(stored + adding)


def _check_total(total: int) -> None:
    limit = settings.ONEWINDOW_CASE_FILES_MAX_BYTES
    if total > limit:
        raise TooLarge(
            _("With these files the case's scans would total %(total)s; a case may hold at most %(limit)s.")
            % {"total": human_size(total), "limit": human_size(limit)},
            code="case_file.case_too_large",
            errors={"file": [_("At most %(limit)s per case.") % {"limit": human_size(limit)}]},
        )


def _store(case: Case, material: str, prepared: list[Prepared], *, actor, replaced: CaseFile | None) -> list:
    """Write the blobs and the rows with their audit entries (inside the caller's transaction).

    The same bytes already on record as a current file of the material are not added twice (a double
    click, a resent form): that file is answered instead, created False.
    """
    current = {
        f.sm3: f
        for f in CaseFile.objects.filter(case=case, material=material, replaced_by__isnull=True).order_by(
            "pk"
        )
    }
    store = get_store()
    out = []
    for item in prepared:
        same = replaced if replaced is not None and replaced.sm3 == item.sm3 else None
        same = same or (current.get(item.sm3) if replaced is None else None)
        if same is not None:
            out.append((same, False))
            continue
        store.put(item.sm3, item.chunks())  # before the row: a rolled-back row leaves a harmless blob
        row = CaseFile(
            region=case.region,
            case=case,
            material=material,
            name=item.name,
            content_type=item.content_type,
            size=item.size,
            sm3=item.sm3,
            version=replaced.version + 1 if replaced is not None else 1,
            replaces=replaced,
            uploaded_by=actor,
            uploaded_at=clock.now(),
        )
        row.save(force_insert=True)
        current[item.sm3] = row
        audit.record(
            action="cases.attach_file",
            actor=actor,
            role=r.WINDOW_CLERK,
            **audit_context(actor, region=case.region.code),
            obj=row,
            detail={
                "number": case.number,
                "material": material,
                "name": row.name,
                "content_type": row.content_type,
                "size": row.size,
                "sm3": row.sm3,
                "version": row.version,
                "replaces": replaced.pk if replaced is not None else None,
            },
        )
        out.append((row, True))
    return out


def attach(*, actor, case, material: str, uploads: list, replaces=None) -> list[tuple[CaseFile, bool]]:
    """Attach scans of one material to a case (all or none); returns [(file, created)].

    `replaces` names a current file of the same material: the one upload becomes its next version.
    """
    material = str(material or "").strip()
    _target(actor, case, material, lock=False)  # 404, 403, 409, 400 before reading any bytes
    uploads = [u for u in uploads or [] if u is not None]
    if not uploads:
        message = _("Choose a file to upload.")
        raise InvalidInput(message, code="case_file.missing", errors={"file": [message]})
    if replaces not in (None, "") and len(uploads) != 1:
        message = _("A file is replaced by one new file.")
        raise InvalidInput(message, code="case_file.replace_one", errors={"file": [message]})
    prepared = [
        prepare(upload, material=material) for upload in uploads
    ]  # 413, 422; hashing outside the lock
    with transaction.atomic():
        locked = _target(
            actor, case, material, lock=True
        )  # again under the row lock: the state may have moved
        replaced = _replaced(locked, material, replaces)
        _check_case_total(locked, material, prepared)
        return _store(locked, material, prepared, actor=actor, replaced=replaced)


def accept_with_scans(*, actor, scans: dict[str, list], **application) -> tuple[Case, bool]:
    """The acceptance desk: accept the application (cases.services.accept) and attach the scans of the
    received materials in the same transaction; a refused scan refuses the whole submission."""
    _check_role(actor)
    scans = {code: [u for u in uploads if u is not None] for code, uploads in (scans or {}).items()}
    scans = {code: uploads for code, uploads in scans.items() if uploads}
    received = {str(c).strip() for c in application.get("materials") or []}
    unticked = sorted(code for code in scans if code not in received)
    if unticked:
        message = _("Scans were attached to materials not ticked as received: %(codes)s") % {
            "codes": ", ".join(unticked)
        }
        raise InvalidInput(message, code="case_file.not_received", errors={"materials": [message]})
    prepared = {code: [prepare(u, material=code) for u in uploads] for code, uploads in scans.items()}
    _check_total(sum({p.sm3: p.size for items in prepared.values() for p in items}.values()))
    with transaction.atomic():
        case, created = services.accept(actor=actor, **application)
        if created:  # a resent form (same Idempotency-Key) already stored its scans with the case
            for code, items in prepared.items():
                _store(case, code, items, actor=actor, replaced=None)
    return case, created
