"""Imports run by a worker, outside the request: the admin queues the confirmation of a batch
(and the check of a large file) as a task of django-tasks, whose database backend keeps the
queue in the catalogue's own database; `manage.py import_worker` runs the tasks.

Queuing is a compare-and-set on the batch's status, so that a batch confirmed twice (a double
click, two tabs) is queued once; the worker then claims it (rkst.imports.jobs) and runs the
same preview() or confirm() as the `import_sheet` command does in the foreground, in the
language of the curator who asked for it.
"""

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django_tasks import task

from ..models import ImportBatch
from . import batches, jobs

Status = ImportBatch.Status


@task()
def run_job(batch_id, job):
    """The task: check (`job` "preview") or import ("confirm") the batch."""
    # A worker that starts a job first fails the jobs of workers that died.
    jobs.reap(ImportBatch.objects.exclude(pk=batch_id))
    batch = ImportBatch.objects.filter(pk=batch_id).first()
    if batch is None:
        return "removed"
    status = Status.CHECKING if job == "preview" else Status.IMPORTING
    worker = jobs.claim(batch, status, status, queued=True)
    if worker is None:
        return "not queued"
    with translation.override(batch.language or settings.LANGUAGE_CODE):
        if job == "preview":
            report = batches.preview(batch, worker=worker)
        else:
            try:
                report = batches.confirm(batch, worker=worker)
            except batches.ConnectionLost:
                return "connection lost"
    return "ok" if report.ok else "not imported"


def _queue(batch, job, before, after, language):
    with transaction.atomic():
        queued = ImportBatch.objects.filter(pk=batch.pk, status__in=before).update(
            status=after,
            worker="",
            task_id="",
            queued_at=timezone.now(),
            started_at=None,
            heartbeat_at=None,
            rows_done=0,
            error="",
            error_detail="",
            language=language or "",
        )
    if not queued:
        return False
    # Outside the transaction, so that a worker sees the batch queued when it sees the task;
    # the immediate backend (tests) runs the task here.
    result = run_job.enqueue(batch.pk, job)
    ImportBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=str(result.id)[:64])
    batch.refresh_from_db()
    return True


def queue_preview(batch, language=None):
    """Have a worker check the uploaded batch."""
    return _queue(batch, "preview", [Status.PREVIEW], Status.CHECKING, language)


def queue_confirm(batch, language=None):
    """Have a worker import the batch; False when it was already queued or imported."""
    return _queue(batch, "confirm", [Status.PREVIEW, Status.FAILED], Status.IMPORTING, language)
