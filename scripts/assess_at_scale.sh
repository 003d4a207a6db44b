#!/bin/sh
# The assessment run at scale (README, "Assessment at scale"): the baseline `SELECT count(*)` three times,
# then a fresh run of month $1 (its drafts deleted first) and a re-run. Needs ONEWINDOW_DATABASE_URL.
set -e
P=$1
echo "machine: $(nproc) CPUs; $(date -u '+%Y-%m-%d %H:%M UTC'); load average $(cut -d' ' -f1-3 /proc/loadavg)"
psql -qAt "$ONEWINDOW_DATABASE_URL" -c "select count(*) || ' cases, ' || (select count(*) from cases_caseevent) || ' events' from cases_case"
for i in 1 2 3; do psql -qAt "$ONEWINDOW_DATABASE_URL" -c '\timing on' -c 'select count(*) from cases_case' | grep Time; done
psql -qAt "$ONEWINDOW_DATABASE_URL" -c "delete from assessment_score where result_id in (select id from assessment_result where period='$P' and status='draft'); delete from assessment_result where period='$P' and status='draft';"
/usr/bin/time -f "wall %e s (process start included), CPU user %U s" .venv/bin/onewindow assess --period "$P"
/usr/bin/time -f "wall %e s (process start included), CPU user %U s" .venv/bin/onewindow assess --period "$P"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
