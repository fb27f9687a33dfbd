"""Imports run by a worker outside the request: the confirmation (and the check of a large
file) queued through django-tasks, the batch page following the job, a batch confirmed once,
and a worker that dies writing nothing, its batch then marked failed. The last tests run the
real database backend and a real worker process (`manage.py import_worker`) against the test
database, and kill it with SIGKILL in the middle of an import."""

import datetime
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.urls import reverse
from django.utils import timezone, translation

from rkst import imports
from rkst.imports import jobs, queue
from rkst.models import ImportBatch, Source
from tests.sheets import csv_bytes

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
HEADER = ["key", "kind", "title", "year"]


def sources(count, prefix="s"):
    rows = [HEADER] + [
        [f"{prefix}-{n}", "article", f"Статья о сотрудничестве номер {n}", str(1990 + n % 30)]
        for n in range(count)
    ]
    return csv_bytes(rows)


def url(name, batch):
    with translation.override("en"):
        return reverse(f"admin:rkst_importbatch_{name}", args=[batch.pk])


def upload(client, content, name="list.csv"):
    with translation.override("en"):
        target = reverse("admin:rkst_importbatch_upload")
    return client.post(
        target, {"sheet": "sources", "file": SimpleUploadedFile(name, content)}, follow=True
    )


# With the immediate backend: the job runs in the request that queues it ---------------------


def test_a_confirmation_is_queued_and_the_batch_page_shows_its_result(curator, curator_client):
    Source.objects.create(key="old", kind="book", title="Старое название")
    content = csv_bytes(
        [HEADER, ["old", "book", "Новое название", ""], ["new", "news", "Новость", "2020"]]
    )
    page = upload(curator_client, content).content.decode()
    # The preview shows every value of the new record, and the old and new value of the other.
    assert "Старое название</del> → <ins>Новое название</ins>" in page
    assert "<ins>news</ins>" in page and "<ins>2020</ins>" in page
    batch = ImportBatch.objects.get()
    response = curator_client.post(url("preview", batch), follow=True)
    assert response.redirect_chain == [(url("change", batch), 302)]
    page = response.content.decode()
    assert "Imported “list.csv”: 1 created, 1 updated, 0 unchanged." in page
    # The records by title, each linked to its change page.
    new = Source.objects.get(key="new")
    assert f'<a href="{reverse("admin:rkst_source_change", args=[new.pk])}">{new}</a>' in page
    assert "Новое название" in page
    batch.refresh_from_db()
    assert (batch.status, batch.language, batch.rows_done) == ("imported", "en", 2)
    assert batch.task_id and batch.worker == "" and batch.finished_at


def test_a_batch_is_confirmed_once_however_often_it_is_posted(curator, curator_client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    upload(curator_client, sources(3))
    batch = ImportBatch.objects.get()
    first = curator_client.post(url("preview", batch), follow=True)
    assert "The import waits for a worker." in first.content.decode()
    # A double click, or the same preview confirmed from a second tab.
    with translation.override("en"):
        second = curator_client.post(url("preview", batch), follow=True).content.decode()
    assert "This import was already confirmed." in second
    assert queue.queue_confirm(batch) is False
    from django_tasks import default_task_backend

    assert len(default_task_backend.results) == 1
    # The worker then runs the one job queued, and a stray second task finds nothing to do.
    assert queue.run_job.call(batch.pk, "confirm") == "ok"
    assert queue.run_job.call(batch.pk, "confirm") == "not queued"
    assert Source.objects.count() == 3
    with translation.override("ru"):
        assert imports.confirm(batch).refused == "Этот файл уже импортирован."


def test_the_batch_page_follows_a_waiting_job_and_says_when_no_worker_takes_it(
    curator_client, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.IMPORT_QUEUE_PREVIEW_SIZE = 100
    content = sources(20)
    assert len(content) > 100
    response = upload(curator_client, content)
    batch = ImportBatch.objects.get()
    assert response.redirect_chain == [(url("preview", batch), 302)]
    with translation.override("en"):
        page = curator_client.get(url("preview", batch)).content.decode()
    assert batch.status == "checking"
    assert "The file waits for a worker to check it." in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert 'id="confirm_form"' not in page and "import_worker" not in page
    ImportBatch.objects.filter(pk=batch.pk).update(
        queued_at=timezone.now() - datetime.timedelta(minutes=5)
    )
    with translation.override("en"):
        page = curator_client.get(url("preview", batch)).content.decode()
    assert "No worker has taken it yet" in page and "python manage.py import_worker" in page
    # A worker checks it: the preview is there, and the page stops refreshing.
    assert queue.run_job.call(batch.pk, "preview") == "ok"
    with translation.override("en"):
        page = curator_client.get(url("preview", batch)).content.decode()
    assert "Rows: 20. To create: 20, to update: 0, unchanged: 0." in page
    assert 'id="confirm_form"' in page and "http-equiv" not in page


def test_a_large_file_is_checked_by_the_worker_in_the_curators_language(curator_client, settings):
    settings.IMPORT_QUEUE_PREVIEW_SIZE = 100
    page = upload(curator_client, sources(10) + b"bad,novel,,\r\n", "big.csv").content.decode()
    batch = ImportBatch.objects.get()
    assert batch.status == "preview" and batch.task_id and batch.language == "en"
    assert "1 problem: fix the file and upload it again." in page
    assert "“novel” is not one of" in page
    # Queued from a Russian page, the worker reports in Russian, whatever its own language.
    other = imports.new_batch("sources", "big.csv", ContentFile(sources(2) + b"bad,novel,,\r\n"))
    with translation.override("en"):
        queue.queue_preview(other, "ru")
    other.refresh_from_db()
    assert "«novel»" in other.report["problems"][0]["message"]


def test_the_progress_of_a_running_import_is_shown_and_refreshed(curator_client):
    batch = imports.new_batch("sources", "list.csv", ContentFile(sources(5)))
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=5000)
    batch.refresh_from_db()
    worker = jobs.claim(batch, "preview", "importing")
    beat = jobs.Heartbeat(batch, worker)
    beat.progress(2000, 5000)
    beat.beat()
    with translation.override("en"):
        page = curator_client.get(url("change", batch)).content.decode()
    assert "Importing: 2000 of 5000 rows (40 %)." in page
    assert '<meta http-equiv="refresh" content="2">' in page
    assert '<progress id="job-progress" max="5000" value="2000">' in page


def test_a_job_whose_worker_fell_silent_is_marked_failed_when_its_page_is_viewed(
    curator, curator_client
):
    batch = imports.new_batch("sources", "list.csv", ContentFile(sources(5)), user=curator)
    imports.preview(batch)
    worker = jobs.claim(batch, "preview", "importing")
    silent = timezone.now() - datetime.timedelta(minutes=2)
    ImportBatch.objects.filter(pk=batch.pk).update(started_at=silent)
    jobs.Heartbeat(batch, worker).beat(now=silent)
    with translation.override("en"):
        page = curator_client.get(url("change", batch)).content.decode()
    assert "The worker running this job stopped before it finished" in page
    assert "nothing was written. Confirm the import again, or upload the file again." in page
    batch.refresh_from_db()
    assert (batch.status, batch.error) == ("failed", "worker_lost")
    # Nothing was written, and the batch may be confirmed again.
    assert not Source.objects.exists()
    with translation.override("en"):
        page = curator_client.get(url("preview", batch)).content.decode()
    assert 'id="confirm_form"' in page
    curator_client.post(url("preview", batch))
    batch.refresh_from_db()
    assert batch.status == "imported" and Source.objects.count() == 5


def test_a_live_job_is_not_reaped():
    batch = imports.new_batch("sources", "list.csv", ContentFile(sources(2)))
    worker = jobs.claim(batch, "preview", "importing")
    jobs.Heartbeat(batch, worker).beat()
    assert jobs.reap() == []
    batch.refresh_from_db()
    assert batch.status == "importing" and batch.worker == worker


def test_an_import_marked_failed_while_it_ran_writes_nothing(monkeypatch):
    batch = imports.new_batch("sources", "list.csv", ContentFile(sources(3)))
    real_read_table = imports.batches.read_table

    def taken_for_dead(*args, **kwargs):
        # What jobs.reap() does from another process while the worker reads the file.
        ImportBatch.objects.filter(pk=batch.pk).update(status="failed", worker="")
        return real_read_table(*args, **kwargs)

    monkeypatch.setattr(imports.batches, "read_table", taken_for_dead)
    with translation.override("en"):
        report = imports.confirm(batch)
    assert report.refused.startswith("The import was marked as failed while it ran")
    assert not Source.objects.exists()
    assert ImportBatch.objects.get().status == "failed"


# With the database backend and a real worker process ----------------------------------------


def database_url():
    """The test database, for a process of its own."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    user = db.get("USER") or "postgres"
    password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
    host = f"{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}"
    return f"postgres://{user}{password}@{host}/{db['NAME']}"


LEASE = 3


@pytest.fixture
def worker(settings, tmp_path):
    """Start `manage.py import_worker` on the test database; stop every one at the end."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    settings.IMPORT_WORKER_LEASE = LEASE
    settings.IMPORT_HEARTBEAT = 0.2
    started = []
    env = {
        **os.environ,
        "DATABASE_URL": database_url(),
        "IMPORT_WORKER_LEASE": str(LEASE),
        "IMPORT_HEARTBEAT": "0.2",
        "LOG_LEVEL": "WARNING",
    }

    def start():
        log = open(tmp_path / f"worker-{len(started)}.log", "wb")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "manage.py", "import_worker", "--interval", "0.1"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append((process, log))
        return process

    yield start
    for process, log in started:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        log.close()


def wait_for(condition, seconds=120, what="the worker"):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"{what} did not get there in {seconds} s")


def status_of(batch):
    return ImportBatch.objects.values_list("status", "rows_done", "error").get(pk=batch.pk)


def rows_done(batch):
    """The rows the worker reports done (on SQLite in its file beside the database)."""
    batch.refresh_from_db()
    return jobs.last_report(batch)[0] if batch.worker else 0


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_imports_a_queued_batch(worker, curator_client, curator):
    process = worker()
    batch = imports.new_batch("sources", "list.csv", ContentFile(sources(50)), user=curator)
    imports.preview(batch)
    assert queue.queue_confirm(batch, "en")
    wait_for(lambda: status_of(batch)[0] == "imported", what="the import")
    assert Source.objects.count() == 50
    with translation.override("en"):
        page = curator_client.get(url("change", batch)).content.decode()
    assert "Imported “list.csv”: 50 created, 0 updated, 0 unchanged." in page
    assert process.poll() is None  # the worker waits for the next job


@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_import_writes_nothing_and_the_next_import_runs(
    worker, curator_client, curator
):
    rows = 40_000
    process = worker()
    batch = imports.new_batch("sources", "big.csv", ContentFile(sources(rows)), user=curator)
    ImportBatch.objects.filter(pk=batch.pk).update(rows_total=rows)
    assert queue.queue_confirm(batch, "en")
    # Killed once it has written the first chunks inside its transaction.
    wait_for(lambda: rows_done(batch) >= 2000, what="the first chunk")
    assert status_of(batch)[0] == "importing"
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    assert status_of(batch)[0] == "importing"  # nobody has said otherwise yet
    assert not Source.objects.exists()
    # The next worker, started once the lease has run out, marks the batch failed first, then
    # runs the next import normally.
    time.sleep(LEASE + 0.5)
    worker()
    following = imports.new_batch("sources", "next.csv", ContentFile(sources(30, "t")))
    assert queue.queue_confirm(following, "en")
    wait_for(lambda: status_of(following)[0] == "imported", what="the next import")
    assert status_of(batch)[0] == "failed" and status_of(batch)[2] == "worker_lost"
    assert Source.objects.count() == 30
    assert not Source.objects.filter(key__startswith="s-").exists()
    with translation.override("en"):
        page = curator_client.get(url("change", batch)).content.decode()
    assert "The worker running this job stopped before it finished" in page
    assert "nothing was written" in page
