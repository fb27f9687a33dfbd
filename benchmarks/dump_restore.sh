#!/usr/bin/env bash
# A dump of the full PostgreSQL catalogue restored into a fresh database: every table holds
# as many rows as before, and every public export file is byte for byte the same.
#
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench   # see benchmarks/README.md
#   benchmarks/dump_restore.sh            (TARGET_DB=rkst_restored by default; it is recreated)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
RUN=${RUN:-/tmp/rkst-restore}
TARGET_DB=${TARGET_DB:-rkst_restored}
[ -n "${DATABASE_URL:-}" ] || { echo "Set DATABASE_URL to the PostgreSQL catalogue" >&2; exit 2; }
SERVER=${DATABASE_URL%/*}
TARGET_URL=$SERVER/$TARGET_DB
mkdir -p "$RUN"
export REQUEST_LOG_LEVEL=WARNING

seconds() { local start=$1; echo "$(date +%s.%N) - $start" | bc; }

echo "==> Fingerprint of the catalogue (row counts of every table, export files)"
$PY benchmarks/fingerprint.py >"$RUN/before.json"

echo "==> dump_catalogue"
start=$(date +%s.%N)
$PY manage.py dump_catalogue "$RUN/catalogue.json.gz"
echo "   $(seconds "$start") s, $(du -h "$RUN/catalogue.json.gz" | cut -f1)"

echo "==> A fresh database $TARGET_DB, migrated, and restore_catalogue"
psql "$SERVER/postgres" -q -c "DROP DATABASE IF EXISTS $TARGET_DB" \
    -c "CREATE DATABASE $TARGET_DB ENCODING 'UTF8' LOCALE 'C.UTF-8' TEMPLATE template0"
DATABASE_URL=$TARGET_URL $PY manage.py migrate --noinput -v0
start=$(date +%s.%N)
DATABASE_URL=$TARGET_URL $PY manage.py restore_catalogue "$RUN/catalogue.json.gz"
echo "   $(seconds "$start") s"
psql "$TARGET_URL" -q -c "VACUUM ANALYZE"

echo "==> Fingerprint of the restored database"
DATABASE_URL=$TARGET_URL $PY benchmarks/fingerprint.py >"$RUN/after.json"

$PY - "$RUN/before.json" "$RUN/after.json" <<'PY'
import json, sys
before, after = (json.load(open(p)) for p in sys.argv[1:3])
# Left out of a dump by design: sessions, login attempts and the cache's version.
NOT_DUMPED = {"django_session", "axes_accessattempt", "axes_accessfailurelog", "axes_accesslog",
              "rkst_catalogueversion", "django_migrations"}
failed = False
print(f"{'table':48} {'before':>9} {'after':>9}")
for table in sorted(set(before["tables"]) | set(after["tables"])):
    b, a = before["tables"].get(table), after["tables"].get(table)
    mark = "" if a == b else ("  (not dumped)" if table in NOT_DUMPED else "  DIFFERS")
    failed |= mark == "  DIFFERS"
    if b or a:
        print(f"{table:48} {b!s:>9} {a!s:>9}{mark}")
print()
for url, b in before["exports"].items():
    a = after["exports"][url]
    same = a == b
    failed |= not same
    print(f"{url:28} {b['bytes']:>11} bytes  {'identical' if same else 'DIFFERENT'}")
tables = sum(1 for t in before["tables"] if t not in NOT_DUMPED)
rows = sum(n for t, n in before["tables"].items() if t not in NOT_DUMPED)
print(f"\n{tables} tables, {rows} rows: {'FAILED' if failed else 'equal counts, identical exports'}")
sys.exit(1 if failed else 0)
PY
