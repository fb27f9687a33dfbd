"""Writing a release (its tables as CSV and JSON, datapackage.json, README.md, SHA256SUMS, the
zip and its checksum beside it), and finding the releases of a directory to list and serve."""

import contextlib
import csv
import datetime
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from ..exports import safe_cell

NAME = re.compile(r"^rkst-data-(\d{4}-\d{2}-\d{2})-v(\d+)\.zip$")
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"


def text(value):
    """A value as the CSV holds it: text made formula-safe (rkst.exports), numbers plain,
    times in UTC."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    if isinstance(value, int):
        return str(value)
    return safe_cell(value)


def plain(value):
    """A value as the JSON holds it: text as it is, numbers as numbers."""
    if isinstance(value, datetime.datetime | datetime.date):
        return text(value)
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


class Hashing(io.RawIOBase):
    """A binary file that counts and hashes what is written to it."""

    def __init__(self, path):
        self.file = open(path, "wb")
        self.sha256 = hashlib.sha256()
        self.bytes = 0

    def writable(self):
        return True

    def write(self, data):
        self.sha256.update(data)
        self.bytes += len(data)
        return self.file.write(data)

    def close(self):
        self.file.close()
        super().close()


def write_table(table, directory):
    """Write `table` as csv/NAME.csv and json/NAME.json under `directory`; return their
    (path, sha256, bytes) and the number of rows."""
    (directory / "csv").mkdir(exist_ok=True)
    (directory / "json").mkdir(exist_ok=True)
    csv_file = Hashing(directory / "csv" / f"{table.name}.csv")
    json_file = Hashing(directory / "json" / f"{table.name}.json")
    csv_text = io.TextIOWrapper(io.BufferedWriter(csv_file), encoding="utf-8", newline="")
    json_text = io.TextIOWrapper(io.BufferedWriter(json_file), encoding="utf-8", newline="")
    writer = csv.writer(csv_text, lineterminator="\n")
    header = [c.name for c in table.columns]
    writer.writerow(header)
    # JSON rows as arrays after a first one of the column names, as CSV has them: the form
    # of Frictionless's inline data, which an empty table keeps too.
    json_text.write("[" + json.dumps(header))
    count = 0
    for row in table.rows():
        values = [c.value(row) for c in table.columns]
        writer.writerow([text(v) for v in values])
        json_text.write(",\n" + json.dumps([plain(v) for v in values], ensure_ascii=False))
        count += 1
    json_text.write("]\n")
    csv_text.close()
    json_text.close()
    files = [
        (f"csv/{table.name}.csv", csv_file.sha256.hexdigest(), csv_file.bytes),
        (f"json/{table.name}.json", json_file.sha256.hexdigest(), json_file.bytes),
    ]
    return files, count


def resources(table, files, count):
    (csv_path, csv_hash, csv_bytes), (json_path, json_hash, _json_bytes) = files
    common = {
        "type": "table",
        "title": table.name.replace("_", " "),
        "description": table.description,
        "encoding": "utf-8",
    }
    return [
        {
            "name": table.name,
            "path": csv_path,
            "format": "csv",
            "mediatype": "text/csv",
            **common,
            "bytes": csv_bytes,
            "hash": f"sha256:{csv_hash}",
            "rows": count,
            "dialect": {"header": True, "delimiter": ",", "quoteChar": '"'},
            "schema": table.schema(),
        },
        {
            # The same rows as JSON: an array of arrays, the first the column names.
            "name": f"{table.name}-json",
            "path": json_path,
            "format": "json",
            "mediatype": "application/json",
            **common,
            "hash": f"sha256:{json_hash}",
            "rows": count,
            "schema": table.schema("-json"),
        },
    ]


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class CatalogueChanged(Exception):
    """The catalogue changed while a release was written: it would not be one state."""


@contextlib.contextmanager
def snapshot():
    """One state of the catalogue for a whole release: on PostgreSQL a read-only transaction
    that sees the database as it was at its first query. Elsewhere the writer compares the
    catalogue's version before and after."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY")
        yield


@dataclass
class Release:
    name: str
    date: datetime.date
    version: int
    size: int
    sha256: str

    @classmethod
    def read(cls, path):
        """The release at `path`, or None when it is no complete release."""
        match = NAME.match(path.name)
        checksum = path.with_name(f"{path.name}.sha256")
        if not match or path.is_symlink() or not path.is_file() or not checksum.is_file():
            return None
        try:
            sha256 = checksum.read_text(encoding="ascii").split()[0]
        except (OSError, UnicodeDecodeError, IndexError):
            return None
        day, version = match.groups()
        date = datetime.date.fromisoformat(day)
        return cls(path.name, date, int(version), path.stat().st_size, sha256)


def release_name(date, version):
    return f"rkst-data-{date.isoformat()}-v{version}.zip"


def write_release(tables, directory, version, *, current_version, title):
    """Write the release of `tables` at catalogue `version` into `directory` and return it; a
    release of this day and version already there is returned as it is. `current_version()`
    is read again at the end: a change in between raises CatalogueChanged."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    now = timezone.now()
    date = timezone.localdate(now)
    name = release_name(date, version)
    existing = Release.read(directory / name)
    if existing is not None:
        return existing, False
    with tempfile.TemporaryDirectory(dir=directory, prefix=".building-") as building:
        work = Path(building) / "files"
        work.mkdir()
        described_resources, counts, files = [], {}, []
        for table in tables:
            table_files, count = write_table(table, work)
            files += [(path, digest) for path, digest, _bytes in table_files]
            counts[table.name] = count
            described_resources += resources(table, table_files, count)
        if current_version() != version:
            raise CatalogueChanged(name)
        package = {
            "$schema": PROFILE,
            "name": "rkst-catalogue",
            "title": title,
            "description": (
                "The published records of the catalogue with their parts, citations and "
                "sources, as CSV and as JSON. Drafts, curators' notes, accounts and history "
                "are not included."
            ),
            "catalogue_version": version,
            "created": text(now),
            "homepage": settings.SITE_URL + "/",
            "resources": described_resources,
        }
        context = {
            "title": title,
            "date": date,
            "version": version,
            "name": name,
            "rows": [(table, counts[table.name]) for table in tables],
            "site": settings.SITE_URL,
        }
        with translation.override("en"):
            package = json.dumps(package, ensure_ascii=False, indent=2, default=str)
        extra = {
            "datapackage.json": package + "\n",
            "README.md": readme(context),
        }
        for path, content in extra.items():
            (work / path).write_text(content, encoding="utf-8")
            files.append((path, hashlib.sha256(content.encode()).hexdigest()))
        sums = "".join(f"{digest}  {path}\n" for path, digest in sorted(files))
        (work / "SHA256SUMS").write_text(sums, encoding="utf-8")
        archive = Path(building) / name
        stamp = (date.year, date.month, date.day, 0, 0, 0)
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
            for path in [
                "README.md",
                "datapackage.json",
                "SHA256SUMS",
                *sorted(p for p, _ in files if "/" in p),
            ]:
                info = zipfile.ZipInfo(path, stamp)
                info.compress_type = zipfile.ZIP_DEFLATED
                with open(work / path, "rb") as source, zipped.open(info, "w") as target:
                    shutil.copyfileobj(source, target, 1 << 20)
        digest = sha256_of(archive)
        checksum = Path(building) / f"{name}.sha256"
        checksum.write_text(f"{digest}  {name}\n", encoding="ascii")
        for path in (archive, checksum):
            path.chmod(0o644)
        # The zip first: a release is listed once its checksum is there too.
        os.replace(archive, directory / name)
        os.replace(checksum, directory / f"{name}.sha256")
    return Release.read(directory / name), True


def readme(context):
    """The README of a release: in English, then in Russian."""
    parts = []
    for language in ("en", "ru"):
        with translation.override(language):
            parts.append(render_to_string("rkst/release_readme.md", context))
    return "\n".join(parts)


def releases(directory):
    """The complete releases in `directory`, the newest first."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = (Release.read(entry) for entry in directory.iterdir())
    return sorted(filter(None, found), key=lambda r: (r.date, r.version), reverse=True)


def release_path(directory, name):
    """The path of the release file `name` (a zip or its checksum) in `directory`, or None: a
    name that is no release's, a link, anything outside the directory is not served."""
    zip_name = name.removesuffix(".sha256")
    if not NAME.match(zip_name) or Release.read(Path(directory) / zip_name) is None:
        return None
    path = Path(directory) / name
    return path if path.is_file() and not path.is_symlink() else None
