#!/usr/bin/env bash
# Load test: 50 readers for 60 s against two app servers behind nginx, sharing one PostgreSQL
# with the 50,000-agreement catalogue, while a curator imports 10,000 agreement rows.
#
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench   # see benchmarks/README.md
#   benchmarks/load_test.sh [USERS=50] [SECONDS=60]     (IMPORT=0: readers only)
#
# Needs nginx and Redis (Debian packages) and locust (pip install -e '.[bench]').
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${1:-50}
DURATION=${2:-60}
. benchmarks/serve_two.sh
trap stop_all EXIT

require_catalogue
start_app a 8101
start_app b 8102
start_proxy

batch="load-$(date +%s)"
$PY benchmarks/import_rows.py "$RUN/import.csv" --rows 10000 --prefix "$batch"
$PY manage.py shell -v0 -c "
from rkst.models import User
User.objects.filter(username='load-curator').exists() or User.objects.create_superuser('load-curator', None, None)"

rm -f "$RUN/slow.tsv"
export SLOW_LOG="$RUN/slow.tsv"
echo "==> $USERS readers for ${DURATION}s through http://127.0.0.1:$PROXY_PORT; import of 10,000 rows after 5 s"
.venv/bin/locust -f benchmarks/locustfile.py --headless -u "$USERS" -r "$USERS" -t "${DURATION}s" \
    --host "http://127.0.0.1:$PROXY_PORT" --csv "$RUN/locust" --only-summary >"$RUN/locust.log" 2>&1 &
locust_pid=$!
sleep 5
start=$(date +%s.%N)
if [ "${IMPORT:-1}" = 0 ]; then
    import_status="skipped (IMPORT=0)"
    rm -f "$RUN/import.csv" && touch "$RUN/import.csv"
elif $PY manage.py import_sheet agreements "$RUN/import.csv" --user load-curator >"$RUN/import.log" 2>&1; then
    import_status="confirmed"
else
    import_status="FAILED (see $RUN/import.log)"
fi
import_seconds=$(echo "$(date +%s.%N) - $start" | bc)
wait $locust_pid || true

imported=$($PY manage.py shell -v0 -c "
from agreements.models import Agreement
print(Agreement.objects.filter(key__startswith='$batch-').count())")
echo
echo "==> Readers (all pages; locust's aggregated row)"
$PY - "$RUN/locust_stats.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(f"{'page':28} {'requests':>8} {'errors':>6} {'req/s':>7} {'median ms':>9} {'p95 ms':>7}")
for row in rows:
    print(f"{row['Name'][:28]:28} {row['Request Count']:>8} {row['Failure Count']:>6} "
          f"{float(row['Requests/s']):7.1f} {row['Median Response Time']:>9} {row['95%']:>7}")
PY
$PY - "$RUN/slow.tsv" <<'PY'
import collections, sys
try:
    rows = [line.split("\t") for line in open(sys.argv[1]) if line.strip()]
except FileNotFoundError:
    rows = []
print(f"\n==> Responses over 300 ms: {len(rows)}")
by_second = collections.Counter(int(float(at)) for at, _name, _ms in rows)
for second, n in sorted(by_second.items()):
    print(f"   second {second:3d} of the run: {n}")
PY
echo
echo "==> Import: $import_status in ${import_seconds}s; rows in the database: $imported of 10000"
[ "${IMPORT:-1}" = 0 ] || [ "$imported" -eq 10000 ] || { echo "ROWS LOST" >&2; exit 1; }
