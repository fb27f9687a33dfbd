"""Server time and queries of the API beside the HTML pages that show the same records.

Usage (PostgreSQL, a database made with a UTF-8 locale, filled as for public_pages.py):
    export DATABASE_URL=postgres://postgres@127.0.0.1:5432/rkst_api_bench
    .venv/bin/python manage.py migrate
    .venv/bin/python manage.py generate_catalogue     # 50,000 agreements, 5,000 actors
    .venv/bin/python benchmarks/api.py [--repeat 20]

Each pair is the HTML page and the API call for the same parameters (the same records, in the
same order), requested in-process through Django's whole middleware stack as
public_pages.py does, after two warm-up requests each, and in turns (page, API, page, API…)
so that both meet the same load of a shared machine; both rendered for every request (the
page cache off: the API has none). The API's answer holds more than the page (every citation,
the relations, projects and dates of each record). Then the API's lists at 1, 10 and 100
records a page: the number of queries must not change.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Sets Django up as that benchmark does.
from benchmarks.public_pages import describe_catalogue, measure  # noqa: E402, I001

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client, override_settings  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from actors.models import Actor  # noqa: E402
from agreements.models import Agreement  # noqa: E402


def pairs():
    published = Agreement.objects.published().order_by("pk")
    key = published[published.count() // 2].key
    party = Actor.objects.published().filter(agreement_parties__isnull=False).first()
    return [
        ("list", "/agreements/", "/api/v1/agreements/"),
        ("list, page 100", "/agreements/?page=100", "/api/v1/agreements/?page=100"),
        ("list, 100 a page", "/agreements/?per_page=100", "/api/v1/agreements/?per_page=100"),
        (
            "list, kind + level filter",
            "/agreements/?kind=protocol&level=interregional",
            "/api/v1/agreements/?kind=protocol&level=interregional",
        ),
        (
            "list, party + year filter",
            f"/agreements/?party={party.key}&year_from=2000",
            f"/api/v1/agreements/?party={party.key}&year_from=2000",
        ),
        (
            "search “соглашению энергетике”",
            "/agreements/?q=соглашению+энергетике",
            "/api/v1/agreements/?q=соглашению+энергетике",
        ),
        (
            "search “soglashenie 4242” (few)",
            "/agreements/?q=soglashenie+4242",
            "/api/v1/agreements/?q=soglashenie+4242",
        ),
        (
            "agreement detail",
            f"/agreements/{key}/",
            f"/api/v1/agreements/{key}/",
        ),
        ("actor list", "/actors/", "/api/v1/actors/"),
        ("actor detail", f"/actors/{party.key}/", f"/api/v1/actors/{party.key}/"),
        ("source list", "/sources/", "/api/v1/sources/"),
    ]


def timed(client, url):
    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = (time.perf_counter() - start) * 1000
    assert response.status_code == 200, url
    return elapsed, len(captured.captured_queries)


def measure_pair(client, page, api, repeat):
    """The page and the API call taken in turns, so that both meet the same load of a
    shared machine: (median, p95, most queries) of each."""
    for _ in range(2):
        timed(client, page), timed(client, api)
    found = {page: ([], []), api: ([], [])}
    for _ in range(repeat):
        for url in (page, api):
            elapsed, queries = timed(client, url)
            found[url][0].append(elapsed)
            found[url][1].append(queries)
    results = []
    for url in (page, api):
        times, queries = found[url]
        times.sort()
        results.append((statistics.median(times), times[int(len(times) * 0.95) - 1], max(queries)))
    return results


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    client = Client(HTTP_HOST="127.0.0.1")
    describe_catalogue()
    print(
        f"{'same records':34} {'HTML median ms':>15} {'queries':>8} {'API median ms':>14}"
        f" {'p95 ms':>7} {'queries':>8} {'API / HTML':>11}"
    )
    with override_settings(PAGE_CACHE_SECONDS=0, API_THROTTLE_RATE=""):
        for name, page, api in pairs():
            (html_median, _p95, html_queries), (api_median, api_p95, api_queries) = measure_pair(
                client, page, api, args.repeat
            )
            print(
                f"{name:34} {html_median:15.1f} {html_queries:8d} {api_median:14.1f}"
                f" {api_p95:7.1f} {api_queries:8d} {api_median / html_median:11.2f}"
            )
        print(f"\nAPI lists by page size (at most {settings.API_MAX_PAGE_SIZE})")
        print(f"{'list':34} {'per_page':>8} {'median ms':>10} {'queries':>8}")
        for url in ("/api/v1/agreements/", "/api/v1/agreements/?q=soglashenie", "/api/v1/actors/"):
            for size in (1, 10, 100):
                paged = f"{url}{'&' if '?' in url else '?'}per_page={size}"
                median, _p95, queries = measure(client, paged, max(3, args.repeat // 2))
                print(f"{url:34} {size:8d} {median:10.1f} {queries:8d}")


if __name__ == "__main__":
    main()
