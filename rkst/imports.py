"""Spreadsheet import and export: one sheet per kind of record, checked whole, written whole.

The shape follows pretix's import: a sheet declares its columns; every row is read and checked
first, and every problem is collected with its row, column and value; records are written in
one transaction only when there is none, and the same rules run again at that moment, so a row
that turned bad since the preview writes nothing. django-import-export's row pipeline is not
used for this (see shared/PITFALLS.md: it drops unknown many-to-many names, skips rows that fail
at confirm time, and costs seven queries a row); what it does well, tablib's formats and the
library's plain resources, stays available, and benchmarks/imports.py measures both.

Values are reconciled in memory: every record a sheet may point at is loaded once into a
Lookup that finds it by key, name or alias, ignoring case, ё/е and extra spaces, and that
names the closest candidates when a value matches none or several. Writes are bulk inserts and
updates with their history rows (django-simple-history's historical tables, written directly),
and each record an import creates or changes is noted with its row in an ImportRow, so that a
batch can be shown on the record and undone.

Sheets are registered by the apps in their AppConfig.ready(), so that this module imports none.
"""

import datetime
import difflib
import functools
import itertools
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from types import SimpleNamespace

from django.contrib.contenttypes.models import ContentType
from django.core import validators
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Max, signals
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from . import workflow
from .dates import PartialDate, partial_date
from .exports import _DANGEROUS
from .import_files import Formula, ImportRefused, read_table
from .models import (
    CatalogueVersion,
    ImportBatch,
    ImportRow,
    PublicationState,
    Source,
)
from .search import PASSPORT, normalise
from .serving import close_broken_connections, connection_lost
from .workflow import writing
from .workflow.writing import (
    copy_rows,
    insert,
    prepare_write,
    record_history,
    record_transitions,
    update_records,
)

# How many problems and rows a report keeps to show; it counts them all.
SHOWN_PROBLEMS = 1000
SHOWN_ROWS = 1000

# Registry ---------------------------------------------------------------------------------

_SHEETS = {}


def register(sheet):
    _SHEETS[sheet.name] = sheet
    return sheet


def sheets():
    """The registered sheets, in the order the admin lists them."""
    return sorted(_SHEETS.values(), key=lambda sheet: sheet.order)


def get_sheet(name):
    return _SHEETS[name]


def sheet_for_model(model):
    for sheet in _SHEETS.values():
        if sheet.model is model:
            return sheet
    return None


# Cells and values -------------------------------------------------------------------------


class CellError(Exception):
    """A value that cannot be read; the message is for the curator."""


class Invalid:
    """What a value that could not be read is replaced by."""

    def __repr__(self):
        return "INVALID"


INVALID = Invalid()


def cell_text(value):
    """A cell as text: numbers without ".0", dates as 25.11.1996, formula escapes removed."""
    if value is None:
        return ""
    if isinstance(value, Formula):
        raise CellError(
            _("The cell holds a formula (%(formula)s): put its value instead.") % {"formula": value}
        )
    if isinstance(value, PartialDate):
        return value.numeric()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = str(value)
    # Our exports put an apostrophe before = + - @ tab CR so that no cell runs as a formula,
    # and before apostrophes that precede one, so that a text starting with them reads back.
    if text[:1] == "'" and text.lstrip("'")[:1] in _DANGEROUS:
        return text[1:]
    return text.strip()


def plain_text(text):
    """Text as a curator sees it: spreadsheets turn CR LF into LF (XLSX) and imports strip
    the spaces around a cell, so neither is a change."""
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def same_value(old, new):
    if isinstance(old, str) and isinstance(new, str):
        return plain_text(old) == plain_text(new)
    return old == new


def split_list(text):
    """ "A; B;C" as ["A", "B", "C"]."""
    return [part.strip() for part in text.split(";") if part.strip()]


def parse_date(value):
    if isinstance(value, PartialDate):
        return value
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = cell_text(value)
    if not text:
        return None
    try:
        return PartialDate.parse(text)
    except ValueError as error:
        raise CellError(str(error)) from error


def parse_year(value):
    text = cell_text(value)
    if not text:
        return None
    if not text.isdigit() or not 1000 <= int(text) <= 2100:
        raise CellError(_("“%(value)s” is not a year.") % {"value": text})
    return int(text)


class Choices:
    """Reads a choice as its code or its label in Russian or English, in any case."""

    def __init__(self, choices):
        # A TextChoices class or a field's list of (code, label) pairs.
        self.pairs = list(getattr(choices, "choices", choices))
        self.index = {}
        for code, label in self.pairs:
            self.index[normalise(code)] = code
            for language in ("en", "ru"):
                with override(language):
                    self.index.setdefault(normalise(str(label)), code)

    def parse(self, text, default=""):
        if not text:
            return default
        code = self.index.get(text)
        if code is None:
            code = self.index.get(normalise(text))
        if code is None:
            accepted = ", ".join(f"{code} ({label})" for code, label in self.pairs)
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.") % {"value": text, "choices": accepted}
            )
        return code


class Lookup:
    """Records found by key or by any of their names, ignoring case, ё/е, punctuation and
    extra spaces. A value that matches none, or several, is an error that names the closest
    candidates. Records a sheet is about to create may be added, under a provisional id."""

    def __init__(self, what):
        self.what = what  # "actor", "source"...: in messages
        self.keys = {}
        self.names = defaultdict(set)
        self.labels = {}
        self._near = {}
        self._found = {}

    def add(self, ident, key, label, *names):
        if key:
            self.keys[key.lower()] = ident
        self.labels[ident] = f"{label} ({key})" if key else label
        for name in (key, label, *names):
            text = normalise(name)
            if text:
                self.names[text].add(ident)

    def find(self, value):
        text = value.strip()
        ident = self.keys.get(text.lower())
        if ident is not None:
            return ident
        # Rows repeat the same names: each is normalised once.
        if text not in self._found:
            self._found[text] = normalise(text)
        found = self.names.get(self._found[text], ())
        if len(found) == 1:
            return next(iter(found))
        if found:
            listed = "; ".join(sorted((self.labels[i] for i in found), key=str.casefold))
            raise CellError(
                _("“%(value)s” matches several records (%(what)s): %(candidates)s. Write the key.")
                % {"value": text, "what": self.what, "candidates": listed}
            )
        near = self.closest(text)
        if near:
            raise CellError(
                _("“%(value)s” matches no record (%(what)s). Closest: %(candidates)s.")
                % {"value": text, "what": self.what, "candidates": near}
            )
        raise CellError(
            _("“%(value)s” matches no record (%(what)s), nor anything close.")
            % {"value": text, "what": self.what}
        )

    def closest(self, text):
        text = normalise(text)
        if text not in self._near:
            names = difflib.get_close_matches(text, self.names.keys(), n=5, cutoff=0.6)
            labels = dict.fromkeys(
                self.labels[i] for name in names for i in sorted(self.names[name], key=str)
            )
            self._near[text] = "; ".join(list(labels)[:3])
        return self._near[text]

    def label(self, ident):
        return self.labels.get(ident, "")


def source_lookup():
    """Every source, findable by key and title; `records` holds them by id."""
    lookup = Lookup(gettext_lazy("source"))
    lookup.records = Source.objects.only("key", "title", "authors", "year", "state").in_bulk()
    for pk, source in lookup.records.items():
        lookup.add(pk, source.key, source.title)
    return lookup


def derive_key(text, suffix="", max_length=100):
    """A key made of the Latin spelling of `text` and `suffix`: "soglashenie-o-...-1996-11-25"."""
    base = slugify(normalise(text).translate(PASSPORT)) or "record"
    room = max_length - len(suffix) - 1 if suffix else max_length
    if len(base) > room:
        base = base[:room].rsplit("-", 1)[0] or base[:room]
    return f"{base}-{suffix}" if suffix else base


# Rows and plans ---------------------------------------------------------------------------


class Column:
    """A column of a sheet: its code, its heading for curators, what it holds."""

    def __init__(self, code, heading, help_text="", example=""):
        self.code, self.heading, self.help_text, self.example = code, heading, help_text, example

    def names(self):
        names = {normalise(self.code)}
        for language in ("ru", "en"):
            with override(language):
                names.add(normalise(str(self.heading)))
        return names


class Row:
    """One row of a sheet: its number and cells by column code; collects its problems."""

    def __init__(self, number, cells):
        self.number, self.cells, self.problems = number, cells, []

    def has(self, code):
        return code in self.cells

    def shown(self, code):
        value = self.cells.get(code)
        if isinstance(value, PartialDate):
            return value.numeric()
        return "" if value is None else str(value)

    def problem(self, code, message, value=None):
        self.problems.append(
            {
                "row": self.number,
                "column": code,
                "value": self.shown(code) if value is None else value,
                "message": str(message),
            }
        )

    def read(self, code, parse, *args):
        """The cell `code` read by `parse`, or INVALID after noting the problem."""
        try:
            return parse(self.cells.get(code), *args)
        except CellError as error:
            self.problem(code, error)
            return INVALID

    def text(self, code):
        return self.read(code, cell_text)

    def choice(self, code, choices, default=""):
        return self.read(code, lambda value: choices.parse(cell_text(value), default))

    def ref(self, code, lookup):
        def find(value):
            text = cell_text(value)
            return lookup.find(text) if text else None

        return self.read(code, find)

    def refs(self, code, lookup):
        def find_all(value):
            found, problems = [], []
            for part in split_list(cell_text(value)):
                try:
                    ident = lookup.find(part)
                except CellError as error:
                    problems.append(str(error))
                    continue
                if ident in found:
                    problems.append(_("“%(value)s” is named twice.") % {"value": part})
                found.append(ident)
            if problems:
                raise CellError(" ".join(problems))
            return found

        return self.read(code, find_all)


def show(value):
    if value is None or value == "":
        return ""
    if isinstance(value, PartialDate):
        return value.numeric()
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    return str(value)


@dataclass
class Plan:
    """What the import will do with one row."""

    row: Row
    key: str = ""
    label: str = ""
    instance: models.Model = None
    action: str = ""  # create, update, unchanged
    changes: list = field(default_factory=list)
    fields: set = field(default_factory=set)
    parts: dict = field(default_factory=dict)
    before: dict = None

    @property
    def ok(self):
        return not self.row.problems

    @property
    def existing(self):
        return self.instance._state.db is not None

    def set(self, column, attname, value, shown=show):
        if value is INVALID:
            return
        old = getattr(self.instance, attname)
        if not same_value(old, value):
            if self.existing:
                self.changes.append((column, shown(old), shown(value)))
            setattr(self.instance, attname, value)
            self.fields.add(attname)

    def set_date(self, column, name, value):
        if value is INVALID:
            return
        old = partial_date(self.instance, name)
        # By what the dates say: a month stored on another day than the first is that month.
        if (old and old.iso()) != (value and value.iso()):
            if self.existing:
                self.changes.append((column, show(old), show(value)))
            setattr(self.instance, name, value.earliest if value else None)
            setattr(self.instance, f"{name}_precision", value.precision if value else "")
            self.fields.update({name, f"{name}_precision"})

    def change(self, column, old, new):
        if self.existing:
            self.changes.append((column, show(old), show(new)))


# Sheets -----------------------------------------------------------------------------------


class Sheet:
    """A kind of spreadsheet: its columns, how a row becomes records, and back."""

    name = ""
    verbose_name = ""
    model = None
    columns = []
    order = 0
    # Rows are checked and written this many at a time, so that memory stays flat.
    chunk_size = 2000
    # A sheet needs one of these columns to tell which record a row is about.
    identifying = ("key",)
    publishable = True
    # Model fields whose validation errors belong to another column.
    field_columns = {}

    def __init__(self, user=None, publish=False):
        self.user, self.publish = user, publish and self.publishable

    # Columns
    @classmethod
    def column(cls, code):
        return next(column for column in cls.columns if column.code == code)

    @classmethod
    def codes(cls):
        return [column.code for column in cls.columns]

    def prepare(self, present):
        """Load what every row may point at, once."""
        self.present = present
        self.seen = {}

    def plan(self, rows):
        raise NotImplementedError

    def write(self, plans, batch):
        raise NotImplementedError

    def shows_publicly(self, report):
        """Whether the written rows may change what readers see, so that the cached public
        pages and counts must be renewed."""
        return True

    def export_queryset(self):
        return self.model._default_manager.all()

    def export_rows(self, queryset):
        raise NotImplementedError

    def restore(self, instance, before, user, reason):
        restore_fields(instance, before["fields"])
        writing.save(instance, user, reason)

    # Shared helpers
    def validate(self, plan, exclude_fk=True, clean=True, partial=False):
        """Model validation of the planned record; problems go to the row. Only the fields
        the row set are checked (and, for a new record, those without a default); `partial`
        checks only those, for a row already known to be bad."""
        instance = plan.instance
        checked = plan.fields
        if not instance.pk and not partial:
            checked = checked | required_fields(type(instance))
        errors = clean_fields(instance, checked, exclude_fk)
        try:
            if clean and not partial:
                instance.clean()
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                errors.setdefault(name, []).extend(messages)
        for name, messages in errors.items():
            column = self.field_columns.get(name, name.removesuffix("_precision"))
            if column not in self.codes():
                column = ""
            for message in dict.fromkeys(messages):
                plan.row.problem(column, message, value=plan.row.shown(column) if column else "")

    def reason(self, batch, row):
        if getattr(self, "_reason", (None,))[0] != batch.pk:
            # Translated once: it is written on every history row.
            self._reason = (
                batch.pk,
                _("Imported from “%(file)s”, row %(row)s (import #%(batch)s)"),
            )
        return self._reason[1] % {"file": batch.file_name, "row": row, "batch": batch.pk}


_PLAIN_VALIDATORS = (validators.MaxLengthValidator, validators.ProhibitNullCharactersValidator)


@functools.cache
def _checks(model):
    """Per field: whether Field.clean() must run, or the quick checks of plain text suffice
    (blank, length, NUL). Choices and dates are valid once parsed."""
    plain = {}
    for f in model._meta.concrete_fields:
        plain[f.attname] = (f, all(isinstance(v, _PLAIN_VALIDATORS) for v in f.validators))
    return plain


def clean_fields(instance, attnames, exclude_fk=True):
    """Model.clean_fields() for `attnames` only, much faster for plain text: {name: [messages]}."""
    errors = {}
    checks = _checks(type(instance))
    for attname in attnames:
        f, plain = checks[attname]
        if f.primary_key or f.name == "search_text" or (exclude_fk and f.is_relation):
            continue
        value = getattr(instance, attname)
        if value is None or value == "":
            if not f.blank:
                errors[f.name] = [f.error_messages["blank" if value == "" else "null"]]
            continue
        if plain and not (
            isinstance(value, str)
            and ((f.max_length and len(value) > f.max_length) or "\x00" in value)
        ):
            continue
        try:
            setattr(instance, attname, f.clean(value, instance))
        except ValidationError as error:
            errors[f.name] = error.messages
    return errors


def field_defaults(model):
    return {f.attname: f.get_default() for f in model._meta.concrete_fields}


def new_instance(model, defaults):
    """A new, unsaved record with the `defaults` of field_defaults(): Model.__init__ takes
    a tenth of the checking time of a row otherwise. Falls back to it when anything listens
    to post_init."""
    if signals.post_init.has_listeners(model):
        return model(**{k: v for k, v in defaults.items() if k != model._meta.pk.attname})
    instance = model.__new__(model)
    instance.__dict__.update(defaults)
    instance._state = ModelState()
    return instance


@functools.cache
def required_fields(model):
    """The fields a new record must have a value for (the others have defaults)."""
    return {
        f.attname
        for f in model._meta.concrete_fields
        if not f.blank and not f.has_default() and not f.primary_key
    }


def snapshot(instance):
    """The values of a record's own columns, for undo."""
    return {
        f.attname: f.value_from_object(instance)
        for f in instance._meta.concrete_fields
        if not f.primary_key and f.name not in ("search_text", "created_at", "version")
    }


def restore_fields(instance, values):
    for f in instance._meta.concrete_fields:
        # The version only grows: the save that restores is a change like any other.
        if f.attname in values and f.attname != "version":
            setattr(instance, f.attname, f.to_python(values[f.attname]))


def note_rows(batch, entries):
    """ImportRows for (instance, row number, action, before, history id) entries."""
    types = {}
    rows = []
    for instance, number, action, before, history_id in entries:
        model = type(instance)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(model).pk
        rows.append((batch.pk, types[model], instance.pk, number, action, before, history_id))
    names = [
        "batch_id", "content_type_id", "object_id", "row_number", "action", "before", "history_id"
    ]  # fmt: skip
    copy_rows(ImportRow, names, rows)


class RecordSheet(Sheet):
    """A sheet of records identified by `key`: a known key updates, a new key creates, and a
    missing key is derived from the title and the date."""

    # Parts of the row that are not the record's own columns (parties, citations...).
    def load(self, records):
        """Fetch, in a few queries, what the rows' existing records already have."""

    def announce(self, new):
        """Make the records the rows will create findable by the other rows (row, key)."""

    def fill(self, plan):
        raise NotImplementedError

    def key_source(self, row):
        """The text and the date a missing key is derived from."""
        raise NotImplementedError

    def planned(self, plan):
        """What the row is about to give the record, for the publication rule (see
        CuratedModel.public_links()): the parts it writes, as records."""
        return {}

    def link_column(self, field):
        """The column of a fact the publication rule names, "" when the sheet has none."""
        column = {"citations": "source"}.get(field) or self.field_columns.get(field, field)
        return column if column in self.codes() else ""

    def plan(self, rows):
        keyed = []
        for row in rows:
            key = cell_text_or_invalid(row, "key")
            if key is INVALID:
                keyed.append((row, None))
                continue
            if not key:
                text, suffix = self.key_source(row)
                if not text:
                    row.problem(
                        "key",
                        _("Give a key, or the title a key is made from."),
                    )
                    keyed.append((row, None))
                    continue
                key = derive_key(text, suffix)
            else:
                key = key.lower()
            first = self.seen.get(key)
            if first is not None:
                row.problem(
                    "key",
                    _("The key “%(key)s” is already used by row %(row)s.")
                    % {"key": key, "row": first},
                    value=key,
                )
                keyed.append((row, None))
                continue
            self.seen[key] = row.number
            keyed.append((row, key))
        records = self.model._default_manager.all()
        if getattr(self, "locking", False):
            # Confirming: the records stay as read until the import commits.
            records = records.select_for_update().order_by("pk")
        existing = records.in_bulk([key for _row, key in keyed if key], field_name="key")
        self.load(existing)
        self.announce([(row, key) for row, key in keyed if key and key not in existing])
        defaults = field_defaults(self.model)
        plans = []
        for row, key in keyed:
            instance = existing.get(key) if key else None
            plan = Plan(row=row, key=key or "")
            if instance is not None:
                plan.before = {"fields": snapshot(instance)}
            else:
                instance = new_instance(self.model, defaults)
                instance.key = key or ""
                plan.fields.add("key")
            plan.instance = instance
            self.fill(plan)
            if key:
                # A row with a bad cell still has its other cells checked, not its whole.
                self.validate(plan, partial=not plan.ok)
            if plan.ok and key and self.publish:
                self.check_publish(plan)
            plan.label = str(plan.instance)
            plan.action = (
                "update"
                if instance.pk and plan.changes
                else "create"
                if not instance.pk
                else "unchanged"
            )
            self.check_version(plan)
            plans.append(plan)
        return plans

    def check_version(self, plan):
        """The preview notes the version of each record a row is about; the confirmation
        refuses a row whose record was created or changed in between (optimistic lock, see
        rkst.models.CuratedModel), so that the import never overwrites an edit unseen."""
        version = getattr(plan.instance, "version", None)
        if version is None or not plan.key:
            return
        if plan.existing:
            self.versions[plan.key] = version
        expected = getattr(self, "expected_versions", None)
        if expected is None:
            return
        if plan.existing and plan.action != "unchanged" and expected.get(plan.key) != version:
            plan.row.problem(
                "",
                _(
                    "“%(record)s” was changed in the catalogue after the preview: look at the "
                    "preview again before importing."
                )
                % {"record": plan.key},
                value="",
            )

    def check_publish(self, plan):
        instance = plan.instance
        if instance.state != PublicationState.PUBLISHED:
            plan.set("state", "state", PublicationState.PUBLISHED)
        # The rule the admin applies, to the record as the row would leave it.
        for link, reason in workflow.publication_problems(instance, self.planned(plan)):
            if link is workflow.UNCITED:
                plan.row.problem(
                    "source", _("A record is published only with a citation: name its source.")
                )
            elif link is None:
                plan.row.problem("", reason, value="")
            else:
                column = self.link_column(link.field)
                plan.row.problem(
                    column,
                    _("“%(record)s” is not published: publish it first, or import as drafts.")
                    % {"record": link.record},
                    value=None if column else "",
                )

    def write(self, plans, batch):
        """Write the planned records through the write path's bulk functions
        (rkst.workflow.writing): stamped, counted, with their history and transitions as a
        save in the admin makes them. Publishing is a transition after the save there, and
        so it is here: the record is written in the state it had, then published."""
        creates = [p for p in plans if p.action == "create"]
        updates = [p for p in plans if p.action == "update"]
        touched = creates + updates
        now = timezone.now()
        publishing = [p for p in touched if "state" in p.fields and p.instance.is_published]
        states_before = [
            p.before["fields"]["state"] if p.before else PublicationState.DRAFT for p in publishing
        ]
        for plan, state in zip(publishing, states_before, strict=True):
            plan.instance.state = state
        for plan in creates:
            prepare_write(plan.instance, now)
        self.create(creates)
        self.resolve(touched)
        if updates:
            update_records(
                self.model,
                [p.instance for p in updates],
                set().union(*(p.fields for p in updates)),
                now,
            )
        parts = self.write_parts(touched, batch)
        histories = dict(
            zip(
                map(id, touched),
                record_history(
                    [p.instance for p in touched],
                    self.user,
                    [self.reason(batch, p.row.number) for p in touched],
                    ["+" if p.action == "create" else "~" for p in touched],
                ),
                strict=True,
            )
        )
        if publishing:
            records = [p.instance for p in publishing]
            reasons = [self.reason(batch, p.row.number) for p in publishing]
            for record in records:
                record.state = PublicationState.PUBLISHED
            update_records(self.model, records, {"state"}, now)
            # The import's last history entry of each record: a later one is an edit.
            histories.update(
                zip(
                    map(id, publishing),
                    record_history(records, self.user, reasons, "~"),
                    strict=True,
                )
            )
            record_transitions(
                list(zip(records, states_before, strict=True)), self.user, reasons, now
            )
        note_rows(
            batch,
            [(p.instance, p.row.number, p.action, p.before, histories[id(p)]) for p in touched]
            + parts,
        )

    def shows_publicly(self, report):
        # New drafts, with their parts, are seen by curators only, and a file that changed
        # nothing changed nothing public: the readers' caches stay.
        return bool(report.counts["update"] or (self.publish and report.counts["create"]))

    def create(self, plans):
        insert([p.instance for p in plans])

    def resolve(self, plans):
        """Point the rows at records created just now (a parent in the same file)."""

    def write_parts(self, plans, batch):
        """Write the rows' parts; return ImportRow entries for parts of existing records."""
        return []


def cell_text_or_invalid(row, code):
    return row.text(code) if row.has(code) else ""


def quiet_text(row, code):
    """The text of a cell, or "" when it cannot be read (the row reports it elsewhere)."""
    try:
        return cell_text(row.cells.get(code))
    except CellError:
        return ""


def citation_columns(locator_example):
    """The columns with which a row of a record sheet cites a source."""
    return [
        Column(
            "source", gettext_lazy("source"), gettext_lazy("The key of the source."), "article-2021"
        ),
        Column("locator", gettext_lazy("locator"), "", locator_example),
        Column("quote", gettext_lazy("quote"), "", ""),
    ]


class CitedSheet(RecordSheet):
    """A record sheet whose rows may cite a source: `source, locator, quote` add a citation
    (or update the quote of the one already there, which the source and locator identify)."""

    citation_model = None

    def prepare(self, present):
        super().prepare(present)
        self.sources = source_lookup() if "source" in present else None

    def load(self, records):
        self.citations = defaultdict(list)
        if not records:
            return
        citations = self.citation_model.objects.filter(
            record_id__in=[r.pk for r in records.values()]
        ).order_by("id")
        if self.publish:
            # The publication rule reads the states of what the citations cite.
            citations = citations.select_related("source", "found_in")
        for citation in citations:
            self.citations[citation.record_id].append(citation)

    def fill_citation(self, plan):
        row = plan.row
        plan.parts["citation"] = None
        if not row.has("source"):
            return
        source = row.ref("source", self.sources)
        locator = cell_text_or_invalid(row, "locator")
        quote = cell_text_or_invalid(row, "quote")
        if INVALID in (source, locator, quote):
            return
        if source is None:
            if locator or quote:
                row.problem("source", _("Name the source of the locator and the quote."))
            return
        if len(locator) > 100:
            row.problem("locator", _("At most 100 characters."))
            return
        # The record already cites that source there, maybe for one of its facts: the export
        # writes that citation (the first, whole-record ones first), and reading it back must
        # find it rather than add a duplicate for the whole record.
        existing = next(
            (
                c
                for c in self.cited_first(self.citations.get(plan.instance.pk, ()))
                if c.source_id == source and same_value(c.locator, locator)
            ),
            None,
        )
        label = self.sources.label(source) + (f", {locator}" if locator else "")
        if existing is None:
            plan.parts["citation"] = ("create", source, locator, quote)
            plan.change("source", "", label)
        elif row.has("quote") and not same_value(existing.quote, quote):
            plan.parts["citation"] = ("update", existing, quote)
            plan.change("quote", existing.quote, quote)

    def planned(self, plan):
        citations = list(self.citations.get(plan.instance.pk, ()))
        new = plan.parts.get("citation")
        if new and new[0] == "create":
            source = self.sources.records[new[1]]
            citations.append(SimpleNamespace(source=source, found_in=None))
        return {"citations": citations}

    @staticmethod
    def cited_first(citations):
        """A record's citations in the order the sheet shows them: whole-record ones first."""
        return sorted(citations, key=lambda c: (c.field != "", c.pk))

    def export_citation(self, record):
        citations = self.cited_first(record.citations.all())
        if not citations:
            return {"source": "", "locator": "", "quote": ""}
        first = citations[0]
        return {"source": first.source.key, "locator": first.locator, "quote": first.quote}

    def write_citations(self, plans, batch):
        now = timezone.now()
        new, changed, entries = [], [], []
        for plan in plans:
            citation = plan.parts.get("citation")
            if citation is None:
                continue
            if citation[0] == "create":
                _action, source, locator, quote = citation
                obj = self.citation_model(
                    record=plan.instance,
                    source_id=source,
                    locator=locator,
                    quote=quote,
                    added_by=self.user,
                    added_at=now,
                )
                new.append((plan, obj))
            else:
                _action, obj, quote = citation
                before = {"fields": snapshot(obj)}
                obj.quote = quote
                changed.append((plan, obj, before))
        insert([obj for _p, obj in new])
        self.citation_model.objects.bulk_update(
            [obj for _p, obj, _b in changed], ["quote"], batch_size=1000
        )
        histories = record_history(
            [obj for _p, obj in new], self.user, [self.reason(batch, p.row.number) for p, _o in new]
        )
        entries += [
            (obj, p.row.number, "create", None, h)
            for (p, obj), h in zip(new, histories, strict=True)
        ]
        histories = record_history(
            [obj for _p, obj, _b in changed],
            self.user,
            [self.reason(batch, p.row.number) for p, _o, _b in changed],
            "~",
        )
        entries += [
            (obj, p.row.number, "update", before, h)
            for (p, obj, before), h in zip(changed, histories, strict=True)
        ]
        return entries


# The importer -----------------------------------------------------------------------------


class Report:
    """What an import found or did: counts, every problem (the first thousand kept to show),
    and the rows with their changes."""

    def __init__(self, sheet_name, file_name):
        self.sheet, self.file_name = sheet_name, file_name
        self.counts = Counter()
        self.problems, self.problem_count = [], 0
        self.rows, self.rows_total = [], 0
        self.refused = ""
        self.versions = {}

    @property
    def ok(self):
        return not self.refused and not self.problem_count

    def add(self, plan):
        self.rows_total += 1
        if plan.row.problems:
            self.problem_count += len(plan.row.problems)
            room = SHOWN_PROBLEMS - len(self.problems)
            self.problems.extend(plan.row.problems[: max(room, 0)])
            action = "error"
        else:
            action = plan.action
            self.counts[action] += 1
        if len(self.rows) < SHOWN_ROWS:
            self.rows.append(
                {
                    "row": plan.row.number,
                    "action": action,
                    "key": plan.key,
                    "label": plan.label,
                    "changes": plan.changes,
                }
            )

    def refuse(self, message):
        self.refused = str(message)

    @classmethod
    def from_json(cls, data):
        report = cls(data["sheet"], data["file_name"])
        report.counts.update(data["counts"])
        report.problems, report.problem_count = data["problems"], data["problem_count"]
        report.rows, report.rows_total = data["rows"], data["rows_total"]
        report.refused, report.versions = data["refused"], data["versions"]
        return report

    def as_json(self):
        return {
            "sheet": self.sheet,
            "file_name": self.file_name,
            "counts": dict(self.counts),
            "problems": self.problems,
            "problem_count": self.problem_count,
            "rows": self.rows,
            "rows_total": self.rows_total,
            "refused": self.refused,
            "versions": self.versions,
        }

    def lines(self):
        """The problems as lines of text, for the command."""
        if self.refused:
            return [self.refused]
        return [
            _("Row %(row)s, column “%(column)s”, value “%(value)s”: %(message)s") % p
            if p["column"]
            else _("Row %(row)s: %(message)s") % p
            for p in self.problems
        ]


class _Rollback(Exception):
    pass


def map_headers(sheet, cells):
    """Column indexes by code, from the header row; ImportRefused names what is wrong."""
    names = {}
    for column in sheet.columns:
        for name in column.names():
            names.setdefault(name, column.code)
    found, unknown, twice = {}, [], []
    for index, cell in enumerate(cells):
        heading = cell_text(cell) if not isinstance(cell, Formula) else str(cell)
        if not heading:
            continue
        code = names.get(normalise(heading))
        if code is None:
            unknown.append(heading)
        elif code in found:
            twice.append(heading)
        else:
            found[code] = index
    problems = []
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s. The columns of this sheet are: %(codes)s.")
            % {"columns": ", ".join(f"“{h}”" for h in unknown), "codes": ", ".join(sheet.codes())}
        )
    if twice:
        problems.append(
            _("Columns given twice: %(columns)s.") % {"columns": ", ".join(f"“{h}”" for h in twice)}
        )
    if not problems and not any(code in found for code in sheet.identifying):
        problems.append(
            _("The sheet needs one of the columns %(columns)s.")
            % {"columns": ", ".join(sheet.identifying)}
        )
    if problems:
        raise ImportRefused(" ".join(problems))
    return found


def may_publish(user, sheet):
    """Whether `user` may publish the records of `sheet` on import: the workflow's right."""
    return (
        sheet.publishable
        and user is not None
        and workflow.has_publish_permission(user, sheet.model)
    )


def run_import(
    sheet_name, fileobj, file_name="", *, user=None, publish=False, batch=None, progress=None
):
    """Check every row of the file and, when `batch` is given and no row is bad, write them
    all in one transaction. Returns a Report; writes nothing when the report is not ok."""
    sheet = get_sheet(sheet_name)(user=user, publish=publish)
    report = Report(sheet_name, file_name)
    if sheet.publish and not may_publish(user, sheet):
        records = sheet.model._meta.verbose_name_plural
        if user is None:
            message = _(
                "Publishing on import needs the account of an editor who may publish "
                "%(records)s (the command's --user): nothing was written."
            ) % {"records": records}
        else:
            message = _(
                "%(user)s may not publish %(records)s, so nothing was written: import them "
                "as drafts, or as an editor."
            ) % {"records": records, "user": user.get_username()}
        report.refuse(message)
        return report
    # The versions of the records the preview saw, which the confirmation checks.
    sheet.versions = report.versions
    sheet.locking = batch is not None
    sheet.expected_versions = (batch.report or {}).get("versions") if batch is not None else None
    try:
        table = read_table(fileobj, file_name)
        rows = iter(table.rows)
        header = next(rows, None)
        if header is None:
            raise ImportRefused(_("The sheet is empty."))
        columns = map_headers(sheet, header[1])
        if batch is None:
            _plan_all(sheet, columns, rows, report, None, progress, table.estimated_rows)
        else:
            try:
                with transaction.atomic():
                    _plan_all(sheet, columns, rows, report, batch, progress, table.estimated_rows)
                    if not report.ok:
                        raise _Rollback
                    batch.status = ImportBatch.Status.IMPORTED
                    batch.imported_at = timezone.now()
                    batch.rows_total = report.rows_total
                    batch.created = report.counts["create"]
                    batch.updated = report.counts["update"]
                    batch.unchanged = report.counts["unchanged"]
                    batch.report = report.as_json()
                    batch.save()
                    if sheet.shows_publicly(report):
                        CatalogueVersion.bump()
            except _Rollback:
                pass
    except ImportRefused as error:
        report.refuse(error)
    return report


def _plan_all(sheet, columns, rows, report, batch, progress, estimated):
    sheet.prepare(set(columns))
    size = sheet.chunk_size or float("inf")
    done = 0
    while True:
        chunk = []
        width = max(columns.values()) + 1
        for number, cells in itertools.islice(rows, size) if size != float("inf") else rows:
            row = Row(
                number,
                {code: cells[i] if i < len(cells) else None for code, i in columns.items()},
            )
            if len(cells) > width or len(columns) < width:
                unread = [
                    cell
                    for index, cell in enumerate(cells)
                    if cell not in (None, "") and index not in columns.values()
                ]
                if unread:
                    # Nothing is dropped silently, not even a value under no heading.
                    row.problem(
                        "", _("A value stands in a column without a heading."), str(unread[0])
                    )
            chunk.append(row)
        if not chunk:
            break
        plans = sheet.plan(chunk)
        for plan in plans:
            report.add(plan)
        if batch is not None and report.ok:
            sheet.write(plans, batch)
        done += len(chunk)
        if progress:
            progress(done, estimated)
        if size == float("inf"):
            break


# Batches: the admin and the command go through these -----------------------------------


def new_batch(sheet_name, file_name, content, user=None, publish=False):
    """An ImportBatch holding the uploaded file (a django File), kept under MEDIA_ROOT."""
    get_sheet(sheet_name)  # KeyError for an unknown sheet
    batch = ImportBatch(sheet=sheet_name, file_name=file_name[:255], user=user, publish=publish)
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else "csv"
    batch.file.save(f"{sheet_name}.{extension[:5]}", content, save=False)
    batch.save()
    return batch


def _import_file(batch, progress, write=False):
    """run_import() on the batch's stored file, writing into the batch when `write`."""
    with batch.file.open("rb") as fileobj:
        return run_import(
            batch.sheet,
            fileobj,
            batch.file_name,
            user=batch.user,
            publish=batch.publish,
            batch=batch if write else None,
            progress=progress,
        )


def preview(batch, progress=None):
    """Check the batch's file and keep the report to show; writes no record."""
    report = _import_file(batch, progress)
    batch.report = report.as_json()
    batch.rows_total = report.rows_total
    batch.save(update_fields=["report", "rows_total"])
    return report


class ConnectionLost(Exception):
    """The database connection was lost while a batch was confirmed, before it committed:
    nothing of the batch was written."""


def confirm(batch, progress=None):
    """Read the stored file again, check every row again against the catalogue as it is
    now, and write everything or nothing. Raises ConnectionLost when the database went away
    before the batch was committed."""
    try:
        return _confirm(batch, progress)
    except Exception as error:  # Django's database errors, and psycopg's from COPY
        if not connection_lost(error):
            raise
        close_broken_connections()
        imported = ImportBatch.objects.filter(
            pk=batch.pk, status=ImportBatch.Status.IMPORTED
        ).exists()
        if not imported:
            raise ConnectionLost(str(error).strip()) from error
        # The batch was committed; what failed came after it (the commit's answer, or the
        # renewal of the readers' caches), which is made good here.
        CatalogueVersion.bump()
        batch.refresh_from_db()
        return Report.from_json(batch.report)


def _confirm(batch, progress):
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        if locked.status != ImportBatch.Status.PREVIEW:
            report = Report(batch.sheet, batch.file_name)
            report.refuse(_("This file has already been imported."))
            return report
        report = _import_file(batch, progress, write=True)
    if not report.ok:
        batch.report = report.as_json()
        batch.save(update_fields=["report"])
    return report


def remove_stale_previews(age=datetime.timedelta(days=2)):
    """Delete previews never confirmed, and their files."""
    stale = ImportBatch.objects.filter(
        status=ImportBatch.Status.PREVIEW, created_at__lt=timezone.now() - age
    )
    for batch in stale:
        batch.file.delete(save=False)
        batch.delete()


# Undo -------------------------------------------------------------------------------------


class UndoRefused(Exception):
    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


def undo_problems(batch):
    """Why the batch cannot be undone: records edited or deleted since."""
    if batch.status != ImportBatch.Status.IMPORTED:
        return [_("Only an import that was carried out can be undone.")]
    problems = []
    rows = list(batch.rows.select_related("content_type"))
    by_type = defaultdict(list)
    for row in rows:
        by_type[row.content_type].append(row)
    for content_type, group in by_type.items():
        model = content_type.model_class()
        pk_name = model._meta.pk.attname
        latest = dict(
            model.history.filter(**{f"{pk_name}__in": [r.object_id for r in group]})
            .values_list(pk_name)
            .annotate(latest=Max("history_id"))
        )
        alive = set(
            model._default_manager.filter(pk__in=[r.object_id for r in group]).values_list(
                "pk", flat=True
            )
        )
        for row in group:
            if row.object_id not in alive:
                problems.append(
                    _("Row %(row)s: the %(what)s it imported was deleted since.")
                    % {"row": row.row_number, "what": model._meta.verbose_name}
                )
            elif latest.get(row.object_id) != row.history_id:
                problems.append(
                    _("Row %(row)s: “%(record)s” was edited since the import.")
                    % {
                        "row": row.row_number,
                        "record": model._default_manager.get(pk=row.object_id),
                    }
                )
    return problems


def undo(batch, user):
    """Restore what the batch changed and delete what it created, all or nothing."""
    problems = undo_problems(batch)
    if problems:
        raise UndoRefused(problems)
    sheet = get_sheet(batch.sheet)(user=user)
    reason = _("Undo of import #%(batch)s (“%(file)s”)") % {
        "batch": batch.pk,
        "file": batch.file_name,
    }
    rows = list(batch.rows.select_related("content_type").order_by("-id"))

    def record(row):
        return row.content_type.model_class()._default_manager.get(pk=row.object_id)

    with transaction.atomic():
        # Changes first: a changed record may point at one the batch created.
        for row in rows:
            if row.action == ImportRow.Action.UPDATE:
                instance = record(row)
                if type(instance) is sheet.model:
                    sheet.restore(instance, row.before, user, reason)
                else:
                    restore_fields(instance, row.before["fields"])
                    writing.save(instance, user, reason)
        # Then what the batch created, in as many passes as records of the batch point at
        # each other (a branch before its parent).
        created = [row for row in rows if row.action == ImportRow.Action.CREATE]
        while created:
            refused = []
            for row in created:
                instance = record(row)
                try:
                    with transaction.atomic():
                        writing.delete(instance, user, reason)
                except models.ProtectedError as error:
                    refused.append((row, instance, error))
            if len(refused) == len(created):
                row, instance, error = refused[0]
                used_by = ", ".join(str(o) for o in list(error.protected_objects)[:3])
                raise UndoRefused(
                    [
                        _("Row %(row)s: “%(record)s” is now used by %(others)s.")
                        % {"row": row.row_number, "record": instance, "others": used_by}
                    ]
                ) from error
            created = [row for row, _instance, _error in refused]
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = timezone.now()
        batch.undone_by = user
        batch.save()
        CatalogueVersion.bump()


# Templates and exports --------------------------------------------------------------------


def export_rows(sheet_name, queryset=None):
    sheet = get_sheet(sheet_name)()
    if queryset is None:
        queryset = sheet.export_queryset()
    return sheet.export_rows(queryset)


def template_workbook(sheet_name):
    """An XLSX with the sheet's header row, and a second sheet describing each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    sheet = get_sheet(sheet_name)
    workbook = Workbook()
    data = workbook.active
    data.title = sheet.name
    data.append(sheet.codes())
    for cell in data[1]:
        cell.font = Font(bold=True)
    help_sheet = workbook.create_sheet(_("columns"))
    help_sheet.append([_("column"), _("heading"), _("what it holds"), _("example")])
    for column in sheet.columns:
        help_sheet.append(
            [column.code, str(column.heading), str(column.help_text), str(column.example)]
        )
    return workbook


# Sources ----------------------------------------------------------------------------------


class SourceSheet(RecordSheet):
    name = "sources"
    verbose_name = gettext_lazy("sources")
    model = Source
    order = 3
    identifying = ("key", "title")
    columns = [
        Column(
            "key",
            gettext_lazy("key"),
            gettext_lazy("Permanent identifier; made from the title and year when empty."),
            "article-2021",
        ),
        Column(
            "kind",
            gettext_lazy("kind"),
            gettext_lazy("A code or a label: article, book, official, legal_db, web, news…"),
            "article",
        ),
        Column(
            "authors",
            gettext_lazy("authors"),
            Source._meta.get_field("authors").help_text,
            "Иванов И. И.; Петров П. П.",
        ),
        Column(
            "title",
            gettext_lazy("title"),
            "",
            "Научно-техническое сотрудничество России и Казахстана",
        ),
        Column("container", gettext_lazy("journal or series"), "", "Вестник КазНУ"),
        Column("year", gettext_lazy("year"), "", "2021"),
        Column("volume", gettext_lazy("volume"), "", "12"),
        Column("issue", gettext_lazy("issue"), "", "3"),
        Column("pages", gettext_lazy("pages"), "", "155–165"),
        Column("url", gettext_lazy("URL"), "", "https://example.org/article"),
        Column("doi", gettext_lazy("DOI"), "", "10.1234/abc"),
        Column(
            "language", gettext_lazy("language"), gettext_lazy("ISO 639-1 code: ru, en, kk."), "ru"
        ),
    ]
    TEXT = ("authors", "title", "container", "volume", "issue", "pages", "url", "doi", "language")
    publishable = True

    def prepare(self, present):
        super().prepare(present)
        self.kinds = Choices(Source.Kind)

    def key_source(self, row):
        title = cell_text_or_invalid(row, "title")
        year = cell_text_or_invalid(row, "year") if row.has("year") else ""
        if INVALID in (title, year):
            return "", ""
        return title, year

    def fill(self, plan):
        row = plan.row
        if row.has("kind"):
            plan.set("kind", "kind", row.choice("kind", self.kinds))
        for code in self.TEXT:
            if row.has(code):
                plan.set(code, code, row.text(code))
        if row.has("year"):
            plan.set("year", "year", row.read("year", parse_year))

    def export_rows(self, queryset):
        for source in queryset.order_by("key").iterator(chunk_size=2000):
            yield {
                "key": source.key,
                "kind": source.kind,
                "year": source.year,
                **{code: getattr(source, code) for code in self.TEXT},
            }


def register_sources():
    register(SourceSheet)
