"""The cases benchmark runs its in-process part with tiny counts and prints every row (no timing is asserted)."""

from __future__ import annotations

import datetime as dt

import pytest

from bench import cases
from bench.report import table
from onewindow.core import audit

HALL_TZ = dt.timezone(dt.timedelta(hours=8))


def test_healthz_answers_ok_without_login(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_in_process_benchmark_issues_real_cases_and_reports_its_rows(frozen_clock):
    from onewindow.cases.models import Case

    frozen_clock(dt.datetime(2025, 3, 3, 10, 0, tzinfo=HALL_TZ))
    desks = cases.prepare(clients=2)

    rows = cases.in_process_rows(desks, lifecycles=2, max_seconds=60, calendar_calls=500)

    assert [row["what"].split(" (")[0] for row in rows] == [
        "in-process lifecycles",
        "in-process: one service call",
        "add_workdays",
    ]
    assert rows[2]["target"] == "≥ 200,000" and rows[2]["met"] in ("met", "NOT met")
    # The warm-up lifecycle and the two measured ones went all the way, through the real rules.
    issued = Case.objects.filter(status="issued")
    assert issued.count() == 3
    assert all(case.result.seal_organisation == case.authority for case in issued)
    assert audit.verify().ok
    text = table(rows, cases.COLUMNS)
    assert text.splitlines()[0].split() == cases.COLUMNS


def test_http_rows_mark_the_targets_and_the_ceiling_ratio():
    lifecycles = cases.Load(seconds=10.0, requests=2000, lifecycles=400, latencies=[0.010] * 99 + [0.200])
    healthz = cases.Load(seconds=10.0, requests=10_000, latencies=[0.002] * 100)

    rows = {
        row["what"].split(" (")[0]: row
        for row in cases.http_rows(lifecycles, healthz, clients=32, on_postgresql=True)
    }

    assert rows["HTTP lifecycles"]["value"] == 40.0 and rows["HTTP lifecycles"]["met"] == "NOT met"
    assert rows["HTTP lifecycle requests"]["ratio"] == pytest.approx(0.2)
    assert rows["HTTP acceptance POST /cases p99"]["value"] == pytest.approx(10.0)
    assert rows["HTTP acceptance POST /cases p99"]["met"] == "met"
    assert rows["HTTP failed requests"]["met"] == "met"


def test_percentile_is_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert cases.percentile(values, 50) == 50.0
    assert cases.percentile(values, 99) == 99.0
    assert cases.percentile(values, 100) == 100.0
    assert cases.percentile([], 99) == 0.0


@pytest.mark.parametrize(
    "database",
    [
        {"ENGINE": "django.db.backends.sqlite3", "NAME": "/data/bench-1.sqlite3"},
        {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "bench_onewindow_1",
            "USER": "ow",
            "PASSWORD": "p@ss:/word",
            "HOST": "127.0.0.1",
            "PORT": "5432",
            "CONN_MAX_AGE": 60,
            "OPTIONS": {"sslmode": "disable"},
        },
        {"ENGINE": "django.db.backends.postgresql", "NAME": "bench_onewindow_1", "USER": "ow"}
        | {"PASSWORD": "", "HOST": "", "PORT": ""},
    ],
)
def test_the_server_subprocess_is_pointed_at_the_bench_database(database, monkeypatch, tmp_path):
    from onewindow import config

    monkeypatch.setenv("ONEWINDOW_DATABASE_URL", cases._database_url(database))
    parsed = config.database(tmp_path)

    for key in ("NAME", "USER", "PASSWORD", "HOST", "PORT"):
        assert parsed.get(key, "") == database.get(key, ""), key
    assert parsed.get("OPTIONS", {}).get("sslmode") == database.get("OPTIONS", {}).get("sslmode")


def test_audit_bench_rows_compare_with_plain_inserts_and_one_process():
    from bench import audit as audit_bench

    def result(kind, processes, per_second):
        return {"kind": kind, "processes": processes, "per_second": per_second, "cpu_ms": 0.5, "lag_ms": None}

    results = [result("plain", 1, 1000.0), result("deferred", 1, 800.0), result("inline", 1, 500.0)]
    results += [result("plain", 4, 3000.0), result("deferred", 4, 2600.0), result("inline", 4, 550.0)]
    rows = {(r["processes"], r["kind"]): r for r in audit_bench.rows(results, on_postgresql=True)}

    assert rows[(4, "deferred")]["vs plain"] == pytest.approx(2600 / 3000)
    assert rows[(4, "deferred")]["vs 1 process"] == pytest.approx(3.25)
    assert rows[(4, "deferred")]["target"].endswith(": met")
    assert rows[(4, "inline")]["vs 1 process"] == pytest.approx(1.1)
    assert table(list(rows.values()), audit_bench.COLUMNS).splitlines()[0].startswith("processes")
