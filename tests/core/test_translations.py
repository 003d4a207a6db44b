"""Every UI string has its Simplified Chinese translation, and the committed .mo files match their .po."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "onewindow"
CATALOGUES = sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/django.po"))


@pytest.fixture(scope="module")
def msgfmt():
    path = shutil.which("msgfmt")
    if path is None:
        if os.environ.get("CI"):
            pytest.fail("msgfmt (Debian package gettext) is needed to check the translations")
        pytest.skip("msgfmt not installed")
    return path


def test_there_are_catalogues():
    assert len(CATALOGUES) >= 2


@pytest.mark.parametrize("po", CATALOGUES, ids=lambda p: str(p.relative_to(ROOT)))
def test_catalogue_is_complete_and_compiled(po, msgfmt, tmp_path):
    compiled = tmp_path / "django.mo"
    result = subprocess.run(
        [msgfmt, "--check", "--statistics", "-o", str(compiled), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr, result.stderr
    committed = po.with_suffix(".mo")
    assert committed.exists(), f"{committed} missing: run compilemessages"
    assert committed.read_bytes() == compiled.read_bytes(), f"{committed} is stale: run compilemessages"


def test_one_msgid_reads_the_same_in_every_catalogue():
    """Django merges the apps' catalogues and the first app wins: a msgid translated two ways in two
    apps silently shows the other app's wording. Use a translation context (pgettext) where meanings differ."""
    import gettext

    seen: dict[str, tuple[str, str]] = {}
    clashes = []
    for po in CATALOGUES:
        with open(po.with_suffix(".mo"), "rb") as handle:
            catalogue = gettext.GNUTranslations(handle)._catalog
        app = str(po.relative_to(ROOT)).split("/")[0]
        for msgid, msgstr in catalogue.items():
            if not msgid:
                continue
            if msgid in seen and seen[msgid][1] != msgstr:
                clashes.append(f"{msgid!r}: {seen[msgid][0]}={seen[msgid][1]!r} vs {app}={msgstr!r}")
            seen.setdefault(msgid, (app, msgstr))
    assert not clashes, "\n".join(clashes)
