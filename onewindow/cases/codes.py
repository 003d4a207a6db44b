"""Verification codes of results: how a new one is drawn and how a typed one is read back, in one place.

New codes use Crockford's base32 alphabet (no I, L, O, U), so a code read off paper cannot be mistyped
between look-alike characters: the reader maps O to 0 and I, L to 1, ignores case, dashes and spaces.
Codes issued before used RFC 4648 base32 (A–Z, 2–7, which has I, L, O and U): they keep verifying
exactly as typed (cleaned of case, dashes and spaces).
"""

from __future__ import annotations

import base64
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"  # Crockford base32
LENGTH = 16  # 80 random bits: unguessable
_LOOK_ALIKES = str.maketrans({"O": "0", "I": "1", "L": "1"})
# RFC 4648 base32 digit → the Crockford digit of the same value (one random draw per code, not 16).
_TO_CROCKFORD = bytes.maketrans(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", ALPHABET.encode())


def new_verification_code() -> str:
    """16 Crockford base32 characters: 80 random bits, easy to type from paper."""
    return base64.b32encode(secrets.token_bytes(LENGTH * 5 // 8)).translate(_TO_CROCKFORD).decode()


def clean(code) -> str:
    """The code as typed, upper case, without dashes or spaces."""
    return "".join(str(code or "").split()).replace("-", "").upper()[:LENGTH]


def normalise(code) -> str:
    """A typed new code as stored: upper case, no dashes or spaces, O read as 0 and I, L as 1."""
    return clean(code).translate(_LOOK_ALIKES)


def stored_forms(code) -> list[str]:
    """What a typed code may be stored as: the new code it reads as, or an old code typed as it is."""
    cleaned = clean(code)
    if not cleaned:
        return []
    return list(dict.fromkeys((cleaned, normalise(cleaned))))


def grouped(code: str) -> str:
    """The code in groups of four, as printed (XXXX XXXX XXXX XXXX)."""
    return " ".join(code[i : i + 4] for i in range(0, len(code), 4))
