#!/usr/bin/env bash
# Redis stopped under load: two gunicorn workers on the seed catalogue (SQLite) share a Redis
# of their own on a spare port; readers request list pages, Redis is shut down half-way, and
# every request must still be answered 200, with /healthz saying the cache is unreachable.
#
#   benchmarks/redis_outage.sh [REQUESTS]
# Loopback only; the load is bounded (REQUESTS per phase, default 200, four readers at once).
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
REQUESTS=${1:-200}
PORT=8191
REDIS_PORT=6391
RUN=$(mktemp -d)
export DATABASE_URL="sqlite:///$RUN/catalogue.sqlite3" DEBUG=false
export REDIS_URL="redis://127.0.0.1:$REDIS_PORT/0" PAGE_CACHE_SECONDS=600
stop() {
    kill "${server:-0}" 2>/dev/null || true
    redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
}
trap stop EXIT

$PY manage.py migrate -v0
$PY manage.py loaddata fixtures/*.json -v0
redis-server --port "$REDIS_PORT" --save "" --daemonize yes >/dev/null
WEB_CONCURRENCY=2 BIND="127.0.0.1:$PORT" .venv/bin/gunicorn -c rkst/gunicorn.py rkst.wsgi \
    >"$RUN/gunicorn.log" 2>&1 &
server=$!
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done

load() {  # load NAME: REQUESTS requests, four at a time; prints the status codes counted
    seq 1 "$REQUESTS" | xargs -P 4 -I{} curl -s -o /dev/null -w "%{http_code}\n" \
        "http://127.0.0.1:$PORT/agreements/?page=1&sort=title&q=&n={}" >"$RUN/$1.codes" || true
    echo "$1: $(sort "$RUN/$1.codes" | uniq -c | tr -s ' ' | tr '\n' ';')"
}

echo "health before: $(curl -s "http://127.0.0.1:$PORT/healthz")"
load "with redis"
load "redis stopping" &
readers=$!
sleep 0.3
redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true
wait "$readers"
load "redis away"
kill -0 "$server"  # the server is still up
echo "health after: $(curl -s "http://127.0.0.1:$PORT/healthz")"
echo "warnings logged (at most one a worker every 5 s): $(grep -c "cache unreachable" "$RUN/gunicorn.log" || true)"
failed=$(cat "$RUN"/*.codes | grep -vc '^200$' || true)
echo "requests not answered 200: $failed"
[ "$failed" = 0 ] || tail -20 "$RUN/gunicorn.log"
[ "$failed" = 0 ]
