# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000
DEMO_USER ?= curator
DEMO_PASSWORD ?= rkst-demo-curator
DEMO_EDITOR ?= editor
DEMO_EDITOR_PASSWORD ?= rkst-demo-editor

.PHONY: run serve test install chromium lint clean

# $(call with_worker,ENV,COMMAND): COMMAND in the foreground with the import worker beside it
# (queued imports, rkst/imports/queue.py), which is stopped when COMMAND stops (SIGTERM: it
# finishes the job it runs, if any, then exits).
define with_worker
	@$(1) $(PY) manage.py import_worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	$(2)
endef

$(VENV)/installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/installed

run: install
	$(PY) manage.py migrate --noinput
	@fixtures=$$(ls fixtures/*.json 2>/dev/null | sort); \
	if [ -n "$$fixtures" ]; then $(PY) manage.py record_first_history --load $$fixtures; fi
	$(PY) manage.py collectstatic --noinput -v0
	$(PY) manage.py demo_curator --username "$(DEMO_USER)" --password "$(DEMO_PASSWORD)" \
		--editor-username "$(DEMO_EDITOR)" --editor-password "$(DEMO_EDITOR_PASSWORD)"
	$(call with_worker,,$(PY) manage.py runserver $(HOST))

# Production-like: gunicorn (workers from the CPU count), DEBUG off, static files hashed,
# compressed and served by whitenoise with far-future caching, persistent connections.
SERVE_ENV := DEBUG=false STATIC_MANIFEST=true CONN_MAX_AGE=$${CONN_MAX_AGE:-60}

serve: install
	$(SERVE_ENV) $(PY) manage.py migrate --noinput
	$(SERVE_ENV) $(PY) manage.py collectstatic --noinput -v0
	$(call with_worker,$(SERVE_ENV),$(SERVE_ENV) BIND=$(HOST) $(VENV)/bin/gunicorn -c rkst/gunicorn.py rkst.wsgi)

# The browser tests drive Debian's Chromium; Playwright cannot download its own here.
chromium:
	@command -v chromium >/dev/null || { \
		echo "Installing Chromium for the browser tests (apt-get)"; \
		apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

test: install chromium
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache db.sqlite3 db.sqlite3-wal db.sqlite3-shm db.sqlite3-imports
