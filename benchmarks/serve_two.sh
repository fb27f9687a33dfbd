# Sourced by the load and fault scripts: two app servers behind nginx, sharing one PostgreSQL
# (DATABASE_URL) and one Redis (REDIS_URL). Everything listens on loopback only.
RUN=${RUN:-/tmp/rkst-load}
PY=.venv/bin/python
PROXY_PORT=${PROXY_PORT:-8100}
WORKERS=${WORKERS:-2}
mkdir -p "$RUN"
export DEBUG=false STATIC_MANIFEST=true CONN_MAX_AGE=60 REQUEST_LOG_LEVEL=WARNING
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/1}
export ALLOWED_HOSTS=127.0.0.1,localhost

require_catalogue() {
    [ -n "${DATABASE_URL:-}" ] || { echo "Set DATABASE_URL to the PostgreSQL catalogue" >&2; exit 2; }
    $PY manage.py migrate --noinput -v0
    $PY manage.py collectstatic --noinput -v0
    local n
    n=$($PY manage.py shell -v0 -c "from agreements.models import Agreement; print(Agreement.objects.count())")
    if [ "$n" -lt 50000 ]; then
        echo "The catalogue holds $n agreements; run: $PY manage.py generate_catalogue" >&2
        exit 2
    fi
    redis-cli -u "$REDIS_URL" ping >/dev/null || { echo "Redis at $REDIS_URL cannot be reached" >&2; exit 2; }
}

start_app() {  # start_app NAME PORT
    WEB_CONCURRENCY=$WORKERS BIND=127.0.0.1:$2 .venv/bin/gunicorn -c rkst/gunicorn.py \
        --pid "$RUN/$1.pid" rkst.wsgi >"$RUN/$1.log" 2>&1 &
    wait_for "http://127.0.0.1:$2/healthz"
}

start_worker() {  # start_worker NAME: an import worker (queued imports) on the same database
    $PY manage.py import_worker >"$RUN/worker-$1.log" 2>&1 &
    echo $! >"$RUN/worker-$1.pid"
}

stop_worker() {  # stop_worker NAME: it finishes the job it runs, then exits
    [ -f "$RUN/worker-$1.pid" ] && kill -TERM "$(cat "$RUN/worker-$1.pid")" 2>/dev/null || true
}

stop_app() {  # stop_app NAME: graceful stop, as a deployment does
    [ -f "$RUN/$1.pid" ] && kill -TERM "$(cat "$RUN/$1.pid")" 2>/dev/null || true
    for _ in $(seq 1 60); do [ -f "$RUN/$1.pid" ] || break; sleep 0.5; done
}

start_proxy() {
    mkdir -p "$RUN/nginx"
    cat >"$RUN/nginx.conf" <<CONF
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/nginx-error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    client_body_temp_path $RUN/nginx; proxy_temp_path $RUN/nginx;
    fastcgi_temp_path $RUN/nginx; uwsgi_temp_path $RUN/nginx; scgi_temp_path $RUN/nginx;
    upstream catalogue {
        server 127.0.0.1:8101 max_fails=1 fail_timeout=2s;
        server 127.0.0.1:8102 max_fails=1 fail_timeout=2s;
        keepalive 32;
    }
    server {
        listen 127.0.0.1:$PROXY_PORT;
        client_max_body_size 50m;
        location / {
            proxy_pass http://catalogue;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host \$host;
            proxy_set_header X-Forwarded-For \$remote_addr;
            # A server that goes away is skipped; reads are retried on the other one.
            proxy_next_upstream error timeout http_502 http_503;
            proxy_connect_timeout 1s;
        }
    }
}
CONF
    nginx -c "$RUN/nginx.conf" -p "$RUN"
    wait_for "http://127.0.0.1:$PROXY_PORT/healthz"
}

stop_all() {
    [ -f "$RUN/nginx.pid" ] && nginx -c "$RUN/nginx.conf" -p "$RUN" -s stop 2>/dev/null || true
    stop_app a
    stop_app b
    for pidfile in "$RUN"/worker-*.pid; do
        [ -f "$pidfile" ] && kill -TERM "$(cat "$pidfile")" 2>/dev/null || true
    done
}

wait_for() {
    for _ in $(seq 1 120); do
        curl -fs -o /dev/null "$1" && return 0
        sleep 0.5
    done
    echo "$1 did not answer" >&2
    return 1
}
