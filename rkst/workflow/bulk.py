"""Bulk edit: one value set, cleared, added or removed on many records at once.

A model admin declares the fields it offers (`bulk_fields`, BulkField each); the rest is here
once. The curator selects records on the list, chooses the field, the operation, the value and
a reason; the preview shows each record's old and new values and every reason a record may
not take the change; the confirmation writes them all or none:

- through the write path's bulk functions, as the import writes: one history row per record
  with the reason, the version counted, the catalogue's version bumped once;
- against the versions the preview saw, which it carried signed: when any record was saved
  since, nothing is written and the message names the records;
- under the record's own validation and, for a published record, the publication rules: a
  change that would make a record invalid or keep a published one from being publishable is
  refused, naming the record and the reason.
"""

from dataclasses import dataclass, field

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import DateField
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from .. import workflow
from ..models import CatalogueVersion
from . import writing
from .history import plain_value

SET, CLEAR, ADD, REMOVE = "set", "clear", "add", "remove"
OPERATIONS = {
    SET: gettext_lazy("set to"),
    CLEAR: gettext_lazy("clear"),
    ADD: gettext_lazy("add"),
    REMOVE: gettext_lazy("remove"),
}
# Records one bulk edit may change: the preview lists each of them.
MAX_RECORDS = 1000
# Records named in one refusal message, at most.
NAMED = 10


class BulkField:
    """A field of a model that bulk edit may change. What it may do follows the model field:
    a many-to-many field takes values added or removed, any other is set, and cleared when it
    may be empty. `choices`: a callable giving the records it may be set to (a relation);
    `dated`: a date field set with it when a date is given ("status" and the day it was
    checked)."""

    def __init__(self, name, choices=None, dated=None, autocomplete=False):
        self.name, self.choices, self.dated = name, choices, dated
        # A relation to more records than a list shows: searched as the change form does.
        self.autocomplete = autocomplete

    def bind(self, model, admin_site=None):
        self.model, self.admin_site = model, admin_site
        self.field = model._meta.get_field(self.name)
        self.date_field = model._meta.get_field(self.dated) if self.dated else None
        return self

    @property
    def label(self):
        return capfirst(self.field.verbose_name)

    @property
    def many(self):
        return self.field.many_to_many

    @property
    def operation_codes(self):
        return " ".join(self.operations)

    @property
    def operations(self):
        if self.many:
            return (ADD, REMOVE)
        if self.field.null or (self.field.blank and not self.field.choices):
            return (SET, CLEAR)
        return (SET,)

    def queryset(self):
        if self.choices is not None:
            return self.choices()
        related = self.field.related_model._default_manager.all()
        return related.complex_filter(self.field.get_limit_choices_to())

    def form_field(self):
        model_field, label = self.field, self.label
        if self.many:
            return forms.ModelMultipleChoiceField(self.queryset(), label=label, required=False)
        if model_field.is_relation:
            widget = None
            if self.autocomplete and self.admin_site is not None:
                widget = AutocompleteSelect(
                    model_field, self.admin_site, attrs={"data-width": "100%"}
                )
            return forms.ModelChoiceField(
                self.queryset(), label=label, required=False, widget=widget
            )
        if model_field.choices:
            return forms.ChoiceField(
                choices=[("", "—"), *model_field.flatchoices], label=label, required=False
            )
        if isinstance(model_field, DateField):
            return date_field(label)
        return forms.CharField(label=label, required=False, max_length=model_field.max_length)

    def current(self, record):
        if self.many:
            return set(getattr(record, self.name).all())
        return getattr(record, self.name)

    def planned(self, record, operation, value):
        current = self.current(record)
        if operation == ADD:
            return current | set(value)
        if operation == REMOVE:
            return current - set(value)
        if operation == CLEAR:
            return None if self.field.null else ""
        return value

    def display(self, value, model_field=None):
        model_field = model_field or self.field
        if isinstance(value, set):
            return ", ".join(sorted(str(v) for v in value)) or "—"
        if model_field.is_relation:
            return str(value) if value is not None else "—"
        return plain_value(model_field, value)


def date_field(label):
    return forms.DateField(
        label=label,
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )


def value_name(bulk_field):
    return f"value_{bulk_field.name}"


def date_name(bulk_field):
    return f"date_{bulk_field.name}"


class BulkEditForm(forms.Form):
    """The field, the operation, its value and the reason; one value input a field (a script
    shows the chosen field's only; without it they are all there, each named)."""

    field = forms.ChoiceField(label=gettext_lazy("Field"))
    operation = forms.ChoiceField(label=gettext_lazy("Operation"), choices=list(OPERATIONS.items()))
    reason = forms.CharField(
        label=gettext_lazy("Reason for the change"),
        max_length=500,
        widget=forms.TextInput(attrs={"class": "vTextField"}),
        help_text=gettext_lazy("Saved in the history of each record changed."),
    )

    def __init__(self, bulk_fields, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.bulk_fields = {f.name: f for f in bulk_fields}
        self.fields["field"].choices = [(f.name, f.label) for f in bulk_fields]
        self.fields.pop("reason")  # after the values
        for bulk_field in bulk_fields:
            self.fields[value_name(bulk_field)] = bulk_field.form_field()
            if bulk_field.date_field is not None:
                self.fields[date_name(bulk_field)] = date_field(
                    capfirst(bulk_field.date_field.verbose_name)
                )
        self.fields["reason"] = BulkEditForm.base_fields["reason"]

    def value_rows(self):
        """(bulk field, its bound value input, its date input or None) for the template."""
        for bulk_field in self.bulk_fields.values():
            date = date_name(bulk_field) if bulk_field.date_field is not None else None
            yield bulk_field, self[value_name(bulk_field)], self[date] if date else None

    def clean(self):
        cleaned = super().clean()
        bulk_field = self.bulk_fields.get(cleaned.get("field"))
        operation = cleaned.get("operation")
        if bulk_field is None or operation is None:
            return cleaned
        if operation not in bulk_field.operations:
            raise ValidationError(
                _("“%(field)s” cannot be changed this way: choose %(operations)s.")
                % {
                    "field": bulk_field.label,
                    "operations": _(" or ").join(str(OPERATIONS[o]) for o in bulk_field.operations),
                },
                code="operation",
            )
        value = cleaned.get(value_name(bulk_field))
        empty = not value if bulk_field.many else value in (None, "")
        if operation != CLEAR and empty:
            self.add_error(value_name(bulk_field), _("Give the value."))
        cleaned["bulk_field"] = bulk_field
        cleaned["value"] = list(value) if bulk_field.many and value else value
        cleaned["date"] = (
            cleaned.get(date_name(bulk_field)) if bulk_field.date_field is not None else None
        )
        return cleaned

    def raw_data(self):
        """What was posted for the chosen field, to be carried signed to the confirmation."""
        name = self.cleaned_data["bulk_field"]
        keys = ["field", "operation", "reason", value_name(name)]
        if name.date_field is not None:
            keys.append(date_name(name))
        return {key: self.data.getlist(key) for key in keys if key in self.data}


@dataclass
class RecordChange:
    """What the edit does to one record: (label, old, new) per field, and why it may not."""

    record: object
    changes: list = field(default_factory=list)
    problems: list = field(default_factory=list)
    new_value: object = None
    new_date: object = None

    @property
    def changed(self):
        return bool(self.changes)


def _validation_messages(record, names):
    try:
        exclude = [f.name for f in record._meta.concrete_fields if f.name not in names]
        record.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        return error.messages
    return []


def _publication_reasons(record, planned=None):
    return [str(reason) for _link, reason in workflow.publication_problems(record, planned)]


def plan(records, bulk_field, operation, value, date=None):
    """A RecordChange per record, its own fields set in memory (nothing is saved)."""
    plans = []
    for record in records:
        change = RecordChange(record)
        names = [bulk_field.name]
        # Only a link to a record can keep a published record from being publishable: a
        # choice or a date set (never emptied where it is required) cannot.
        published = getattr(record, "is_published", False) and bulk_field.field.is_relation
        before_errors = set(_validation_messages(record, names)) if not bulk_field.many else set()
        before_problems = set(_publication_reasons(record)) if published else set()
        old = bulk_field.current(record)
        new = bulk_field.planned(record, operation, value)
        if old != new:
            change.changes.append(
                (bulk_field.label, bulk_field.display(old), bulk_field.display(new))
            )
            change.new_value = new
        if bulk_field.date_field is not None and date is not None and operation != CLEAR:
            old_date = getattr(record, bulk_field.dated)
            if old_date != date:
                change.changes.append(
                    (
                        capfirst(bulk_field.date_field.verbose_name),
                        plain_value(bulk_field.date_field, old_date),
                        plain_value(bulk_field.date_field, date),
                    )
                )
                change.new_date = date
                setattr(record, bulk_field.dated, date)
                names.append(bulk_field.dated)
        if change.changed and not bulk_field.many:
            setattr(record, bulk_field.name, new)
            change.problems += [
                m for m in _validation_messages(record, names) if m not in before_errors
            ]
        if change.changed and published:
            planned = {bulk_field.name: list(new)} if bulk_field.many else None
            change.problems += [
                reason
                for reason in _publication_reasons(record, planned)
                if reason not in before_problems
            ]
        plans.append(change)
    return plans


class BulkRefused(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def named(records):
    names = ", ".join(workflow.quoted(r) for r in records[:NAMED])
    if len(records) > NAMED:
        names += " " + _("and %(count)s more") % {"count": len(records) - NAMED}
    return names


def write(model, ids, versions, bulk_field, operation, value, date, user, reason):
    """Write the edit, all or nothing: refused (BulkRefused) when a record changed or went
    since the preview, or when the change is no longer valid for one of them. Returns the
    RecordChanges written."""
    history_reason = _("Bulk edit: %(reason)s") % {"reason": reason}
    with transaction.atomic():
        # Locked (PostgreSQL) or under SQLite's writer lock, taken when the transaction
        # begins: the versions compared here stay as read until the edit commits.
        locked = model._default_manager.select_for_update(of=("self",)).filter(pk__in=ids)
        records = list(with_related(locked, [bulk_field]))
        stale = [r for r in records if versions.get(str(r.pk)) != r.version]
        gone = len(ids) - len(records)
        if stale or gone:
            message = _(
                "Nothing was written: these records were changed after the preview: "
                "%(records)s. Look at the preview again."
            ) % {"records": named(stale)}
            if gone:
                message += " " + ngettext(
                    "%(count)s record was deleted.", "%(count)s records were deleted.", gone
                ) % {"count": gone}
            raise BulkRefused(message)
        plans = plan(records, bulk_field, operation, value, date)
        refused = [p for p in plans if p.problems]
        if refused:
            raise BulkRefused(refusal_text(refused))
        apply([p for p in plans if p.changed], bulk_field, user, history_reason)
    return plans


def apply(changes, bulk_field, user, reason):
    """Write the changed records in bulk, as the import does: the rows are locked and their
    versions compared by the caller; each gets its version counted, its search text and time
    of change, and one history row with the reason (its many-to-many links as now)."""
    records = [change.record for change in changes]
    if not records:
        return
    fields = [] if bulk_field.many else [bulk_field.name]
    if bulk_field.dated and any(change.new_date is not None for change in changes):
        fields.append(bulk_field.dated)
    if bulk_field.many:
        for change in changes:
            getattr(change.record, bulk_field.name).set(list(change.new_value))
    writing.update_records(type(records[0]), records, fields)
    writing.record_history(records, user, [reason] * len(records), "~")
    CatalogueVersion.bump()


def refusal_text(refused):
    lines = [f"{workflow.quoted(p.record)}: {' '.join(p.problems)}" for p in refused[:NAMED]]
    if len(refused) > NAMED:
        lines.append(_("and %(count)s more") % {"count": len(refused) - NAMED})
    return _("Nothing was written: the change does not fit these records. %(records)s") % {
        "records": " ".join(lines)
    }


def with_related(queryset, bulk_fields):
    """The records with the foreign keys their validation reads and the many-to-many values
    the edit may change, in a fixed number of queries."""
    model = queryset.model
    many = [f.name for f in bulk_fields if f.many]
    return (
        queryset.select_related(*[f.name for f in model._meta.concrete_fields if f.many_to_one])
        .prefetch_related(*many)
        .order_by("pk")
    )
