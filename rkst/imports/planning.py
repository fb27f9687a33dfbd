"""Planning an import: each row read into a Plan of what it creates or changes, checked as
the model would check it, against the catalogue as it is; nothing is written here."""

import functools

from django.core import validators
from django.core.exceptions import ValidationError
from django.db.models import signals
from django.db.models.base import ModelState
from django.utils.translation import gettext as _

from .. import workflow
from ..models import PublicationState
from ..workflow import writing
from .cells import INVALID, CellError, cell_text, derive_key
from .rows import Plan


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

    def export_objects(self, queryset):
        """What the rows of an exported sheet are made of: `queryset`'s records, read with
        what the columns need, in the sheet's order."""
        raise NotImplementedError

    def export_rows(self, queryset):
        """The exported sheet's rows, {code: value}: each column exports its value, so that
        the file reads back unchanged (the admin's export resources use the same columns)."""
        for record in self.export_objects(queryset):
            yield {column.code: column.export(record, self) for column in self.columns}

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


class RecordPlanning:
    """How a sheet of records identified by `key` plans its rows: a known key updates, a new
    key creates, and a missing key is derived from the title and the date. Each of the
    sheet's columns fills the plan of a row with its value."""

    # Parts of the row that are not the record's own columns (parties, citations...).
    def load(self, records):
        """Fetch, in a few queries, what the rows' existing records already have."""

    def announce(self, new):
        """Make the records the rows will create findable by the other rows (row, key)."""

    def fill(self, plan):
        for column in self.columns:
            column.fill(plan, self)

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


def cell_text_or_invalid(row, code):
    return row.text(code) if row.has(code) else ""


def quiet_text(row, code):
    """The text of a cell, or "" when it cannot be read (the row reports it elsewhere)."""
    try:
        return cell_text(row.cells.get(code))
    except CellError:
        return ""
