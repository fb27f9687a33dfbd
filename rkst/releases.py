"""Dated data releases: every public record, part, citation and source as CSV and JSON tables
in one zip, with a Frictionless data package (datapackage.json, Data Package v2) whose Table
Schemas describe every column, a README, the catalogue's version and SHA-256 checksums of each
file inside (SHA256SUMS) and of the zip (a `.sha256` file beside it).

The apps declare their tables (`releases.py` beside their models) from the visibility layer:
rows come from `public()` querysets, linked records through `public_or_none()`; the app at the
top of the layers (agreements) gathers them. This module describes columns, writes, lists
and serves releases."""

import contextlib
import csv
import datetime
import hashlib
import io
import json
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from operator import attrgetter
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, models, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from .exports import safe_cell
from .models import Source, public_or_none

NAME = re.compile(r"^rkst-data-(\d{4}-\d{2}-\d{2})-v(\d+)\.zip$")
KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
PROFILE = "https://datapackage.org/profiles/2.0/datapackage.json"
CHUNK = 2000


@dataclass
class Column:
    """One column of a table: its Table Schema field and how a row's value is read."""

    name: str
    type: str  # a Table Schema type: string, integer, number, boolean, date, datetime
    description: str
    value: Any  # row -> value
    required: bool = False
    pattern: str | None = None
    enum: list | None = None
    references: tuple | None = None  # (table, column) of a foreign key

    def schema(self):
        constraints = {}
        if self.required:
            constraints["required"] = True
        if self.pattern:
            constraints["pattern"] = self.pattern
        if self.enum:
            constraints["enum"] = self.enum
        described = {"name": self.name, "type": self.type, "description": self.description}
        return described | ({"constraints": constraints} if constraints else {})


@dataclass
class Table:
    """A table of the release: its rows (a queryset of the visibility layer), its columns."""

    name: str
    description: str
    rows: Any  # a callable returning an iterable of row objects
    columns: list
    primary_key: list = field(default_factory=lambda: ["key"])

    def schema(self, suffix=""):
        keys = [
            {
                "fields": [column.name],
                "reference": {
                    "resource": f"{column.references[0]}{suffix}",
                    "fields": [column.references[1]],
                },
            }
            for column in self.columns
            if column.references
        ]
        schema = {
            "fields": [column.schema() for column in self.columns],
            "missingValues": [""],
            "primaryKey": self.primary_key,
        }
        return schema | ({"foreignKeys": keys} if keys else {})


def sentence(text):
    text = capfirst(str(text).strip())
    return text if text.endswith((".", "…", "?", "”")) else f"{text}."


def described(model, name, help_text=True):
    """A field's description from the model's data dictionary, in English."""
    model_field = model._meta.get_field(name)
    with translation.override("en"):
        parts = [sentence(model_field.verbose_name)]
        if help_text and model_field.help_text:
            parts.append(sentence(model_field.help_text))
        if model_field.choices:
            labels = "; ".join(f"{value}: {label}" for value, label in model_field.flatchoices)
            parts.append(f"One of: {labels}.")
        return " ".join(parts)


TYPES = (
    (models.BooleanField, "boolean"),
    (models.DecimalField, "number"),
    (models.IntegerField, "integer"),
    (models.DateTimeField, "datetime"),
    (models.DateField, "date"),
)


def column(model, name, column_name=None, **options):
    """The column of the field `name` of `model`, typed, described and constrained from it."""
    model_field = model._meta.get_field(name)
    kind = next((t for cls, t in TYPES if isinstance(model_field, cls)), "string")
    if model_field.choices:
        options.setdefault("enum", [value for value, _label in model_field.flatchoices])
    options.setdefault("value", attrgetter(name))
    return Column(column_name or name, kind, described(model, name), **options)


def key_column(model, name="key"):
    return column(model, name, required=True, pattern=KEY_PATTERN)


def foreign_key(description_column, table, key):
    description_column.references = (table, key)
    description_column.description += f" The {key} of a row of {table}."
    if key == "id":
        description_column.type = "integer"
    return description_column


def link_column(model, name, table, key="key"):
    """A foreign key to the public record of another table by its key: a link to a record
    the public may not see is empty, as on the record's page."""

    def value(row):
        linked = public_or_none(getattr(row, name))
        return getattr(linked, key) if linked is not None else None

    return foreign_key(column(model, name, value=value), table, key)


def part_column(model, name, table, key="key"):
    """The record a part belongs to (a party's agreement): public whenever the part is."""
    value = attrgetter(f"{name}.{key}")
    return foreign_key(column(model, name, value=value, required=True), table, key)


def partial_date_column(model, name):
    """A partial date as its ISO text (rkst.dates): "1998", "1998-07" or "1998-07-06"."""

    def value(row):
        date = getattr(row, name.removesuffix("_on"), None)
        return date.iso() if date else None

    return Column(
        name,
        "string",
        described(model, name, help_text=False)
        + " As precise as it is known: YYYY, YYYY-MM or YYYY-MM-DD.",
        value,
        pattern=PARTIAL_DATE_PATTERN,
    )


def url_column(description):
    """The record's page in the catalogue's default language."""

    def value(row):
        with translation.override(settings.LANGUAGE_CODE):
            return settings.SITE_URL + row.get_absolute_url()

    return Column("url", "string", description, value)


def id_column(description):
    return Column("id", "integer", description, attrgetter("pk"), required=True)


def citation_table(name, model, record_table, record_key="key", description=""):
    """A table of one citation model: the source, the fact, the locator, the quote, the
    claim, the work that relays it and the rank; never who added it."""
    return Table(
        name,
        description,
        lambda: (
            model.objects.public()
            .select_related("record", "source", "found_in")
            .order_by("pk")
            .iterator(chunk_size=CHUNK)
        ),
        [
            id_column("The citation's number in the catalogue."),
            part_column(model, "record", record_table, record_key),
            link_column(model, "source", "sources"),
            column(model, "field"),
            column(model, "locator"),
            column(model, "quote"),
            column(model, "claim"),
            link_column(model, "found_in", "sources"),
            column(model, "found_in_locator"),
            column(model, "note"),
            column(model, "rank"),
        ],
        ["id"],
    )


def source_tables():
    def gost(source):
        from .bibliography import gost

        return gost(source)

    return [
        Table(
            "sources",
            _("The works the catalogue cites."),
            lambda: Source.objects.public().order_by("key").iterator(chunk_size=CHUNK),
            [
                key_column(Source),
                url_column("The source's page in the catalogue."),
                *(
                    column(Source, name)
                    for name in (
                        "kind",
                        "reliability",
                        "authors",
                        "title",
                        "title_supplied",
                        "container",
                        "year",
                        "volume",
                        "issue",
                        "pages",
                        "publisher",
                        "place",
                    )
                ),
                column(Source, "url", "source_url"),
                *(
                    column(Source, name)
                    for name in ("doi", "language", "retrieved_on", "complete", "notes")
                ),
                Column("gost", "string", "The reference in GOST R 7.0.100-2018.", gost),
                column(Source, "updated_at"),
            ],
        )
    ]


# Writing


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
        self.file = open(path, "wb")  # noqa: SIM115 (closed by close())
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
    writer.writerow([c.name for c in table.columns])
    count = 0
    json_text.write("[")
    for row in table.rows():
        values = [c.value(row) for c in table.columns]
        writer.writerow([text(v) for v in values])
        record = {c.name: plain(v) for c, v in zip(table.columns, values, strict=True)}
        json_text.write(("," if count else "") + "\n" + json.dumps(record, ensure_ascii=False))
        count += 1
    json_text.write("\n]\n")
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
            # The same rows as JSON: an array of objects, one per row.
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
                    for block in iter(lambda: source.read(1 << 20), b""):  # noqa: B023
                        target.write(block)
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
