"""Database guards: a filed assessment result (filed, returned, recorded) and its scores refuse every change
but the next step of the flow — on PostgreSQL and SQLite, so not even SQL rewrites one (rule 20).

Registered with `core.db_guards` (apps.py), which the test harness drops and reinstalls with the audit
table's own triggers."""

from __future__ import annotations

FILED = "('filed', 'returned', 'recorded')"
# Columns that never change once filed (the flow's own columns change once each, checked below).
FROZEN = [
    "region_id",
    "scheme_id",
    "subject_kind",
    "subject_staff_id",
    "subject_department_id",
    "unit_id",
    "period",
    "period_kind",
    "total",
    "monthly_mean",
    "year_end_score",
    "months",
    "corrects_id",
    "correction_reason",
    "computed_at",
    "reviewed_at",
    "reviewed_by_id",
    "confirmed_at",
    "confirmed_by_id",
    "filed_at",
    "filed_by_id",
]
ONCE = [
    "acknowledged_at",
    "acknowledged_by_id",
    "returned_at",
    "returned_by_id",
    "recorded_at",
    "recorded_by_id",
]
STEPS = "(NEW.status = OLD.status OR (OLD.status = 'filed' AND NEW.status = 'returned') OR (OLD.status = 'returned' AND NEW.status = 'recorded'))"


def _changed(op: str) -> str:
    frozen = " OR ".join(f"NEW.{c} {op} OLD.{c}" for c in FROZEN)
    once = " OR ".join(f"(OLD.{c} IS NOT NULL AND NEW.{c} {op} OLD.{c})" for c in ONCE)
    return f"({frozen} OR {once} OR NOT {STEPS})"


PG_INSTALL = f"""
CREATE OR REPLACE FUNCTION assessment_result_guard() RETURNS trigger AS $$
BEGIN
  IF TG_OP = 'DELETE' THEN
    IF OLD.status IN {FILED} THEN
      RAISE EXCEPTION 'a filed assessment result is immutable (DELETE refused)';
    END IF;
    RETURN OLD;
  END IF;
  IF OLD.status IN {FILED} AND {_changed("IS DISTINCT FROM").replace("NEW.months IS DISTINCT FROM OLD.months", "NEW.months::text IS DISTINCT FROM OLD.months::text")} THEN
    RAISE EXCEPTION 'a filed assessment result is immutable (UPDATE refused)';
  END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS assessment_result_immutable ON assessment_result;
CREATE TRIGGER assessment_result_immutable BEFORE UPDATE OR DELETE ON assessment_result
  FOR EACH ROW EXECUTE FUNCTION assessment_result_guard();
CREATE OR REPLACE FUNCTION assessment_score_guard() RETURNS trigger AS $$
BEGIN
  IF (TG_OP <> 'INSERT' AND (SELECT status FROM assessment_result WHERE id = OLD.result_id) IN {FILED})
     OR (TG_OP <> 'DELETE' AND (SELECT status FROM assessment_result WHERE id = NEW.result_id) IN {FILED}) THEN
    RAISE EXCEPTION 'the scores of a filed assessment result are immutable (% refused)', TG_OP;
  END IF;
  IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;
DROP TRIGGER IF EXISTS assessment_score_immutable ON assessment_score;
CREATE TRIGGER assessment_score_immutable BEFORE INSERT OR UPDATE OR DELETE ON assessment_score
  FOR EACH ROW EXECUTE FUNCTION assessment_score_guard();
"""
PG_REMOVE = """
DROP TRIGGER IF EXISTS assessment_result_immutable ON assessment_result;
DROP TRIGGER IF EXISTS assessment_score_immutable ON assessment_score;
"""
SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS assessment_result_no_delete BEFORE DELETE ON assessment_result "
    f"WHEN OLD.status IN {FILED} "
    f"BEGIN SELECT RAISE(ABORT, 'a filed assessment result is immutable (DELETE refused)'); END;",
    f"CREATE TRIGGER IF NOT EXISTS assessment_result_no_update BEFORE UPDATE ON assessment_result "
    f"WHEN OLD.status IN {FILED} AND {_changed('IS NOT')} "
    f"BEGIN SELECT RAISE(ABORT, 'a filed assessment result is immutable (UPDATE refused)'); END;",
    f"CREATE TRIGGER IF NOT EXISTS assessment_score_no_insert BEFORE INSERT ON assessment_score "
    f"WHEN (SELECT status FROM assessment_result WHERE id = NEW.result_id) IN {FILED} "
    f"BEGIN SELECT RAISE(ABORT, 'the scores of a filed assessment result are immutable'); END;",
    f"CREATE TRIGGER IF NOT EXISTS assessment_score_no_update BEFORE UPDATE ON assessment_score "
    f"WHEN (SELECT status FROM assessment_result WHERE id = OLD.result_id) IN {FILED} "
    f"OR (SELECT status FROM assessment_result WHERE id = NEW.result_id) IN {FILED} "
    f"BEGIN SELECT RAISE(ABORT, 'the scores of a filed assessment result are immutable'); END;",
    f"CREATE TRIGGER IF NOT EXISTS assessment_score_no_delete BEFORE DELETE ON assessment_score "
    f"WHEN (SELECT status FROM assessment_result WHERE id = OLD.result_id) IN {FILED} "
    f"BEGIN SELECT RAISE(ABORT, 'the scores of a filed assessment result are immutable'); END;",
]
SQLITE_REMOVE = [
    f"DROP TRIGGER IF EXISTS {name};"
    for name in (
        "assessment_result_no_delete",
        "assessment_result_no_update",
        "assessment_score_no_insert",
        "assessment_score_no_update",
        "assessment_score_no_delete",
    )
]


def statements(vendor: str, install: bool) -> list[str]:
    if vendor == "postgresql":
        return [PG_INSTALL if install else PG_REMOVE]
    if vendor == "sqlite":
        return SQLITE_INSTALL if install else SQLITE_REMOVE
    return []
