"""Reading and restoring the history django-simple-history keeps of every catalogue record.

`describe_changes` puts on each historical row the readable difference from the row before:
the field's label, and the old and new values as a reader writes them (a choice's label, a
related record's name, "July 1998" for a date known to the month), without the columns the
app keeps for itself. It reads many-to-many snapshots and related records in one query per
field and per related model for the whole page, not per row.

`revert` restores a record's own fields, and its many-to-many links, from a historical row.
"""

import datetime
import decimal
from collections import defaultdict

from django.db import models, transaction
from django.utils.formats import date_format, number_format
from django.utils.text import capfirst
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from simple_history.template_utils import ObjDiffDisplay

from ..dates import partial_date
from . import writing

# Kept by the app, not written by curators: their changes would only be noise.
HIDDEN_FIELDS = {"search_text", "created_at", "updated_at", "version"}
# Not restored by a revert: the state goes through the workflow, the rest is bookkeeping.
NOT_REVERTED = HIDDEN_FIELDS | {"state", "id"}
SHOWN_LENGTH = 200


def shown_fields(model):
    history_model = model.history.model
    return [f for f in history_model.tracked_fields if f.name not in HIDDEN_FIELDS and f.editable]


def m2m_fields(model):
    return list(model.history.model._history_m2m_fields)


def _m2m_values(model, rows):
    """{field name: {history_id: frozenset of related ids}} for the historical `rows`."""
    values = {}
    ids = [row.history_id for row in rows]
    for field in m2m_fields(model):
        snapshot_model = getattr(model.history.model, field.name).model
        target = field.m2m_reverse_field_name()
        found = defaultdict(set)
        for history_id, related in snapshot_model._default_manager.filter(
            history_id__in=ids
        ).values_list("history_id", f"{target}_id"):
            found[history_id].add(related)
        values[field.name] = {i: frozenset(found[i]) for i in ids}
    return values


class _Related:
    """Related records by model and id, fetched once for a page."""

    def __init__(self):
        self.wanted = defaultdict(set)
        self.found = {}

    def want(self, model, ids):
        self.wanted[model].update(i for i in ids if i is not None)

    def fetch(self):
        for model, ids in self.wanted.items():
            self.found[model] = model._default_manager.in_bulk(ids)

    def label(self, model, ident):
        record = self.found.get(model, {}).get(ident)
        if record is None:
            return _("#%(id)s (deleted)") % {"id": ident}
        return str(record)


def plain_value(field, value):
    if value is None or value == "":
        return "—"
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(field, models.BooleanField):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return date_format(localtime(value), "DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "DATE_FORMAT")
    if isinstance(value, decimal.Decimal):
        return number_format(value.normalize())
    return str(value)


def _differences(model, new, old, m2m, related):
    """(label, old, new) for each field that differs between two historical rows."""
    partial = set(getattr(model, "PARTIAL_DATES", ()))
    precisions = {f"{name}_precision" for name in partial}
    found = []
    for field in shown_fields(model):
        if field.name in precisions:
            continue
        if field.name in partial:
            before, after = partial_date(old, field.name), partial_date(new, field.name)
            if before != after:
                found.append(
                    (field, before.display() if before else "—", after.display() if after else "—")
                )
            continue
        before, after = getattr(old, field.attname), getattr(new, field.attname)
        if before == after:
            continue
        if field.is_relation:
            related_model = field.related_model
            found.append(
                (
                    field,
                    related.label(related_model, before) if before is not None else "—",
                    related.label(related_model, after) if after is not None else "—",
                )
            )
        else:
            found.append((field, plain_value(field, before), plain_value(field, after)))
    for field in m2m_fields(model):
        before = m2m[field.name][old.history_id]
        after = m2m[field.name][new.history_id]
        if before != after:

            def names(ids, field=field):
                labels = sorted(related.label(field.related_model, i) for i in ids)
                return ", ".join(labels) or "—"

            found.append((field, names(before), names(after)))
    shorten = ObjDiffDisplay(max_length=SHOWN_LENGTH).common_shorten_repr
    changes = []
    for field, before, after in found:
        before, after = shorten(before, after)
        changes.append({"field": capfirst(field.verbose_name), "old": before, "new": after})
    return changes


def describe_changes(model, rows):
    """Set `history_delta_changes` on each historical row of `rows` (newest first) that has
    its predecessor among them: the readable field-by-field difference."""
    rows = list(rows)
    if len(rows) < 2:
        return rows
    m2m = _m2m_values(model, rows)
    related = _Related()
    by_record = defaultdict(list)
    for row in rows:
        by_record[getattr(row, model._meta.pk.attname)].append(row)
    pairs = [
        (newer, older)
        for group in by_record.values()
        for newer, older in zip(group, group[1:], strict=False)
    ]
    for newer, older in pairs:
        for field in shown_fields(model):
            if field.is_relation and getattr(newer, field.attname) != getattr(older, field.attname):
                related.want(
                    field.related_model,
                    [getattr(newer, field.attname), getattr(older, field.attname)],
                )
        for field in m2m_fields(model):
            before, after = m2m[field.name][older.history_id], m2m[field.name][newer.history_id]
            if before != after:
                related.want(field.related_model, before | after)
    related.fetch()
    for newer, older in pairs:
        newer.history_delta_changes = _differences(model, newer, older, m2m, related)
    return rows


def revert(record, historical, user, comment=""):
    """Restore `record`'s own fields and many-to-many links from the historical row
    `historical`, keeping its publication state, as a new change by `user`. Raises
    ValidationError when the old version no longer fits (a related record was deleted, the
    key was taken) and RecordChanged when the record changed since it was read."""
    model = type(record)
    for field in model.history.model.tracked_fields:
        if field.name not in NOT_REVERTED and field.attname != model._meta.pk.attname:
            setattr(record, field.attname, getattr(historical, field.attname))
    record.full_clean(exclude=["state"])
    reason = _("Reverted to the version of %(date)s") % {
        "date": date_format(localtime(historical.history_date), "DATETIME_FORMAT")
    }
    with transaction.atomic():
        writing.save(record, user, f"{reason}. {comment}" if comment else reason, hold_history=True)
        for field in m2m_fields(model):
            snapshot_model = getattr(model.history.model, field.name).model
            ids = snapshot_model._default_manager.filter(history=historical).values_list(
                f"{field.m2m_reverse_field_name()}_id", flat=True
            )
            getattr(record, field.name).set(list(ids))
        writing.release_history(record)
    return record
