"""`onewindow bench audit`: audited writes per second with 1, 2, 4 and 8 processes, against the same inserts
without the audit chain, in one run on one throwaway database.

Each process commits one transaction per write, as a request does. Three kinds of write:

- plain: the same row inserted into a copy of the audit table that has no chain (the baseline);
- deferred: `audit.record()` as it runs by default: one INSERT of an unsealed entry, while a sealer process
  (what `onewindow serve` starts) chains the committed entries every ONEWINDOW_AUDIT_SEAL_INTERVAL;
- inline: `audit.record()` sealing in the writer's transaction under the chain head's row lock
  (ONEWINDOW_AUDIT_SEALING=inline, the design before the sealer: every audited write queues on one row).

The sealing lag (how long an entry waited for its seal) is reported for the deferred runs, and the chain
is verified after the run. The figures depend on the machine's load: compare the ratios.
"""

from __future__ import annotations

import datetime as dt
import multiprocessing
import os
import time

from django.conf import settings
from django.db import connection, connections, models, transaction

from bench.report import database_label, table

PROCESSES = (1, 2, 4, 8)
KINDS = ("plain", "deferred", "inline")
TARGET_SCALE_AT_4 = 3.0  # deferred writes/s at 4 processes ÷ at 1 process
TARGET_WRITES_AT_4 = 2000.0
COLUMNS = [
    "processes",
    "kind",
    "writes/s",
    "vs plain",
    "vs 1 process",
    "CPU ms/write",
    "sealing lag ms",
    "target",
]
DETAIL = {"case": "2026-0001", "from": "accepted", "to": "in_review", "note": "受理后转审批"}


def _plain_model():
    """A model over `bench_plain_entry`: the audit table's columns and indexes, no triggers, no chain."""
    from onewindow.core.models import AuditEntry

    class Meta:
        app_label = "core"
        db_table = "bench_plain_entry"
        managed = False
        indexes = [
            models.Index(fields=["id"], name="bench_plain_unsealed", condition=models.Q(hash__isnull=True))
        ]

    attrs = {"__module__": __name__, "Meta": Meta}
    for field in AuditEntry._meta.local_fields:
        if not field.primary_key:
            attrs[field.name] = field.clone()
    attrs["id"] = models.BigAutoField(primary_key=True)
    return type("BenchPlainEntry", (models.Model,), attrs)


_PLAIN = None


def plain_model():
    global _PLAIN
    if _PLAIN is None:
        _PLAIN = _plain_model()
    return _PLAIN


def _one_write(kind: str, n: int) -> None:
    from onewindow.core import audit

    fields = {"action": "bench.write", "object_type": "bench", "object_id": str(n), "detail": DETAIL}
    with transaction.atomic():
        if kind == "plain":
            entry = audit._entry(**fields)
            values = {
                f.attname: getattr(entry, f.attname) for f in entry._meta.local_fields if not f.primary_key
            }
            plain_model()(**values).save(force_insert=True)
        else:
            audit.record(**fields)


def _writer(kind: str, index: int, start_at: float, seconds: float, results) -> None:
    settings.ONEWINDOW_AUDIT_SEALING = "inline" if kind == "inline" else "deferred"
    try:
        _one_write(kind, -index - 1)  # connect and warm up before the start
        while time.time() < start_at:
            time.sleep(0.001)
        cpu = time.process_time()
        done, deadline = 0, start_at + seconds
        while time.time() < deadline:
            _one_write(kind, index * 10_000_000 + done)
            done += 1
        results.put((index, done, time.process_time() - cpu, ""))
    except Exception as exc:  # noqa: BLE001 - reported in the table's notes
        results.put((index, 0, 0.0, f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


def _sealer(stop, results) -> None:
    """The loop `onewindow serve` starts, measuring the lag of each sealing run."""
    from onewindow.core import audit
    from onewindow.core.models import AuditChainHead

    worst, sealed = 0, 0
    try:
        while True:
            stopping = stop.is_set()
            done = audit.seal()
            if done:
                sealed += done
                worst = max(worst, AuditChainHead.objects.get(pk=1).lag_ms)
            if stopping and done < audit.SEAL_BATCH:
                break
            if done < audit.SEAL_BATCH:
                time.sleep(settings.ONEWINDOW_AUDIT_SEAL_INTERVAL)
        results.put(("sealer", sealed, worst, ""))
    except Exception as exc:  # noqa: BLE001
        results.put(("sealer", sealed, worst, f"{type(exc).__name__}: {exc}"))
    finally:
        connections.close_all()


def run(kind: str, processes: int, seconds: float) -> dict:
    """`processes` writers for `seconds`; with a sealer alongside for the deferred kind."""
    context = multiprocessing.get_context("fork")
    results, stop = context.Queue(), context.Event()
    connections.close_all()  # the children must open their own connections, not share this one's socket
    start_at = time.time() + 0.5 + 0.1 * processes
    writers = [
        context.Process(target=_writer, args=(kind, i, start_at, seconds, results)) for i in range(processes)
    ]
    sealer = context.Process(target=_sealer, args=(stop, results)) if kind == "deferred" else None
    for process in writers + ([sealer] if sealer else []):
        process.start()
    outcomes = [results.get(timeout=seconds + 120) for _ in writers]
    stop.set()
    sealing = results.get(timeout=120) if sealer else None
    for process in writers + ([sealer] if sealer else []):
        process.join(timeout=30)
    writes = sum(done for _i, done, _cpu, _err in outcomes)
    errors = [err for *_rest, err in outcomes if err] + ([sealing[3]] if sealing and sealing[3] else [])
    return {
        "kind": kind,
        "processes": processes,
        "writes": writes,
        "per_second": writes / seconds,
        "cpu_ms": sum(cpu for _i, _d, cpu, _e in outcomes) * 1000 / max(writes, 1),
        "lag_ms": sealing[2] if sealing else None,
        "errors": errors,
    }


def rows(results: list[dict], *, on_postgresql: bool) -> list[dict]:
    by = {(r["kind"], r["processes"]): r for r in results}
    out = []
    for processes in sorted({r["processes"] for r in results}):
        for kind in KINDS:
            r = by.get((kind, processes))
            if r is None:
                continue
            plain = by.get(("plain", processes))
            single = by.get((kind, 1))
            target = ""
            if kind == "deferred" and processes == 4 and single:
                scale = r["per_second"] / max(single["per_second"], 1e-9)
                ok = scale >= TARGET_SCALE_AT_4 and r["per_second"] >= TARGET_WRITES_AT_4
                target = f"≥ {TARGET_SCALE_AT_4:g}× and ≥ {TARGET_WRITES_AT_4:,.0f}/s: {'met' if ok else 'NOT met'}"
                if not on_postgresql:
                    target += " (PG target; SQLite has one writer at a time)"
            out.append(
                {
                    "processes": processes,
                    "kind": kind,
                    "writes/s": r["per_second"],
                    "vs plain": r["per_second"] / plain["per_second"] if plain and kind != "plain" else "",
                    "vs 1 process": r["per_second"] / single["per_second"]
                    if single and processes > 1
                    else "",
                    "CPU ms/write": r["cpu_ms"],
                    "sealing lag ms": r["lag_ms"] if r["lag_ms"] is not None else "",
                    "target": target,
                }
            )
    return out


def main(quick: bool = False) -> str:
    from bench.cases import throwaway_database
    from onewindow.core import audit

    seconds = 1.0 if quick else 4.0
    counts = (1, 2) if quick else PROCESSES
    load_at_start = os.getloadavg()[0]
    results = []
    with throwaway_database():
        label = database_label()
        on_postgresql = connection.vendor == "postgresql"
        with connection.schema_editor() as editor:
            editor.create_model(plain_model())
        for processes in counts:
            for kind in KINDS:
                results.append(run(kind, processes, seconds))
        verified = audit.verify()
        entries = verified.checked
    lines = [
        f"database: {label}, throwaway (removed after the run); sealer interval "
        f"{settings.ONEWINDOW_AUDIT_SEAL_INTERVAL:g} s",
        f"machine: {os.cpu_count()} CPUs; {dt.datetime.now(dt.UTC):%Y-%m-%d %H:%M} UTC; load average "
        f"{load_at_start:.1f} at start, {os.getloadavg()[0]:.1f} at end (shared machine: compare the ratios)",
        f"each run {seconds:g} s, one transaction per write; CPU ms/write = the writers' own CPU",
        f"audit verify after the run: {'intact' if verified.ok else 'BROKEN at #' + str(verified.bad_seq)}, "
        f"{entries} entries",
    ]
    errors = [e for r in results for e in r["errors"]]
    if errors:
        lines.append("errors (first ones): " + " | ".join(errors[:5]))
    lines.append("")
    lines.append(table(rows(results, on_postgresql=on_postgresql), COLUMNS))
    return "\n".join(lines)
