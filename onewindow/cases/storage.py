"""Where the bytes of scanned materials live: content-addressed by SM3, written once, never changed.

A store is any class with `put(digest, source)`, `open(digest)` and `exists(digest)`; the setting
ONEWINDOW_FILE_STORE names it (dotted path). The default keeps the files under ONEWINDOW_FILES_DIR as
`ab/cdef…` (the first two hex digits of the hash as a folder). An S3-compatible object store is an
extension point: a class with the same three methods using the key `ab/cdef…`, configured by
ONEWINDOW_FILE_STORE — none is shipped, so the hall's closed network needs no cloud client.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import BinaryIO, Protocol
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse
from django.utils.module_loading import import_string

_DIGEST = re.compile(r"^[0-9a-f]{64}$")


class FileStore(Protocol):
    def put(self, digest: str, chunks: Iterable[bytes]) -> None:
        """Store the bytes under their digest; a no-op when they are already there."""

    def open(self, digest: str) -> BinaryIO:
        """The stored bytes for reading (FileNotFoundError when absent)."""

    def exists(self, digest: str) -> bool: ...


def key(digest: str) -> str:
    """`ab/cdef…`: the relative location of a blob in any store."""
    if not _DIGEST.match(digest or ""):
        raise ValueError(f"not an SM3 hex digest: {digest!r}")
    return f"{digest[:2]}/{digest[2:]}"


class FilesystemStore:
    """Blobs as files under a root folder; a write goes to a temporary file first, then is renamed, so a
    blob is either absent or complete (never half-written) even if the process dies meanwhile."""

    def __init__(self, root: Path | str | None = None):
        self.root = Path(root or settings.ONEWINDOW_FILES_DIR)

    def path(self, digest: str) -> Path:
        return self.root / key(digest)

    def exists(self, digest: str) -> bool:
        return self.path(digest).is_file()

    def put(self, digest: str, chunks: Iterable[bytes]) -> None:
        target = self.path(digest)
        if target.is_file():
            return  # content-addressed: the same bytes are already there
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".incoming-")
        try:
            with os.fdopen(handle, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            os.chmod(temporary, 0o440)
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise

    def open(self, digest: str) -> BinaryIO:
        return self.path(digest).open("rb")


def get_store() -> FileStore:
    """The configured store (read from the settings on every call, so tests can point it elsewhere)."""
    return import_string(settings.ONEWINDOW_FILE_STORE)()


def bytes_response(case_file) -> FileResponse:
    """The stored bytes of a case file as the browser should get them: the type found from the content,
    shown inline under its name, never cached (personal data) and never sniffed as anything else."""
    response = FileResponse(get_store().open(case_file.sm3), content_type=case_file.content_type)
    response["Content-Length"] = str(case_file.size)
    response["Content-Disposition"] = "inline; filename*=UTF-8''" + quote(case_file.name, safe="")
    response["Cache-Control"] = "no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
