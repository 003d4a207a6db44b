"""Personal data at rest: AES-256-GCM encrypted fields with key ids, keyed-hash search digests, key rotation.

The keyring lives in the data dir (`data_keys.json`, generated once, 0600) or comes from the environment:
ONEWINDOW_DATA_KEY = "kid:base64key[,kid:base64key…]" (the first encrypts, all decrypt) with
ONEWINDOW_DATA_INDEX_KEY = base64key. The index key (HMAC-SHA256 for exact search) is separate from the
encryption keys and survives a rotation, so the digests stay valid.

A stored value reads `ow1:<kid>:<base64(nonce ‖ ciphertext ‖ tag)>`; the field it belongs to is the
associated data, so a value copied into another column does not decrypt.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.apps import apps
from django.conf import settings
from django.db import models, transaction

from onewindow.core.files import write_private

PREFIX = "ow1"
KEY_FILE_NAME = "data_keys.json"


class DataKeyError(RuntimeError):
    """The keyring is missing a key a stored value names, or is malformed."""


@dataclass
class Keyring:
    current: str
    keys: dict[str, bytes]
    index_key: bytes
    path: Path | None = None  # None: from the environment (read-only)
    retired: list[str] = field(default_factory=list)


_lock = threading.Lock()
_cache: dict[str, tuple[float, Keyring]] = {}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def new_key_id() -> str:
    return secrets.token_hex(4)


def key_file() -> Path:
    return Path(_key_file_name())


def _key_file_name() -> str:
    configured = getattr(settings, "ONEWINDOW_DATA_KEY_FILE", None)
    return str(configured) if configured else os.path.join(settings.DATA_DIR, KEY_FILE_NAME)


def _save(ring: Keyring, *, only_if_new: bool = False) -> None:
    assert ring.path is not None
    body = {
        "current": ring.current,
        "keys": {kid: _b64(key) for kid, key in ring.keys.items()},
        "index_key": _b64(ring.index_key),
    }
    write_private(ring.path, json.dumps(body, indent=1), only_if_new=only_if_new)
    for name in [name for name, (_mtime, cached) in _cache.items() if cached.path == ring.path]:
        _cache.pop(name, None)  # read again at once, whatever time the file system gives the new file


def _from_env(raw: str) -> Keyring:
    keys: dict[str, bytes] = {}
    for part in raw.split(","):
        kid, _, key = part.strip().partition(":")
        if not kid or not key:
            raise DataKeyError("ONEWINDOW_DATA_KEY: expected kid:base64key[,kid:base64key…]")
        keys[kid] = _unb64(key)
    index = os.environ.get("ONEWINDOW_DATA_INDEX_KEY", "").strip()
    if not index:
        raise DataKeyError("ONEWINDOW_DATA_INDEX_KEY is required with ONEWINDOW_DATA_KEY")
    return Keyring(current=next(iter(keys)), keys=keys, index_key=_unb64(index))


def keyring() -> Keyring:
    """The keyring of the environment, else of the data dir's key file (created on first use). Read again
    whenever the file changes (a rotation by another process): its time is looked at on every call."""
    raw = os.environ.get("ONEWINDOW_DATA_KEY", "").strip()
    if raw:
        return _from_env_cached(raw, os.environ.get("ONEWINDOW_DATA_INDEX_KEY", "").strip())
    name = _key_file_name()
    cached = _cache.get(name)
    if cached is not None:  # the usual case, without the lock or a Path: two to three times faster
        try:
            if os.stat(name).st_mtime_ns == cached[0]:
                return cached[1]
        except FileNotFoundError:
            pass
    return _keyring_of_file(Path(name), name)


@functools.lru_cache(maxsize=4)
def _from_env_cached(raw: str, index: str) -> Keyring:
    """Parsed once per value of the two variables (`_from_env` reads the index key itself)."""
    return _from_env(raw)


def _keyring_of_file(path: Path, name: str) -> Keyring:
    with _lock:
        try:
            mtime = path.stat().st_mtime_ns
        except FileNotFoundError:
            # The first use anywhere: the workers of a new server may all get here at once. One key file
            # is created (the first creator's); everyone, this process included, uses what it holds.
            kid = new_key_id()
            ring = Keyring(
                current=kid,
                keys={kid: AESGCM.generate_key(256)},
                index_key=secrets.token_bytes(32),
                path=path,
            )
            _save(ring, only_if_new=True)
            mtime = path.stat().st_mtime_ns
        cached = _cache.get(name)
        if cached and cached[0] == mtime:
            return cached[1]
        body = json.loads(path.read_text())
        ring = Keyring(
            current=body["current"],
            keys={kid: _unb64(key) for kid, key in body["keys"].items()},
            index_key=_unb64(body["index_key"]),
            path=path,
        )
        _cache[name] = (mtime, ring)
        return ring


# -- values ------------------------------------------------------------------------------------------


def is_encrypted(value: str) -> bool:
    return isinstance(value, str) and value.startswith(PREFIX + ":")


def key_id_of(value: str) -> str | None:
    return value.split(":", 2)[1] if is_encrypted(value) else None


def encrypt(plaintext: str, *, context: str) -> str:
    ring = keyring()
    nonce = secrets.token_bytes(12)
    sealed = AESGCM(ring.keys[ring.current]).encrypt(nonce, plaintext.encode("utf-8"), context.encode())
    return f"{PREFIX}:{ring.current}:{_b64(nonce + sealed)}"


def decrypt(value: str, *, context: str) -> str:
    _, kid, body = value.split(":", 2)
    key = keyring().keys.get(kid)
    if key is None:
        raise DataKeyError(f"data key {kid!r} is not in the keyring")
    raw = _unb64(body)
    return AESGCM(key).decrypt(raw[:12], raw[12:], context.encode()).decode("utf-8")


def digest(value: str, *, purpose: str) -> str:
    """The keyed hash (HMAC-SHA256) an encrypted value is found by; '' for an empty value."""
    if not value:
        return ""
    message = f"{purpose}\0{value}".encode()
    return hmac.new(keyring().index_key, message, hashlib.sha256).hexdigest()


# -- the model field -----------------------------------------------------------------------------------


class EncryptedTextField(models.TextField):
    """Text stored encrypted (AES-256-GCM, the current key); read back in clear. Equality lookups on it
    cannot work (every encryption differs): search through a digest column filled by the service."""

    def contribute_to_class(self, cls, name, *args, **kwargs):
        super().contribute_to_class(cls, name, *args, **kwargs)
        self.crypto_context = f"{cls._meta.app_label}.{cls._meta.object_name}.{name}"

    def from_db_value(self, value, expression, connection):
        if value is None or value == "":
            return value
        if not is_encrypted(value):
            raise DataKeyError(f"{self.crypto_context}: a value stored in clear (run the migrations)")
        return decrypt(value, context=self.crypto_context)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        if value is None or value == "" or is_encrypted(value):
            return value
        return encrypt(value, context=self.crypto_context)

    def get_lookup(self, lookup_name):
        if lookup_name not in ("isnull",):
            return None  # a lookup on ciphertext would silently find nothing
        return super().get_lookup(lookup_name)


def encrypted_fields() -> list[tuple[type[models.Model], list[EncryptedTextField]]]:
    found = []
    for model in apps.get_models():
        fields = [f for f in model._meta.concrete_fields if isinstance(f, EncryptedTextField)]
        if fields:
            found.append((model, fields))
    return found


def encrypt_in_place(cursor, table: str, columns: list[str], *, context_of, pk: str = "id") -> int:
    """Encrypt the clear values of `columns` in `table` with raw SQL (for data migrations, which must not
    go through the field). `context_of(column)` names the field's associated data. Returns rows changed."""
    from django.db import connection

    q = connection.ops.quote_name
    cursor.execute(f"SELECT {q(pk)}, {', '.join(q(c) for c in columns)} FROM {q(table)}")
    changed = 0
    for row in cursor.fetchall():
        updates = {
            column: encrypt(value, context=context_of(column))
            for column, value in zip(columns, row[1:], strict=True)
            if value and not is_encrypted(value)
        }
        if updates:
            sets = ", ".join(f"{q(c)} = %s" for c in updates)
            cursor.execute(f"UPDATE {q(table)} SET {sets} WHERE {q(pk)} = %s", [*updates.values(), row[0]])
            changed += 1
    return changed


# -- rotation ------------------------------------------------------------------------------------------


@dataclass
class RotationResult:
    new_key_id: str
    rows: int
    retired: list[str]


def rotate(*, batch_size: int = 500, on_batch=None) -> RotationResult:
    """A new current key; every encrypted value re-encrypted under it, in batches, each batch in its own
    transaction; the old keys stay in the keyring until the last batch is done, then are dropped.

    With the keyring in the environment the operator puts the new key first in ONEWINDOW_DATA_KEY
    beforehand; the rows are then re-encrypted under it and the old keys can be removed afterwards.
    """
    ring = keyring()
    if ring.path is not None:
        kid = new_key_id()
        ring = Keyring(
            current=kid,
            keys={kid: AESGCM.generate_key(256), **ring.keys},
            index_key=ring.index_key,
            path=ring.path,
        )
        _save(ring)
    old = [kid for kid in ring.keys if kid != ring.current]
    rows = 0
    for model, fields in encrypted_fields():
        names = [f.name for f in fields]
        pks = list(model._base_manager.order_by("pk").values_list("pk", flat=True))
        for start in range(0, len(pks), batch_size):
            with transaction.atomic():
                batch = model._base_manager.select_for_update().filter(pk__in=pks[start : start + batch_size])
                for pk, *values in batch.values_list("pk", *names):
                    # Decrypted on the way out, encrypted under the current key on the way in.
                    model._base_manager.filter(pk=pk).update(**dict(zip(names, values, strict=True)))
                    rows += 1
            if on_batch:
                on_batch(model, rows)
    if ring.path is not None:
        _save(
            Keyring(
                current=ring.current,
                keys={ring.current: ring.keys[ring.current]},
                index_key=ring.index_key,
                path=ring.path,
            )
        )
    return RotationResult(new_key_id=ring.current, rows=rows, retired=old if ring.path is not None else [])
