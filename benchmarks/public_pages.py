"""Server time and queries of the public pages on a large catalogue.

Usage (PostgreSQL, a database made with a UTF-8 locale):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_catalogue     # 50,000 agreements, 5,000 actors
    .venv/bin/python benchmarks/public_pages.py [--repeat 30]

Each page is requested in-process through Django's full middleware stack (no network), after
two warm-up requests: first rendered every time (the page cache off; facet counts and home
figures still come from their cache, as they do for every reader until the catalogue
changes), then from the page cache that anonymous readers get. The median and 95th
percentile of the server time and the queries per request are printed next to a trivial
view (robots.txt) measured in the same run.
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rkst.settings")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actors.models import Actor  # noqa: E402
from agreements.models import Agreement, AgreementCitation  # noqa: E402


def pages():
    published = Agreement.objects.published().order_by("pk")
    agreement = published[published.count() // 2]
    party = Actor.objects.published().filter(agreement_parties__isnull=False).first()
    return [
        ("trivial view (robots.txt)", "/robots.txt"),
        ("agreement list", "/agreements/"),
        ("list, page 100", "/agreements/?page=100"),
        ("list, kind + level filter", "/agreements/?kind=protocol&level=interregional"),
        ("list, party + year filter", f"/agreements/?party={party.key}&year_from=2000"),
        ("search “соглашению энергетике”", "/agreements/?q=соглашению+энергетике"),
        ("search “kosmicheskoi” (Latin)", "/agreements/?q=kosmicheskoi"),
        ("search “soglashenie 4242” (few rows)", "/agreements/?q=soglashenie+4242"),
        ("agreement detail", f"/agreements/{agreement.key}/"),
        ("actor detail", f"/actors/{party.key}/"),
        ("home", "/"),
        ("map", "/map/"),
        ("map, kind filter", "/map/?kind=protocol"),
        ("network", "/network/"),
        ("network, level filter", "/network/?level=interregional"),
    ]


def measure(client, url, repeat):
    for _ in range(2):
        assert client.get(url).status_code == 200, url
    times, queries = [], []
    for _ in range(repeat):
        with CaptureQueriesContext(connection) as captured:
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, url
        queries.append(len(captured.captured_queries))
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1], max(queries)


def describe_catalogue():
    print(
        f"database: {connection.vendor}, agreements: {Agreement.objects.count()}, "
        f"actors: {Actor.objects.count()}, citations: {AgreementCitation.objects.count()}"
    )


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    describe_catalogue()
    print(
        f"{'page':34} {'rendered: median ms':>20} {'p95 ms':>7} {'queries':>8} {'× trivial':>10}"
        f" {'page cache: median ms':>22} {'queries':>8}"
    )
    trivial = None
    for name, url in pages():
        # Rendered for every request (facet counts and figures still cached), as a signed-in
        # curator or the first reader after a change sees it ...
        with override_settings(PAGE_CACHE_SECONDS=0):
            median, p95, queries = measure(client, url, args.repeat)
        # ... and as the next anonymous readers get it, from the page cache.
        cached_median, _p95, cached_queries = measure(client, url, args.repeat)
        trivial = trivial or median
        print(
            f"{name:34} {median:20.1f} {p95:7.1f} {queries:8d} {median / trivial:10.1f}"
            f" {cached_median:22.1f} {cached_queries:8d}"
        )


if __name__ == "__main__":
    main()
