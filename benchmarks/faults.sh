#!/usr/bin/env bash
# Fault tests against two app servers behind nginx on the 50,000-agreement PostgreSQL catalogue.
# Each prints what it did and what readers saw; see benchmarks/README.md for the results.
#
#   export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench
#   benchmarks/faults.sh [all|import-kill|import-terminate|postgres-restart|server-restart]
set -euo pipefail
cd "$(dirname "$0")/.."
. benchmarks/serve_two.sh
trap stop_all EXIT
which=${1:-all}

require_catalogue
start_app a 8101
start_app b 8102
start_proxy

curator() {  # a superuser for the admin imports, with a known password
    $PY manage.py shell -v0 -c "
from rkst.models import User
user = User.objects.filter(username='fault-curator').first() or User(username='fault-curator')
user.is_staff = user.is_superuser = True
user.set_password('fault-curator-password')
user.save()"
}

# import_fault NAME ACTION: an admin import of 10,000 rows on server a; ACTION runs once the
# confirm is under way. Nothing may be written; the next request must be served.
import_fault() {
    local name=$1 action=$2 prefix
    prefix="$name-$(date +%s)"
    $PY benchmarks/import_rows.py "$RUN/$name.csv" --rows 10000 --prefix "$prefix"
    $PY benchmarks/admin_import.py http://127.0.0.1:8101 fault-curator fault-curator-password \
        "$RUN/$name.csv" >"$RUN/$name.out" 2>&1 &
    local client=$!
    # Wait until the preview is ready and the confirm has been sent, then strike.
    for _ in $(seq 1 600); do grep -q "preview ready" "$RUN/$name.out" && break; sleep 0.2; done
    sleep 2
    $action
    wait "$client" || true
    sed 's/^/   client: /' "$RUN/$name.out"
    local written status
    written=$(count_keys "$prefix")
    status=$(curl -s -o /dev/null -w "%{http_code}" "http://127.0.0.1:$PROXY_PORT/agreements/")
    echo "   rows written: $written of 10000 (expected 0); next request: $status"
    [ "$written" = 0 ] && [ "$status" = 200 ] || exit 1
}

kill_import_worker() {  # SIGKILL the busiest worker of server a: the one confirming
    local master worker
    master=$(cat "$RUN/a.pid")
    worker=$(ps -o pid=,pcpu= --ppid "$master" | sort -k2 -nr | head -1 | awk '{print $1}')
    echo "   SIGKILL to worker $worker of server a"
    kill -KILL "$worker"
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

if [ "$which" = all ] || [ "$which" = import-kill ]; then
    echo "==> An app server's worker killed with SIGKILL in the middle of an import"
    curator
    import_fault import-kill kill_import_worker
fi

if [ "$which" = all ] || [ "$which" = import-terminate ]; then
    echo "==> The import's database connection terminated in the middle of it"
    curator
    import_fault import-terminate terminate_import_connection
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
