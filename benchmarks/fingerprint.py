"""What a restored catalogue must share with the one it was dumped from: the rows of every
table and the public export files, as one JSON document (benchmarks/dump_restore.sh).

    DATABASE_URL=postgres://… .venv/bin/python benchmarks/fingerprint.py > fingerprint.json

Every table of the database is counted, bookkeeping included; each list's CSV and JSON export
of all its rows is fetched through the whole application (the page cache off) and hashed.
"""

import hashlib
import json
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "rkst.settings")
os.environ.setdefault("REQUEST_LOG_LEVEL", "WARNING")
os.environ["PAGE_CACHE_SECONDS"] = "0"

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

EXPORTS = [
    f"{path}?export={fmt}"
    for path in ("/agreements/", "/actors/", "/projects/", "/sources/")
    for fmt in ("csv", "json")
]


def table_counts():
    with connection.cursor() as cursor:
        tables = sorted(connection.introspection.table_names(cursor))
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def exports():
    client = Client(HTTP_HOST="127.0.0.1")
    found = {}
    for url in EXPORTS:
        response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        content = b"".join(response.streaming_content) if response.streaming else response.content
        found[url] = {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
    return found


if __name__ == "__main__":
    json.dump({"tables": table_counts(), "exports": exports()}, sys.stdout, indent=1)
    print()
