"""Bulk edit: time and queries of the preview and of the confirmation of one change on many
agreements, half of them published (whose publication rules are checked too).

Usage (PostgreSQL, a database made with a UTF-8 locale):
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE rkst_bench_bulk ENCODING 'UTF8' \
        LOCALE 'C.UTF-8' TEMPLATE template0"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench_bulk \
        .venv/bin/python benchmarks/bulk_edit.py --records 1000

The script migrates the database, makes the agreements (two parties and a citation each),
then plans and writes a change of their level, as the admin's preview and confirmation do,
and prints the seconds and queries of each.
"""

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rkst.settings")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actors.models import Actor  # noqa: E402
from agreements.models import Agreement, AgreementCitation, AgreementParty  # noqa: E402
from rkst.models import Source  # noqa: E402
from rkst.workflow import bulk  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=1000)
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    Agreement.objects.filter(key__startswith="bulk-bench-").delete()
    source, _ = Source.objects.get_or_create(
        key="bulk-bench", defaults={"kind": "article", "title": "Bench", "state": "published"}
    )
    sides = []
    for country in ("RU", "KZ"):
        actor, _ = Actor.objects.get_or_create(
            key=f"bulk-bench-{country.lower()}",
            defaults={"name_ru": country, "kind": "state", "country": country,
                      "state": "published"},
        )  # fmt: skip
        sides.append(actor)
    agreements = Agreement.objects.bulk_create(
        Agreement(key=f"bulk-bench-{n}", title_ru=f"Соглашение {n}", kind="agreement",
                  level="interstate", state="published" if n % 2 else "draft")
        for n in range(args.records)
    )  # fmt: skip
    AgreementParty.objects.bulk_create(
        AgreementParty(agreement=a, actor=actor, side=actor.country)
        for a in agreements
        for actor in sides
    )
    AgreementCitation.objects.bulk_create(
        AgreementCitation(record=a, source=source, locator="с. 1") for a in agreements
    )
    field = bulk.BulkField("level").bind(Agreement)
    ids = [a.pk for a in agreements]
    records = Agreement.objects.filter(pk__in=ids)

    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        plans = bulk.plan(list(bulk.with_related(records, [field])), field, "set", "multilateral")
        planned = time.perf_counter() - started
    print(f"preview: {args.records} records, {planned:.2f} s, {len(queries)} queries")
    assert not any(p.problems for p in plans)
    versions = {str(r.pk): r.version for r in records}
    with CaptureQueriesContext(connection) as queries:
        started = time.perf_counter()
        bulk.write(Agreement, ids, versions, field, "set", "multilateral", None, None, "bench")
        written = time.perf_counter() - started
    print(f"confirmation: {args.records} records, {written:.2f} s, {len(queries)} queries")


if __name__ == "__main__":
    main()
