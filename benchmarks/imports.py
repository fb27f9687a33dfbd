"""Spreadsheet import: rows per second and peak memory, ours next to django-import-export's
plain ModelResource, on the same file in the same run.

Usage (PostgreSQL, a database made with a UTF-8 locale):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE rkst_bench_import ENCODING 'UTF8' \
        LOCALE 'C.UTF-8' TEMPLATE template0"
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench_import
    .venv/bin/python benchmarks/imports.py --rows 10000
    .venv/bin/python benchmarks/imports.py --rows 100000 --baseline-rows 10000
    .venv/bin/python benchmarks/imports.py --rows 100000 --baseline-rows 0 --queue

The script migrates the database, empties the agreements, makes 300 actors and a source, and
writes an XLSX of agreement rows, each with three parties (by key, Russian name and English
name) and one citation. Each measurement runs in a fresh process, so that its peak resident
memory (getrusage) is its own: our preview (check every row, write nothing), our confirm
(read the stored file again, check again, write records, parties, citations, their history
and the batch's rows), then the library's dry run and import of the same file (history is kept
by django-simple-history's signals there, as it is by our bulk history rows). Peak memory is
each process's high-water mark of resident memory (VmHWM), Python and Django included.

`--queue` then confirms the same file again through the queue, as the admin does: gunicorn
(`make serve`'s settings, two workers) and `manage.py import_worker` are started on the same
database, the batch is previewed, its confirmation queued, and while the worker imports, a
page of the public site or of the admin (the batch's own page, as a logged-in curator) is
requested every 100 ms. It prints the time from queuing to the batch's commit against the
foreground confirmation's, and the longest request while the import ran.
"""

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rkst.settings")

import django  # noqa: E402

django.setup()

from django.apps import apps  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from actors.models import Actor  # noqa: E402
from agreements.models import Agreement, AgreementCitation, AgreementParty  # noqa: E402
from rkst.models import ImportBatch, ImportRow, Source  # noqa: E402
from rkst.workflow.writing import prepare_write  # noqa: E402

HEADER = [
    "key", "title_ru", "title_en", "kind", "level", "signed_on", "signed_place", "parties",
    "organisation", "topics", "status", "summary_ru", "summary_en", "source", "locator", "quote",
]  # fmt: skip
KINDS = ["agreement", "Протокол", "memorandum", "ДОГОВОР"]
LEVELS = ["intergovernmental", "межрегиональный", "interagency"]


def prepare(rows, path):
    call_command("migrate", verbosity=0)
    reset()
    Actor.objects.all().delete()
    Source.objects.filter(key="bench-source").delete()
    actors = [
        Actor(
            key=f"bench-actor-{n}",
            name_ru=f"Организация номер {n}",
            name_en=f"Organisation number {n}",
            kind="city" if n < 20 else "university",
            country="RU" if n % 2 else "KZ",
        )
        for n in range(300)
    ]
    for actor in actors:
        prepare_write(actor)
    Actor.objects.bulk_create(actors)
    Source.objects.create(key="bench-source", kind="article", title="Статья")
    write_file(rows, path)


def reset():
    """Empty what the runs write, fast: deleting through the ORM would write a history row for
    each of the hundreds of thousands of records."""
    models = [Agreement, AgreementParty, AgreementCitation, ImportBatch, ImportRow]
    tables = [m._meta.db_table for m in models]
    tables += [m.history.model._meta.db_table for m in models[:3]]
    tables += [Agreement.topics.through._meta.db_table]
    tables += [Agreement.history.model.topics.model._meta.db_table]
    tables = [t for t in tables if t in connection.introspection.table_names()]
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
    else:
        with connection.cursor() as cursor:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    try:  # uploaded files, when the storage keeps them in the database
        apps.get_model("rkst", "StoredFile").objects.filter(name__startswith="imports/").delete()
    except LookupError:
        pass


def write_file(rows, path):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("agreements")
    sheet.append(HEADER)
    for n in range(rows):
        parties = [f"bench-actor-{20 + n % 280}", f"Организация номер {20 + (n + 1) % 280}",
                   f"Organisation number {20 + (n + 2) % 280}"]  # fmt: skip
        year, month, day = 1992 + n % 30, 1 + n % 12, 1 + n % 28
        sheet.append(
            [
                f"bench-{n}",
                f"Соглашение о научно-техническом сотрудничестве № {n}",
                f"Agreement on scientific and technical cooperation No. {n}",
                KINDS[n % len(KINDS)],
                LEVELS[n % len(LEVELS)],
                f"{year:04d}-{month:02d}-{day:02d}",
                f"bench-actor-{n % 20}",
                "; ".join(parties),
                "",
                "",
                "in_force",
                "Стороны договорились о сотрудничестве в области науки и техники.",
                "The parties agreed to cooperate in science and technology.",
                "bench-source",
                f"с. {n % 300 + 1}",
                f"Цитата {n}",
            ]
        )
    workbook.save(path)


def peak_mb():
    """This process's peak resident memory. getrusage's ru_maxrss would carry the parent's
    peak over the fork; the high-water mark of /proc/self/status is this program's own."""
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ours(path, step):
    from django.core.files import File

    from rkst import imports

    with open(path, "rb") as fileobj:
        batch = imports.new_batch("agreements", "bench.xlsx", File(fileobj, name="bench.xlsx"))
    start = time.perf_counter()
    report = imports.preview(batch) if step == "preview" else imports.confirm(batch)
    seconds = time.perf_counter() - start
    assert report.ok, report.lines()[:5]
    return seconds, report.rows_total


def library(path, dry_run, rows):
    from import_export import fields, resources, widgets
    from import_export.formats.base_formats import XLSX

    from rkst.imports import Choices

    class AgreementResource(resources.ModelResource):
        parties = fields.Field(
            attribute="parties",
            column_name="parties",
            widget=widgets.ManyToManyWidget(Actor, separator=";", field="key"),
        )

        class Meta:
            model = Agreement
            import_id_fields = ("key",)
            fields = ("key", "title_ru", "title_en", "kind", "level", "signed_on", "status",
                      "summary_ru", "summary_en", "parties")  # fmt: skip

    with open(path, "rb") as fileobj:
        dataset = XLSX().create_dataset(fileobj.read())
    # The library reads parties by key and choices by code only: give it those.
    keys = {a.name_ru: a.key for a in Actor.objects.all()} | {
        a.name_en: a.key for a in Actor.objects.all()
    }
    choices = {"kind": Choices(Agreement.Kind), "level": Choices(Agreement.Level)}
    column = dataset.headers.index("parties")
    data = [list(r) for r in dataset][:rows]
    for values in data:
        values[column] = ";".join(keys.get(p.strip(), p.strip()) for p in values[column].split(";"))
        for name, parser in choices.items():
            index = dataset.headers.index(name)
            values[index] = parser.parse(values[index])
    dataset = dataset.__class__(*data, headers=dataset.headers)
    start = time.perf_counter()
    result = AgreementResource().import_data(dataset, dry_run=dry_run, use_transactions=True)
    seconds = time.perf_counter() - start
    if result.has_errors() or result.has_validation_errors():
        errors = [e.error for _n, row in result.row_errors()[:3] for e in row]
        invalid = [r.error for r in result.invalid_rows[:3]]
        raise SystemExit(f"library import failed: {errors} {invalid}")
    return seconds, len(data)


def worker(args):
    if args.worker in ("preview", "confirm"):
        seconds, rows = ours(args.file, args.worker)
    else:
        seconds, rows = library(args.file, args.worker == "library-dry-run", args.rows)
    print(json.dumps({"seconds": seconds, "rows": rows, "peak_mb": peak_mb()}))


def run(step, args, rows=None):
    command = [sys.executable, __file__, "--worker", step, "--file", args.file,
               "--rows", str(rows or args.rows)]  # fmt: skip
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode:
        sys.exit(f"{step} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


ROOT = Path(__file__).resolve().parent.parent
PAGES = ["/agreements/", "/en/actors/", "/agreements/?q=сотрудничестве&page=3", "BATCH", "/"]


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def curator_cookie():
    """A session of a superuser, made on the server's side, for the admin pages."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from rkst.models import User

    user = User.objects.filter(username="bench-curator").first() or User(username="bench-curator")
    user.is_staff = user.is_superuser = True
    user.set_unusable_password()
    user.save()
    session = SessionStore()
    session[SESSION_KEY] = str(user.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.create()
    return user, f"sessionid={session.session_key}"


class Pages(threading.Thread):
    """Asks for a page every `interval` seconds, one at a time, and notes how long each took."""

    def __init__(self, base, batch_page, cookie, interval=0.1):
        super().__init__(daemon=True)
        self.base, self.batch_page, self.cookie, self.interval = base, batch_page, cookie, interval
        self.timings, self.stop = [], threading.Event()

    def run(self):
        n = 0
        while not self.stop.is_set():
            path = PAGES[n % len(PAGES)]
            path = self.batch_page if path == "BATCH" else path
            n += 1
            request = urllib.request.Request(
                self.base + urllib.parse.quote(path, safe="/?=&"), headers={"Cookie": self.cookie}
            )
            start = time.monotonic()
            try:
                with urllib.request.urlopen(request, timeout=60) as answer:
                    answer.read()
                    status = answer.status
            except urllib.error.HTTPError as error:
                status = error.code
            except OSError as error:
                status = type(error).__name__
            seconds = time.monotonic() - start
            self.timings.append((start, seconds, path, status))
            self.stop.wait(max(0.0, self.interval - seconds))


def queued(args):
    """Confirm the file through the queue while pages are asked for; return the figures."""
    from django.core.files import File

    from rkst import imports
    from rkst.imports import queue

    reset()
    port = free_port()
    env = {**os.environ, "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "2", "DEBUG": "false",
           "STATIC_MANIFEST": "false", "CONN_MAX_AGE": "60", "REQUEST_LOG_LEVEL": "WARNING",
           "LOG_LEVEL": "WARNING"}  # fmt: skip
    logs = Path(args.file).with_suffix(".logs")
    logs.mkdir(exist_ok=True)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-c", "rkst/gunicorn.py", "rkst.wsgi"],
        cwd=ROOT, env=env, stdout=open(logs / "gunicorn.log", "wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    worker = subprocess.Popen(
        [sys.executable, "manage.py", "import_worker", "--interval", "0.2"],
        cwd=ROOT, env=env, stdout=open(logs / "worker.log", "wb"), stderr=subprocess.STDOUT,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(base + "/healthz", timeout=5).read()
                break
            except OSError:
                time.sleep(0.5)
        user, cookie = curator_cookie()
        with open(args.file, "rb") as fileobj:
            batch = imports.new_batch(
                "agreements", "bench.xlsx", File(fileobj, name="bench.xlsx"), user=user
            )
        assert imports.preview(batch).ok
        pages = Pages(base, f"/en/admin/rkst/importbatch/{batch.pk}/change/", cookie)
        pages.start()
        time.sleep(10)  # every server worker warm; the pages' times before, for comparison
        queued_at = time.monotonic()
        assert queue.queue_confirm(batch, "en")
        while True:
            batch.refresh_from_db()
            if batch.status not in ("importing",):
                break
            time.sleep(0.2)
        done_at = time.monotonic()
        time.sleep(3)
        pages.stop.set()
        pages.join()
        assert batch.status == "imported", (batch.status, batch.error, batch.error_detail)
        # The same confirmation in the foreground (its own process, as `import_sheet` runs
        # it), under the same page load: what the queue itself costs, apart from the load.
        reset()
        loaded = Pages(base, "/en/admin/rkst/importbatch/", cookie)
        loaded.start()
        foreground_loaded = run("confirm", args)
        loaded.stop.set()
        loaded.join()
    finally:
        for process in (worker, server):
            process.terminate()
            process.wait(60)
    during = [t for t in pages.timings if queued_at <= t[0] <= done_at]
    if os.environ.get("BENCH_DEBUG"):
        for t in pages.timings:
            print(f"{t[0] - queued_at:8.2f} {t[1]:7.3f} {t[2]} {t[3]}")
    before = [t for t in pages.timings if t[0] < queued_at]
    return {
        "seconds": (batch.finished_at - batch.queued_at).total_seconds(),
        "wall": done_at - queued_at,
        "waited": (batch.started_at - batch.queued_at).total_seconds(),
        "rows": batch.rows_total,
        "during": during,
        "before": before,
        "foreground_loaded": foreground_loaded["seconds"],
        "loaded_pages": loaded.timings,
    }


def print_queued(result, foreground):
    during = sorted(t[1] for t in result["during"])
    slowest = max(result["during"], key=lambda t: t[1])
    failed = [t for t in result["during"] if t[3] != 200]
    extra = 100 * (result["seconds"] - foreground) / foreground
    print(f"queued confirm {result['rows']:>8} rows: {result['seconds']:.2f} s from queuing to "
          f"commit ({result['waited']:.2f} s waiting for the worker), foreground "
          f"{foreground:.2f} s: {extra:+.1f} %")  # fmt: skip
    median, p95 = during[len(during) // 2], during[int(len(during) * 0.95)]
    print(f"pages during the import: {len(during)} requests, {len(failed)} not 200, median "
          f"{1000 * median:.0f} ms, p95 {1000 * p95:.0f} ms, longest {1000 * slowest[1]:.0f} ms "
          f"({slowest[2]})")  # fmt: skip
    loaded = sorted(t[1] for t in result["loaded_pages"])
    extra = 100 * (result["seconds"] - result["foreground_loaded"]) / result["foreground_loaded"]
    print(f"foreground confirm under the same page load: {result['foreground_loaded']:.2f} s; "
          f"queued against it: {extra:+.1f} %; its pages: {len(loaded)} requests, longest "
          f"{1000 * loaded[-1]:.0f} ms")  # fmt: skip
    if result["before"]:
        print(f"pages before it: {len(result['before'])} requests, longest "
              f"{1000 * max(t[1] for t in result['before']):.0f} ms")  # fmt: skip
    for path in dict.fromkeys(t[2] for t in result["during"]):
        times = [t[1] for t in result["during"] if t[2] == path]
        print(f"   {path[:48]:48} {len(times):>5} requests, longest {1000 * max(times):>6.0f} ms")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=10_000)
    parser.add_argument(
        "--baseline-rows", type=int, help="rows for the library (default: all; 0: skip it)"
    )
    parser.add_argument(
        "--queue",
        action="store_true",
        help="also confirm through the queue while pages are asked for every 100 ms",
    )
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        return worker(args)
    if connection.vendor != "postgresql":
        print("warning: not PostgreSQL; set DATABASE_URL", file=sys.stderr)
    with tempfile.TemporaryDirectory() as folder:
        args.file = str(Path(folder) / "bench.xlsx")
        prepare(args.rows, args.file)
        size = Path(args.file).stat().st_size / 1024 / 1024
        print(f"database: {connection.vendor}; {args.rows} agreement rows, 3 parties and 1 "
              f"citation each; XLSX {size:.1f} MB")  # fmt: skip
        results = [("ours: preview", run("preview", args)), ("ours: confirm", run("confirm", args))]
        made = (Agreement.objects.count(), AgreementParty.objects.count(),
                AgreementCitation.objects.count(), Agreement.history.count())  # fmt: skip
        reset()
        baseline = args.rows if args.baseline_rows is None else args.baseline_rows
        if baseline:
            results += [
                ("library: dry run", run("library-dry-run", args, baseline)),
                ("library: import", run("library-import", args, baseline)),
            ]
        reset()
        through_queue = queued(args) if args.queue else None
        reset()
    print(f"ours wrote {made[0]} agreements, {made[1]} parties, {made[2]} citations, "
          f"{made[3]} history rows of agreements")  # fmt: skip
    print(f"{'step':18} {'rows':>8} {'seconds':>8} {'rows/s':>8} {'peak MB':>8}")
    for name, result in results:
        rate = result["rows"] / result["seconds"]
        print(f"{name:18} {result['rows']:>8} {result['seconds']:>8.2f} {rate:>8.0f} "
              f"{result['peak_mb']:>8.0f}")  # fmt: skip
    ours_total = results[0][1]["seconds"] + results[1][1]["seconds"]
    if through_queue:
        print_queued(through_queue, results[1][1]["seconds"])
    if not baseline:
        print(f"preview + confirm: ours {ours_total:.1f} s ({args.rows / ours_total:.0f} rows/s)")
        return
    library_total = results[2][1]["seconds"] + results[3][1]["seconds"]
    ours_rate = args.rows / ours_total
    library_rate = results[2][1]["rows"] / library_total
    speedup = ours_rate / library_rate
    print(f"preview + confirm: ours {ours_total:.1f} s ({ours_rate:.0f} rows/s), library "
          f"{library_total:.1f} s ({library_rate:.0f} rows/s): {speedup:.1f}×")  # fmt: skip


if __name__ == "__main__":
    main()
