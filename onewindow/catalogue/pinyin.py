"""Pinyin initials of Chinese names, so staff can type 'qytz' to find 企业投资项目…"""

from __future__ import annotations

from functools import lru_cache

from pypinyin import Style, lazy_pinyin


@lru_cache(maxsize=4096)
def initials(*names: str) -> str:
    """Lower-case initials of each name (non-Chinese characters kept), names separated by a space."""
    parts = []
    for name in names:
        letters = lazy_pinyin(name or "", style=Style.FIRST_LETTER, errors="default")
        parts.append("".join(letters).lower().replace(" ", ""))
    return " ".join(p for p in parts if p)[:200]
