"""What serving on many app servers needs: request logs with timing, conditional GET on record
pages, the health check, and routing public reads to a read replica when one is configured."""

import contextlib
import contextvars
import functools
import hashlib
import logging
import time

from django.conf import settings
from django.core.cache import cache, caches
from django.db import DatabaseError, InterfaceError, OperationalError, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.http import Http404, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.views.decorators.http import condition

from .apps import CATALOGUE_APPS
from .cache import state as cache_state
from .models import CatalogueVersion, KeyRedirect

request_log = logging.getLogger("rkst.request")

# Set while a public page is served: its reads may go to the replica.
public_read = contextvars.ContextVar("public_read", default=False)

REPLICA = "replica"


def is_public(request):
    path = request.path_info
    return request.method in ("GET", "HEAD") and "/admin/" not in path and path != "/healthz"


# SQLSTATEs of a server that went away: admin_shutdown, crash_shutdown, cannot_connect_now;
# and class 08, connection exceptions.
LOST_SQLSTATES = ("57P01", "57P02", "57P03")


def connection_lost(error):
    """Whether `error` means the database connection is gone or cannot be made (PostgreSQL
    restarting, a failover, a terminated session), as opposed to an error of the query itself
    (a timeout, a deadlock, a missing table, SQLite's lock), which retrying cannot mend."""
    if isinstance(error, InterfaceError):
        return True  # the connection was already closed
    if isinstance(error, OperationalError):
        error = error.__cause__  # Django's error wraps the driver's
    try:
        import psycopg
    except ImportError:  # pragma: no cover - psycopg is a dependency
        return False
    # psycopg's own errors arrive unwrapped from its COPY (rkst.imports.copy_rows). They carry
    # the SQLSTATE, or None when the client lost the server (refused, closed unexpectedly).
    if isinstance(error, psycopg.InterfaceError):
        return True
    if not isinstance(error, psycopg.OperationalError):
        return False  # sqlite3's errors are of the query or the lock
    code = error.sqlstate
    return code is None or code.startswith("08") or code in LOST_SQLSTATES


# Pauses before a read is tried again while the database cannot be reached (about 4 s in all,
# longer than PostgreSQL takes to restart).
RETRY_DELAYS = (0.2, 0.5, 1.0, 2.0)
SAFE_METHODS = ("GET", "HEAD")


def close_broken_connections():
    """Drop the connections that failed, so that the next query opens a new one."""
    for connection in connections.all(initialized_only=True):
        if not connection.in_atomic_block:
            connection.close_if_unusable_or_obsolete()


def unavailable():
    """503 with a page in both languages that reads nothing from the database."""
    response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = "30"
    return response


class ServingMiddleware:
    """Logs every request (method, path, status, milliseconds), marks public reads, and rides
    out a database that is briefly unreachable: a read is tried again a few times, and what
    still fails gets a 503 page asking to retry, never a server error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        start = time.perf_counter()
        token = public_read.set(is_public(request))
        try:
            response = self.get_response(request)
            for delay in RETRY_DELAYS if request.method in SAFE_METHODS else ():
                if not getattr(request, "database_down", False):
                    break
                request.database_down = False
                time.sleep(delay)
                response = self.get_response(request)
        finally:
            public_read.reset(token)
        request_log.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status_code,
                "ms": round((time.perf_counter() - start) * 1000, 1),
                "bytes": len(response.content) if not response.streaming else None,
            },
        )
        return response

    def process_exception(self, request, exception):
        if not connection_lost(exception):
            return None
        request.database_down = True
        request.database_failures = getattr(request, "database_failures", 0) + 1
        close_broken_connections()
        retried = request.method in SAFE_METHODS and request.database_failures <= len(RETRY_DELAYS)
        log = request_log.warning if retried else request_log.error
        log(
            "database unreachable: %s",
            exception,
            extra={"path": request.path, "attempt": request.database_failures},
            exc_info=not retried,
        )
        return unavailable()


class ReplicaRouter:
    """Public pages read the catalogue from the replica; everything else uses the primary.
    Accounts and sessions always come from the primary, which has the latest login."""

    def db_for_read(self, model, **hints):
        if (
            public_read.get()
            and REPLICA in settings.DATABASES
            and model._meta.app_label in CATALOGUE_APPS
            and model._meta.model_name != "user"
        ):
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True

    def allow_migrate(self, db, app_label, **hints):
        return db == "default"


def catalogue_version(request):
    """The catalogue's version as this request first read it: one query a request, and one
    version for everything the page shows."""
    if not hasattr(request, "catalogue_version"):
        request.catalogue_version = CatalogueVersion.current()
    return request.catalogue_version


def page_state(request):
    """What a public page shows besides its address: the catalogue's version, the language,
    the day (a record's citation gives the access date) and the reader's account."""
    if not hasattr(request, "catalogue_page_state"):
        request.catalogue_page_state = (
            catalogue_version(request),
            get_language(),
            timezone.localdate().isoformat(),
            request.user.pk if request.user.is_authenticated else "",
        )
    return request.catalogue_page_state


def catalogue_etag(request, *args, **kwargs):
    parts = (page_state(request), request.get_full_path())
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:32]


def may_preview(user, model):
    """Curators and editors (staff who may view the model in the admin) see drafts' pages."""
    meta = model._meta
    return user.is_staff and user.has_perm(f"{meta.app_label}.view_{meta.model_name}")


def readable(request, queryset):
    """The records a record page may show: the published ones, and for a curator or an editor
    drafts too, as a preview (`preview_draft`). Lists, search and every other public channel
    read `.public()` alone."""
    if may_preview(request.user, queryset.model):
        return queryset
    return queryset.public()


def preview_draft(request, record):
    """Mark the page of `record` as a draft's preview when it is not published: the page
    shows a banner, and the response is private and never stored (public_page)."""
    if not record.is_published:
        request.draft_preview = record


def _from_page_cache(view):
    """Anonymous readers get a page rendered once per catalogue version: a change to any record
    gives every page a new key. Exports and signed-in users are always rendered afresh."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        seconds = settings.PAGE_CACHE_SECONDS
        if (
            not seconds
            or request.method not in ("GET", "HEAD")
            or request.user.is_authenticated
            or "export" in request.GET
        ):
            return view(request, *args, **kwargs)
        key = f"rkst:page:{catalogue_etag(request)}"
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = view(request, *args, **kwargs)
        if (
            response.status_code == 200
            and not response.streaming
            and not getattr(request, "draft_preview", None)
        ):
            cache.set(key, (response.content, response["Content-Type"]), seconds)
        return response

    return wrapped


# SQLSTATE of a statement cancelled by statement_timeout.
QUERY_CANCELED = "57014"


def timed_out(error):
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == QUERY_CANCELED


@contextlib.contextmanager
def statement_timeout():
    """On PostgreSQL, bound each statement of a public page by PUBLIC_STATEMENT_TIMEOUT.

    `SET LOCAL` in a transaction around the page, on the connection public reads use (the
    replica's when one is configured): the setting ends with the transaction, so a connection
    kept for the next request (CONN_MAX_AGE) and shared with the admin, imports and commands
    never carries it, and no second connection or alias is needed. It is set through the
    driver, one statement a page, outside Django's query log: the pages' query budgets count
    their reads. SQLite has no statement timeout and would take its write lock for the
    transaction (transaction_mode IMMEDIATE): there, nothing is done."""
    alias = REPLICA if REPLICA in settings.DATABASES else "default"
    connection = connections[alias]
    seconds = settings.PUBLIC_STATEMENT_TIMEOUT
    if connection.vendor != "postgresql" or seconds <= 0:
        yield
        return
    # Inside a transaction already (a test's), the setting joins it and ends with it.
    outer = connection.in_atomic_block
    with contextlib.nullcontext() if outer else transaction.atomic(using=alias):
        connection.ensure_connection()
        connection.connection.execute(
            "SELECT set_config('statement_timeout', %s, true)", (f"{round(seconds * 1000)}ms",)
        )
        yield


def bounded(view):
    """On PostgreSQL, a bound on each statement's time of `view`: a statement that runs longer
    is cancelled and the reader gets the 503 page. Every response is revalidated (no-cache)."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            with statement_timeout():
                response = view(request, *args, **kwargs)
        except OperationalError as error:
            if not timed_out(error):
                raise
            request_log.error(
                "statement timeout: %s", error, extra={"path": request.path}, exc_info=True
            )
            return unavailable()
        if getattr(request, "draft_preview", None) is not None:
            # A draft seen by a curator: no shared cache nor the browser may keep it.
            response["Cache-Control"] = "private, no-store"
        else:
            patch_cache_control(response, no_cache=True)
        return response

    return wrapped


class KeyMoved(Exception):
    """The key asked for names no record now but answers for one: a public page answers
    with a permanent redirect to `url` (public_page); the API with its own address."""

    def __init__(self, url, record):
        super().__init__(url)
        self.url = url
        self.record = record


def get_public(queryset, key, version=None):
    """The record of `queryset` (public records) whose key is `key`. A key that no longer
    names one (a merged or renamed record, see rkst.KeyRedirect) raises KeyMoved with the
    address of the record it answers for now, in the page's language (of its version
    `version` when given); any other key raises Http404. Every detail page and the API look
    records up through here."""
    record = queryset.filter(key=key).first()
    if record is not None:
        return record
    record = KeyRedirect.find(queryset, key)
    if record is None:
        raise Http404
    url = version_url(record, version) if version else record.get_absolute_url()
    raise KeyMoved(url, record)


def version_url(record, number):
    """The address of version `number` of `record` (rkst.versions)."""
    return f"{record.get_absolute_url()}v{number}/"


def public_page(view):
    """A public page: an ETag (the browser revalidates and gets 304 while nothing changed),
    for anonymous readers the page cache, the bound on its statements (bounded()), and a
    permanent redirect for a key that moved (get_public)."""
    return bounded(_follow_moved(condition(etag_func=catalogue_etag)(_from_page_cache(view))))


def _follow_moved(view):
    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except KeyMoved as moved:
            return HttpResponsePermanentRedirect(moved.url)

    return wrapped


_migrations_applied = False


def healthz(request):
    """200 when the database answers and every migration is applied, else 503; with the
    cache's state, which does not make the server unhealthy: pages are computed without it."""
    global _migrations_applied
    checks = {"database": "ok", "migrations": "ok"}
    try:
        connection = connections["default"]
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        if not _migrations_applied:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            if plan:
                checks["migrations"] = f"{len(plan)} not applied"
            _migrations_applied = not plan
    except DatabaseError as error:
        request_log.error("health check: database unreachable", extra={"error": str(error)})
        checks["database"] = "unreachable"
        checks["migrations"] = "unknown"
    healthy = all(value == "ok" for value in checks.values())
    checks["cache"] = cache_state(caches["default"])
    response = JsonResponse(checks, status=200 if healthy else 503)
    patch_cache_control(response, no_store=True)
    return response
