"""The job a worker runs for a batch, a check of the file or its import: who runs it, how far
it is, and whether it is still alive.

A worker claims a batch by writing its name on it (a compare-and-set, so that no batch runs
twice), then reports every IMPORT_HEARTBEAT seconds, from a thread of its own, the rows done
and the time. The import itself is one transaction, which the reports must not wait for: on
PostgreSQL they are written on the batch by the thread's own connection; SQLite has a single
writer, which the import holds until it commits, so there they go to a small file beside the
database (SQLite serves one machine). A job whose worker fell silent for IMPORT_WORKER_LEASE
seconds is taken for dead and its batch marked failed: its transaction died with it, so
nothing was written. That is checked whenever a batch page is viewed and whenever a worker
starts a job.
"""

import datetime
import json
import os
import secrets
import socket
import tempfile
import threading
from contextlib import suppress
from pathlib import Path

from django.conf import settings
from django.db import DatabaseError, connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from ..models import ImportBatch

Status, Error = ImportBatch.Status, ImportBatch.Error
RUNNING = (Status.CHECKING, Status.IMPORTING)


def heartbeat_interval():
    return getattr(settings, "IMPORT_HEARTBEAT", 2.0)


def lease():
    return datetime.timedelta(seconds=getattr(settings, "IMPORT_WORKER_LEASE", 30.0))


def new_worker_name():
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(4)}"


def claim(batch, before, after, *, queued=False):
    """Take the batch for this process when its status is `before` (and, for a queued job,
    no worker has it yet), moving it to `after`. Returns the worker's name, or None when the
    batch is not (or no longer) in that state: someone else has it, or it is done."""
    worker = new_worker_name()
    now = timezone.now()
    batches = ImportBatch.objects.filter(pk=batch.pk, status=before)
    if queued:
        batches = batches.filter(worker="")
    values = {
        "status": after,
        "worker": worker,
        "started_at": now,
        "heartbeat_at": now,
        "rows_done": 0,
        "error": "",
        "error_detail": "",
        "finished_at": None,
    }
    if not batches.update(**values):
        return None
    for name, value in values.items():
        setattr(batch, name, value)
    return worker


def finish(batch, worker, status, error="", detail="", **fields):
    """End the worker's job on the batch, unless it was taken from it (marked failed)."""
    now = timezone.now()
    values = {
        "status": status,
        "worker": "",
        "error": error,
        "error_detail": detail[:2000],
        "finished_at": now,
        **fields,
    }
    done = ImportBatch.objects.filter(pk=batch.pk, worker=worker).update(**values)
    if done:
        for name, value in values.items():
            setattr(batch, name, value)
    if _on_sqlite():
        _beat_path(batch.pk).unlink(missing_ok=True)
    return bool(done)


# Reports ------------------------------------------------------------------------------------


def _on_sqlite():
    return connection.vendor == "sqlite"


def _beat_path(pk):
    name = str(connection.settings_dict.get("NAME") or "")
    if not name or name == ":memory:" or name.startswith("file:"):
        base = Path(tempfile.gettempdir()) / "rkst"
    else:
        base = Path(name)
    return base.with_name(base.name + "-imports") / f"{pk}.json"


class Heartbeat:
    """While the worker runs a job: the rows done, reported every IMPORT_HEARTBEAT seconds
    by a thread (with its own database connection), whatever the job's transaction holds.
    `progress(done, total)` is the import's progress callback; `then` receives it too."""

    def __init__(self, batch, worker, then=None):
        self.batch, self.worker, self.then = batch, worker, then
        self.done, self.total = 0, batch.rows_total
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{batch.pk}")
        self._thread.daemon = True

    def progress(self, done, total):
        self.done = done
        if total and self.batch.status == Status.CHECKING:
            self.total = total
        if self.then:
            self.then(done, total)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        return False

    def _run(self):
        try:
            self.beat()
            while not self._stop.wait(heartbeat_interval()):
                self.beat()
        finally:
            # This thread's own connection, so that no session is left open.
            connection.close()

    def beat(self, now=None):
        now = now or timezone.now()
        if _on_sqlite():
            path = _beat_path(self.batch.pk)
            path.parent.mkdir(parents=True, exist_ok=True)
            payload = {
                "worker": self.worker,
                "at": now.isoformat(),
                "done": self.done,
                "total": self.total,
            }
            temporary = path.with_suffix(f".{os.getpid()}.tmp")
            temporary.write_text(json.dumps(payload))
            os.replace(temporary, path)
            return
        try:
            ImportBatch.objects.filter(pk=self.batch.pk, worker=self.worker).update(
                heartbeat_at=now, rows_done=self.done, rows_total=self.total
            )
        except DatabaseError:
            # A beat missed is told by the next, on a new connection.
            connection.close()


def last_report(batch):
    """(rows done, rows in all, when the worker last reported) of a running job."""
    if _on_sqlite():
        try:
            payload = json.loads(_beat_path(batch.pk).read_text())
        except (OSError, ValueError):
            payload = None
        if payload and payload.get("worker") == batch.worker:
            return payload["done"], payload["total"], parse_datetime(payload["at"])
    return batch.rows_done, batch.rows_total, batch.heartbeat_at or batch.started_at


# Dead workers -------------------------------------------------------------------------------


def reap(batches=None):
    """Mark failed every running job whose worker fell silent for longer than the lease, and
    every queued one whose task failed or was taken by a worker that died before it began.
    Returns the batches marked."""
    if batches is None:
        batches = ImportBatch.objects.all()
    now = timezone.now()
    marked = []
    for batch in batches.filter(status__in=RUNNING).defer("report"):
        if batch.worker:
            _done, _total, heard = last_report(batch)
            if heard is None or now - heard <= lease():
                continue
            detail = heard.isoformat()
        elif not _task_lost(batch, now):
            continue
        else:
            detail = ""
        with suppress(DatabaseError):  # SQLite's lock held by another import: next time
            failed = ImportBatch.objects.filter(
                pk=batch.pk, status=batch.status, worker=batch.worker
            ).update(
                status=Status.FAILED,
                error=Error.WORKER_LOST,
                error_detail=detail,
                worker="",
                finished_at=now,
            )
            if failed:
                if _on_sqlite():
                    _beat_path(batch.pk).unlink(missing_ok=True)
                batch.refresh_from_db()
                marked.append(batch)
    return marked


def _task_lost(batch, now):
    """A queued job no worker began: lost when its task no longer waits (it ended, or a
    worker took it longer than the lease ago and died before it claimed the batch)."""
    if not batch.task_id or batch.queued_at is None or now - batch.queued_at <= lease():
        return False
    from django_tasks import TaskResultStatus, default_task_backend
    from django_tasks.exceptions import TaskResultDoesNotExist

    if not default_task_backend.supports_get_result:
        return False
    try:
        result = default_task_backend.get_result(batch.task_id)
    except TaskResultDoesNotExist:
        return True
    if result.status == TaskResultStatus.RUNNING:
        # Taken by a worker, which claims the batch at once: lost if it never did.
        return result.started_at is None or now - result.started_at > lease()
    return result.status != TaskResultStatus.READY


def state(batch):
    """What the batch page says of the batch's job."""
    if batch.status not in RUNNING:
        return None
    now = timezone.now()
    if not batch.worker:
        waiting_since = batch.queued_at or batch.created_at
        return {
            "waiting": True,
            # No worker may be running at all: the page says how to start one.
            "stalled": now - waiting_since > lease(),
            "checking": batch.status == Status.CHECKING,
        }
    done, total, heard = last_report(batch)
    return {
        "waiting": False,
        "checking": batch.status == Status.CHECKING,
        "done": done,
        "total": total,
        "percent": min(100, 100 * done // total) if total else None,
        "started_at": batch.started_at,
        "heard_at": heard,
    }
