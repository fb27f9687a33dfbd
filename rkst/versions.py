"""Public versions of published records, read from their history (django-simple-history).

A record's version N is the N-th historical row in which it was published, in the order the
rows were written: every save of a published record (by the write path, the import or a
revert) writes one, so the number only grows and an old number always names the same state.
Draft and in-review rows are never versions. A record loaded without history (a fixture; see
`make run`, which gives the seed its first rows with `record_first_history --load`) has no
version until it is given one.

A past version's page shows the record's own fields and links as they were, and its parts
(parties, names, citations...) as they stood when the version was written, each only while
what it links to is public now.
"""

from typing import NamedTuple

from django.db.models import Count, Max, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import render

from .dates import partial_date
from .models import CuratedModel, PublicationState
from .serving import get_public, public_page
from .workflow.history import m2m_fields, plain_value, shown_fields

# Never shown on a public page, whatever the version.
PRIVATE_FIELDS = {"curator_note", "state", "id", "key"}


class Version(NamedTuple):
    number: int
    date: object  # when it was written: an aware datetime
    row: object  # the historical row (None for the current version, read from the record)


def published_history(record):
    return record.history.filter(state=PublicationState.PUBLISHED).order_by(
        "history_date", "history_id"
    )


def with_versions(queryset):
    """`queryset` with each record's current version as `public_version` and the time it was
    written as `public_version_date` (None without history): what current_version() gives one
    record, for a list in the same query."""
    rows = (
        queryset.model.history.model.objects.filter(
            id=OuterRef("pk"), state=PublicationState.PUBLISHED
        )
        .order_by()
        .values("id")
    )
    return queryset.annotate(
        public_version=Subquery(rows.annotate(n=Count("pk")).values("n")),
        public_version_date=Subquery(rows.annotate(d=Max("history_date")).values("d")),
    )


def current_version(record):
    """The version the record's page shows now, or None for a record without history."""
    # One query: the count and the date of the last, not the row (the page shows the record).
    found = (
        with_versions(type(record)._default_manager.filter(pk=record.pk))
        .values("public_version", "public_version_date")
        .first()
    )
    if not found or not found["public_version"]:
        return None
    return Version(found["public_version"], found["public_version_date"], None)


def past_version(record, number):
    """Version `number` of `record`, or None when it has none of that number."""
    if number < 1:
        return None
    row = published_history(record)[number - 1 : number].first()
    return Version(number, row.history_date, row) if row is not None else None


def _public_related(model, ids):
    return model._default_manager.public().in_bulk([i for i in ids if i is not None])


def fields_of(model, row):
    """(label, value, linked record or None) for each public field of the historical `row`
    that holds a value."""
    partial = set(getattr(model, "PARTIAL_DATES", ()))
    precisions = {f"{name}_precision" for name in partial}
    found = []
    for field in shown_fields(model):
        if field.name in PRIVATE_FIELDS or field.name in precisions:
            continue
        if field.name in partial:
            day = partial_date(row, field.name)
            found.append((field.verbose_name, day.display() if day else "—", None))
        elif field.is_relation:
            ident = getattr(row, field.attname)
            record = _public_related(field.related_model, [ident]).get(ident)
            found.append((field.verbose_name, str(record) if record else "—", record))
        else:
            value = plain_value(field, getattr(row, field.attname))
            found.append((field.verbose_name, value, None))
    for field in m2m_fields(model):
        snapshot = getattr(model.history.model, field.name).model
        ids = snapshot._default_manager.filter(history=row).values_list(
            f"{field.m2m_reverse_field_name()}_id", flat=True
        )
        records = _public_related(field.related_model, ids).values()
        found.append((field.verbose_name, ", ".join(sorted(str(r) for r in records)) or "—", None))
    return [(label, value, linked) for label, value, linked in found if value != "—"]


def parts_of(record, date):
    """(label, [part as it stood at `date`]) for each kind of part of `record` that keeps a
    history, read through the part's visibility rule."""
    found = []
    for relation in type(record)._meta.related_objects:
        part = relation.related_model
        if (
            not relation.one_to_many
            or issubclass(part, CuratedModel)
            or not hasattr(part, "history")
            or not hasattr(part._default_manager, "public_q")
        ):
            continue
        rows = (
            part.history.as_of(date)
            .filter(**{relation.field.attname: record.pk})
            .filter(part._default_manager.public_q())
            .order_by("pk")
        )
        shown = list(rows)  # as the records they were (as_of gives instances)
        if shown:
            found.append((part._meta.verbose_name_plural, shown))
    return found


@public_page
def version_page(request, key, number, model):
    """Version `number` of the public record `key` of `model`, with a link to the current."""
    record = get_public(model.objects.public(), key, version=number)
    version = past_version(record, number)
    if version is None:
        raise Http404
    context = {
        "record": record,
        "version": version,
        "current": current_version(record),
        "fields": fields_of(model, version.row),
        "parts": parts_of(record, version.date),
        "title": str(version.row.instance),
    }
    return render(request, "rkst/version.html", context)
