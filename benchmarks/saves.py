"""Saving a record: time and queries per save, through the write path and its optimistic lock
(django-concurrency's version field), for a plain save and for a save from a stale copy.

Usage (PostgreSQL, a database made with a UTF-8 locale):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE rkst_bench_saves ENCODING 'UTF8' \
        LOCALE 'C.UTF-8' TEMPLATE template0"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench_saves \
        .venv/bin/python benchmarks/saves.py --saves 2000

The script migrates the database, makes one agreement and saves it again and again (each save
changes its English title, as a curator's edit does, and writes its history row), then saves a
stale copy the same number of times (each refused). It prints the median and total time and
the queries per save.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rkst.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from agreements.models import Agreement  # noqa: E402
from rkst.models import RecordChanged  # noqa: E402

try:
    from rkst.workflow.writing import save
except ImportError:  # a version of the catalogue before the write path, for comparison

    def save(record, reason=""):
        record._change_reason = reason
        record.save()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=2000)
    saves = parser.parse_args().saves
    call_command("migrate", verbosity=0)
    Agreement.objects.filter(key="bench-saves").delete()
    record = Agreement.objects.create(
        key="bench-saves", title_ru="Соглашение", kind="agreement", level="interstate"
    )
    timings, queries = [], []
    for n in range(saves):
        record.title_en = f"Agreement {n}"
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            save(record, reason="benchmark")
            timings.append(time.perf_counter() - start)
        queries.append(len(captured))
    stale = Agreement.objects.get(pk=record.pk)
    save(record, reason="newer")
    refused = []
    for _ in range(saves):
        start = time.perf_counter()
        try:
            with transaction.atomic():
                save(stale, reason="stale")
        except RecordChanged:
            refused.append(time.perf_counter() - start)
    print(f"database: {connection.vendor}; {saves} saves of one agreement")
    print(
        f"save:           median {statistics.median(timings) * 1000:.2f} ms, "
        f"total {sum(timings):.2f} s, {statistics.median(queries):.0f} queries a save"
    )
    print(
        f"refused (stale): median {statistics.median(refused) * 1000:.2f} ms, "
        f"{len(refused)} of {saves} refused"
    )


if __name__ == "__main__":
    main()
