"""Audit retention (网络安全法 art. 21: network logs kept at least six months): a setting that refuses less."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from onewindow import config
from tests.ops.conftest import onewindow


def test_retention_defaults_to_a_year_and_accepts_six_months(monkeypatch):
    monkeypatch.delenv("ONEWINDOW_AUDIT_RETENTION_DAYS", raising=False)
    assert config.audit_retention_days() == 365
    monkeypatch.setenv("ONEWINDOW_AUDIT_RETENTION_DAYS", "183")
    assert config.audit_retention_days() == 183


@pytest.mark.parametrize(
    "value, reason", [("182", "below the legal minimum of 183"), ("half a year", "whole number")]
)
def test_retention_below_six_months_or_unreadable_is_refused(monkeypatch, value, reason):
    monkeypatch.setenv("ONEWINDOW_AUDIT_RETENTION_DAYS", value)
    with pytest.raises(config.ConfigError, match=reason):
        config.audit_retention_days()


def test_the_console_script_refuses_to_start_with_a_short_retention(tmp_path):
    env = {**os.environ, "ONEWINDOW_DATA_DIR": str(tmp_path), "ONEWINDOW_AUDIT_RETENTION_DAYS": "90"}

    result = onewindow("serve", "--port", "1", env=env)

    assert result.returncode == 1
    assert "ONEWINDOW_AUDIT_RETENTION_DAYS=90 is below the legal minimum of 183 days" in result.stderr
    assert "Traceback" not in result.stderr


def test_no_code_of_the_application_deletes_or_rewrites_audit_entries():
    """There is no purge: entries outlive any retention period (the database refuses it as well)."""
    package = Path(config.__file__).parent
    offending = [
        f"{path.relative_to(package)}:{n}"
        for path in package.rglob("*.py")
        if "migrations" not in path.parts
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1)
        if re.search(r"AuditEntry\b.*\.(delete|update|bulk_update)\(", line)
    ]
    assert offending == []
