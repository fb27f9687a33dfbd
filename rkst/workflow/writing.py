"""The one write path of curated records.

What writing a record means is defined here once, and every writer goes through it: the
admin, the workflow's transitions, revert, the spreadsheet import and its undo, the commands.

- `stamp()`: the search text and the time of the change, set on every write (a pre_save
  signal applies it to single saves, loaded fixtures included; bulk writes call it).
- The version check and increment: django-concurrency's version field (rkst.locking); a bulk
  write counts versions with the same field (`count_version()`).
- The history row with its user and reason: django-simple-history for a single save
  (`save()` / `delete()` hand it the user and reason), `record_history()` for bulk writes,
  which writes the same rows, many-to-many snapshots included.
- The transition log: `Transition.build()` makes the one kind of row, for a single save
  (CuratedModel.save) and for bulk writes (`record_transitions()`).
- The catalogue version: the post_save, post_delete and m2m_changed signals bump it for
  single writes; a bulk write calls `CatalogueVersion.bump()`.
- The publication rules: rkst.workflow.can_publish(), for the admin and imports alike.
- The keys of published records: a changed key keeps answering, with a redirect to the new
  one (`keep_old_keys()`, rkst.KeyRedirect), for single saves and bulk writes alike.

Bulk writes go to the database by COPY on PostgreSQL (`copy_rows()`), without signals: they
call the functions above instead.
"""

import functools
import json
import operator
from collections import defaultdict

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models
from django.utils import timezone

from ..models import CuratedModel, KeyRedirect, PublicationState, SearchableModel, Transition


def stamp(record, now=None):
    """The columns the app keeps on every write of `record`: its search text, and for a
    curated record the time of the change."""
    if isinstance(record, SearchableModel):
        record.search_text = record.build_search_text()
    if isinstance(record, CuratedModel):
        record.updated_at = now or timezone.now()


def _attributed(instance, user, reason):
    if user is not None:
        instance._history_user = user
    if reason:
        instance._change_reason = reason
    return instance


def save(instance, user=None, reason="", hold_history=False, **kwargs):
    """Save a record or a part of one as a change by `user` for `reason`: the history row
    names them, and so does the transition when the state changed. Raises RecordChanged
    when the record was saved by someone else since it was read.

    `hold_history`: the writer sets the record's many-to-many links after the save (the
    admin's form does); its history row waits for release_history(), so that one save is
    one history row with its links, as in a bulk write, rather than a row per link set."""
    if not (instance._state.adding or instance.pk is None):
        keep_old_keys(type(instance), [instance])
    if hold_history:
        history_type = "+" if instance._state.adding or instance.pk is None else "~"
        instance._held_history = (history_type, user, reason)
        instance.skip_history_when_saving = True
    _attributed(instance, user, reason).save(**kwargs)
    return instance


def keep_old_keys(model, records):
    """Before `records` (existing records of `model`) are written: each published one whose
    key changes keeps its old key, which answers for the new one from now on."""
    if not issubclass(model, CuratedModel) or not records:
        return
    stored = dict(
        model._default_manager.filter(
            pk__in=[r.pk for r in records], state=PublicationState.PUBLISHED
        ).values_list("pk", "key")
    )
    for record in records:
        old = stored.get(record.pk)
        if old is not None and old != record.key:
            KeyRedirect.add(model, old, record.key, f"{old} → {record.key}")


def release_history(instance):
    """Write the history row that save(hold_history=True) held, with the links as now."""
    held = instance.__dict__.pop("_held_history", None)
    if held is None:
        return None
    del instance.skip_history_when_saving
    history_type, user, reason = held
    return record_history([instance], user, [reason], history_type)[0]


def delete(instance, user=None, reason=""):
    """Delete a record or a part of one, recorded in its history with `user` and `reason`."""
    return _attributed(instance, user, reason).delete()


def count_version(record):
    """Count a write of `record` made in bulk, as its version field counts a save."""
    record.version = record._meta.get_field("version")._get_next_version(record)


def prepare_write(record, now=None):
    """What a save would do to `record` before its row is written, for a bulk write: stamp
    it and count its version (a new record's first)."""
    stamp(record, now)
    count_version(record)


def update_records(model, records, fields, now=None):
    """Write the changed `fields` of existing `records` in bulk, stamped and counted as a
    save would stamp and count them. The rows are locked by the caller (the import's
    confirmation), which compared their versions with the ones its preview saw."""
    if "key" in fields:
        keep_old_keys(model, records)
    for record in records:
        prepare_write(record, now)
    model._default_manager.bulk_update(
        records, sorted({*fields, "updated_at", "search_text", "version"}), batch_size=1000
    )


def record_transitions(changes, user, comments, at=None):
    """Log the state changes of records written in bulk: `changes` holds (record, state
    before) pairs, "" before for a record created in its state."""
    at = at or timezone.now()
    Transition.objects.bulk_create(
        Transition.build(record, before, record.state, user, comment, at)
        for (record, before), comment in zip(changes, comments, strict=True)
    )


def copy_rows(model, attnames, rows):
    """Insert `rows`, tuples of values for the fields `attnames` of `model`, and return the
    new primary keys, in order.

    On PostgreSQL the keys are drawn from the table's sequence and the rows sent by COPY, which
    is several times faster than bulk_create (whose preparation of each value in Python took
    most of the import's time); elsewhere bulk_create does it.
    """
    if not rows:
        return []
    meta = model._meta
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(attnames, row, strict=True))) for row in rows]
        model._default_manager.bulk_create(objs, batch_size=500)
        return [obj.pk for obj in objs]
    from psycopg.types.json import Jsonb

    dumps = functools.partial(json.dumps, cls=DjangoJSONEncoder)
    fields = [next(f for f in meta.concrete_fields if f.attname == name) for name in attnames]
    json_columns = [i for i, f in enumerate(fields) if isinstance(f, models.JSONField)]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(c) for c in [meta.pk.column, *(f.column for f in fields)])
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        ids = [ident for (ident,) in cursor.fetchall()]
        with cursor.cursor.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for ident, row in zip(ids, rows, strict=True):
                if json_columns:
                    row = list(row)
                    for index in json_columns:
                        if row[index] is not None:
                            row[index] = Jsonb(row[index], dumps=dumps)
                copy.write_row((ident, *row))
    return ids


def insert(objs):
    """Insert new records (model instances) and give them their ids."""
    if not objs:
        return objs
    meta = objs[0]._meta
    attnames = [f.attname for f in meta.concrete_fields if not f.primary_key]
    values = (
        operator.attrgetter(*attnames)
        if len(attnames) > 1
        else lambda o: (getattr(o, attnames[0]),)
    )
    ids = copy_rows(type(objs[0]), attnames, [values(o) for o in objs])
    for obj, ident in zip(objs, ids, strict=True):
        setattr(obj, meta.pk.attname, ident)
        obj._state.adding = False
        obj._state.db = "default"
    return objs


def record_history(objs, user, reasons, history_types="+", model=None, at=None):
    """The historical rows of `objs` (just written), as simple-history would save them;
    returns their ids. `history_types` is "+" (created), "~" (changed), or one per object.
    `objs` may be plain objects with the model's attributes, when `model` is given. `at`:
    the rows' time, when several calls record one moment (a record and its parts)."""
    if not objs:
        return []
    if isinstance(history_types, str):
        history_types = [history_types] * len(objs)
    history_model = (model or type(objs[0])).history.model
    tracked = [f.attname for f in history_model.tracked_fields]
    now = at or timezone.now()
    user_id = user.pk if user is not None else None
    values = operator.attrgetter(*tracked)
    rows = [
        (*values(obj), now, reason, history_type, user_id)
        for obj, reason, history_type in zip(objs, reasons, history_types, strict=True)
    ]
    names = [*tracked, "history_date", "history_change_reason", "history_type", "history_user_id"]
    ids = copy_rows(history_model, names, rows)
    for field in history_model._history_m2m_fields:
        m2m_history(ids, objs, field.name)
    return ids


def m2m_history(history_ids, objs, field_name):
    """The many-to-many snapshot simple-history keeps with each historical row."""
    if not history_ids:
        return
    model = type(objs[0])
    m2m_model = getattr(model.history.model, field_name).model
    through = getattr(model, field_name).through
    owner = through._meta.get_field(model._meta.model_name).attname
    names = [f.attname for f in through._meta.concrete_fields]
    links = defaultdict(list)
    for values in through.objects.filter(**{f"{owner}__in": [o.pk for o in objs]}).values_list(
        *names
    ):
        links[values[names.index(owner)]].append(values)
    rows = [
        (history_id, *values)
        for history_id, obj in zip(history_ids, objs, strict=True)
        for values in links[obj.pk]
    ]
    copy_rows(m2m_model, ["history_id", *names], rows)
