"""Private files written safely by processes that may start at once (no Django: the settings use it)."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def write_private(path: Path, text: str, *, only_if_new: bool = False) -> bool:
    """Write `text` to `path` readable by the owner only; atomic (a crash leaves the old file), through a
    temporary file of this writer's own (several processes may write at once). `only_if_new`: only if no
    file is there yet (else nothing is written and False is returned: another process created it first)."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(tmp, 0o600)  # whatever the umask
        if not only_if_new:
            os.replace(tmp, path)
            return True
        try:
            os.link(tmp, path)  # fails if the file exists: the first creator wins, whoever it is
        except FileExistsError:
            return False
        return True
    finally:
        tmp.unlink(missing_ok=True)
