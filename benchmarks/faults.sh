#!/usr/bin/env bash
# Fault tests against two app servers behind nginx, with an import worker beside them, on the
# 50,000-agreement PostgreSQL catalogue. Each prints what it did and what readers saw; see
# benchmarks/README.md for the results.
#
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench
#   benchmarks/faults.sh [all|queue-kill|import-terminate|postgres-restart|server-restart]
#
# queue-kill imports QUEUE_ROWS rows (100,000); import-terminate 10,000. postgres-restart
# restarts the machine's PostgreSQL: run it only where no one else uses that server.
set -euo pipefail
cd "$(dirname "$0")/.."
# A 100,000-row CSV of the generated catalogue is about 40 MB.
export IMPORT_MAX_FILE_SIZE=${IMPORT_MAX_FILE_SIZE:-67108864}
. benchmarks/serve_two.sh
trap stop_all EXIT
which=${1:-all}

require_catalogue
start_app a 8101
start_app b 8102
start_proxy
start_worker 1
QUEUE_ROWS=${QUEUE_ROWS:-100000}

curator() {  # a superuser for the admin imports, with a known password
    $PY manage.py shell -v0 -c "
from rkst.models import User
user = User.objects.filter(username='fault-curator').first() or User(username='fault-curator')
user.is_staff = user.is_superuser = True
user.set_password('fault-curator-password')
user.save()"
}

# import_fault NAME ACTION ROWS: an admin import of ROWS rows through server a, confirmed into
# the queue; ACTION runs once the worker has done a quarter of the rows. Nothing may be
# written; the batch must say why; the next request must be served.
import_fault() {
    local name=$1 action=$2 rows=$3
    PREFIX="$name-$(date +%s)"
    $PY benchmarks/import_rows.py "$RUN/$name.csv" --rows "$rows" --prefix "$PREFIX"
    $PY benchmarks/admin_import.py http://127.0.0.1:8101 fault-curator fault-curator-password \
        "$RUN/$name.csv" >"$RUN/$name.out" 2>&1 &
    local client=$! done=0
    for _ in $(seq 1 3000); do
        grep -q "^queued" "$RUN/$name.out" && break
        kill -0 "$client" 2>/dev/null || { sed 's/^/   client: /' "$RUN/$name.out"; exit 1; }
        sleep 0.2
    done
    for _ in $(seq 1 3000); do
        done=$(batch_field rows_done)
        [ "${done:-0}" -ge $((rows / 4)) ] && break
        sleep 0.2
    done
    echo "   the worker reports $done of $rows rows done"
    $action
    wait "$client" || true
    sed 's/^/   client: /' "$RUN/$name.out"
    local written status
    written=$(count_keys "$PREFIX")
    status=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PROXY_PORT/agreements/")
    echo "   rows written: $written of $rows (expected 0); batch: $(batch_field "status, error");" \
        "next request: $status"
    [ "$written" = 0 ] && [ "$status" = 200 ] || exit 1
}

batch_field() {  # the field(s) of the latest import batch
    psql "$DATABASE_URL" -Atc "SELECT $1 FROM rkst_importbatch ORDER BY id DESC LIMIT 1"
}

kill_import_worker() {  # SIGKILL the import worker, in the middle of the import
    echo "   SIGKILL to the import worker $(cat "$RUN/worker-1.pid")"
    kill -KILL "$(cat "$RUN/worker-1.pid")"
    rm -f "$RUN/worker-1.pid"
}

next_import() {  # a next import runs normally, through a new worker
    start_worker 2
    local prefix
    prefix="next-$(date +%s)"
    $PY benchmarks/import_rows.py "$RUN/next.csv" --rows 1000 --prefix "$prefix"
    $PY benchmarks/admin_import.py http://127.0.0.1:8101 fault-curator fault-curator-password \
        "$RUN/next.csv" 2>&1 | sed 's/^/   next import: /'
    local written
    written=$(count_keys "$prefix")
    echo "   next import: rows written $written of 1000; batch: $(batch_field "status, error")"
    [ "$written" = 1000 ] || exit 1
}

terminate_import_connection() {  # end the import's database session from PostgreSQL's side
    echo "   pg_terminate_backend on the import's connection"
    psql "$DATABASE_URL" -Atc "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND pid <> pg_backend_pid()
        AND state IN ('active', 'idle in transaction')" | sed 's/^/   terminated: /'
}

readers() {  # readers SECONDS NAME: 20 readers through the proxy, in the background
    .venv/bin/locust -f benchmarks/locustfile.py --headless -u 20 -r 20 -t "$1s" \
        --host "http://127.0.0.1:$PROXY_PORT" --csv "$RUN/$2" --only-summary >"$RUN/$2.log" 2>&1 &
    READERS=$!  # a child of this shell, so that `wait` waits for the final statistics
}

summary() {  # summary NAME: requests and failures the readers saw
    $PY - "$RUN/$1_stats.csv" "$RUN/$1_failures.csv" <<'PY'
import csv, sys
total = [r for r in csv.DictReader(open(sys.argv[1])) if r["Name"] == "Aggregated"][0]
print(f"   readers: {total['Request Count']} requests, {total['Failure Count']} failed, "
      f"median {total['Median Response Time']} ms, p95 {total['95%']} ms")
for row in csv.DictReader(open(sys.argv[2])):
    print(f"   failure: {row['Occurrences']} × {row['Name']}: {row['Error'][:120]}")
PY
}

count_keys() {
    $PY manage.py shell -v0 -c "
from agreements.models import Agreement
print(Agreement.objects.filter(key__startswith='$1-').count())"
}

if [ "$which" = all ] || [ "$which" = queue-kill ] || [ "$which" = import-kill ]; then
    echo "==> The import worker killed with SIGKILL in the middle of a queued $QUEUE_ROWS-row import"
    curator
    import_fault queue-kill kill_import_worker "$QUEUE_ROWS"
    next_import
fi

if [ "$which" = all ] || [ "$which" = import-terminate ]; then
    echo "==> The import's database connection terminated in the middle of it"
    curator
    [ -f "$RUN/worker-1.pid" ] || [ -f "$RUN/worker-2.pid" ] || start_worker 1
    import_fault import-terminate terminate_import_connection 10000
fi

if [ "$which" = all ] || [ "$which" = server-restart ]; then
    echo "==> A second app server stopped and started under load (through the proxy)"
    readers 40 server-restart
    sleep 8;  echo "   stopping server b"; stop_app b
    sleep 10; echo "   starting server b"; start_app b 8102
    sleep 8;  echo "   stopping server a"; stop_app a
    sleep 6;  echo "   starting server a"; start_app a 8101
    wait "$READERS" || true
    summary server-restart
fi

if [ "$which" = all ] || [ "$which" = postgres-restart ]; then
    echo "==> PostgreSQL restarted under load"
    readers 40 postgres-restart
    sleep 10
    version=$(ls /etc/postgresql | head -1)
    echo "   restarting PostgreSQL $version"
    pg_ctlcluster --skip-systemctl-redirect "$version" main restart
    sleep 10
    status=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PROXY_PORT/agreements/")
    echo "   10 s after the restart, without restarting the app: /agreements/ answers $status"
    wait "$READERS" || true
    summary postgres-restart
    [ "$status" = 200 ] || exit 1
fi
