"""Print benchmark rows as a plain table: what was measured, on which database, and the ratio to its baseline."""

from __future__ import annotations

from django.db import connection


def database_label() -> str:
    if connection.vendor == "sqlite":
        return "SQLite (WAL)"
    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        return f"PostgreSQL {cursor.fetchone()[0]}"


def table(rows: list[dict], columns: list[str]) -> str:
    """rows of dicts → aligned text table with the given columns."""
    cells = [columns] + [[_fmt(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(columns))]
    lines = ["  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:,.1f}" if value >= 100 else f"{value:.3g}"
    return str(value)
