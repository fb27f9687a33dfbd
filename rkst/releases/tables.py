"""The tables of a data release: their columns (Table Schema fields typed, described and
constrained from the models' data dictionary) and how each reads a row. The apps declare
their tables with these (`releases.py` beside their models): rows from `public()` querysets,
linked records through `public_or_none()`, so that a release holds what the pages show."""

from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from ..bibliography import gost
from ..models import Source, public_or_none

KEY_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+)*$"
PARTIAL_DATE_PATTERN = r"^\d{4}(-\d{2}(-\d{2})?)?$"
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
