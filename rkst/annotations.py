"""Editorial notes and known gaps as readers see them: beside the fact they concern on the
record's page, in the record's export row, and on the coverage page, which also lists the
facts of published records that no citation supports and counts the published records.
Everything here reads through the visibility layer (`public()`)."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import models
from django.db.models import Count, Exists, OuterRef, Prefetch, Q

from .citations import RANK_ORDER
from .display import locator
from .models import (
    CuratedModel,
    EditorialNote,
    KnownGap,
    KnownGapLink,
    annotated_models,
    published_q,
)


def public_citations_prefetch(model):
    """The public citations of each note or gap, best-ranked first."""
    citations = model._meta.get_field("citations").related_model
    return Prefetch(
        "citations",
        queryset=citations.objects.public().select_related("source", "found_in").order_by("pk"),
        to_attr="public_citations",
    )


def ranked(citations):
    return sorted(citations, key=lambda c: (RANK_ORDER.get(c.rank, 1), c.pk))


def public_gaps():
    """The published gaps, each with `held`: how many of the records it says exist the
    catalogue holds and publishes (its public links of the role “held”)."""
    held = KnownGapLink.objects.public().filter(gap=OuterRef("pk"), role=KnownGapLink.Role.HELD)
    return (
        KnownGap.objects.public()
        .annotate(
            held=models.Subquery(
                held.order_by().values("gap").annotate(n=Count("pk")).values("n"),
                output_field=models.IntegerField(),
            )
        )
        .prefetch_related(public_citations_prefetch(KnownGap))
    )


@dataclass
class Annotations:
    """What the curators tell readers about one fact of a record."""

    notes: list = field(default_factory=list)
    gaps: list = field(default_factory=list)

    def __bool__(self):
        return bool(self.notes or self.gaps)


def fact_key(name):
    return name or "record"


def annotations(record):
    """{fact: Annotations} of `record`: its public editorial notes and the published gaps
    that concern it, by the fact they concern ("record" for the whole record)."""
    found = defaultdict(Annotations)
    notes = (
        EditorialNote.objects.public()
        .of(record)
        .prefetch_related(public_citations_prefetch(EditorialNote))
    )
    for note in notes:
        note.public_citations = ranked(note.public_citations)
        found[fact_key(note.field)].notes.append(note)
    links = KnownGapLink.objects.public().of(record).values_list("gap_id", "field")
    fields = defaultdict(list)
    for gap_id, name in links:
        fields[gap_id].append(name)
    if fields:
        for gap in public_gaps().filter(pk__in=fields):
            gap.public_citations = ranked(gap.public_citations)
            for name in fields[gap.pk]:
                found[fact_key(name)].gaps.append(gap)
    return dict(found)


def citation_row(citation):
    """A citation of a note or a gap as exports and the API give it, its locator in the
    language of the response."""
    return {
        "source": citation.source.key,
        "locator": locator(citation.locator),
        "quote": citation.quote,
        "rank": citation.rank,
    }


def note_rows(record):
    """The public editorial notes of `record` (prefetched by `notes_prefetch()`) as the
    export rows and the API give them."""
    return [
        {
            "key": note.key,
            "field": note.field,
            "text_ru": note.text_ru,
            "text_en": note.text_en,
            "citations": [citation_row(c) for c in note.public_citations],
        }
        for note in record.public_notes
    ]


def gap_rows(record):
    """The published gaps that concern `record` (prefetched by `gaps_prefetch()`)."""
    return [
        {
            "key": link.gap.key,
            "field": link.field,
            "role": link.role,
            "description_ru": link.gap.description_ru,
            "description_en": link.gap.description_en,
            "expected": link.gap.expected,
            "bound": link.gap.bound,
        }
        for link in record.public_gap_links
    ]


def notes_prefetch():
    """Each record's public editorial notes with their public citations, as `public_notes`."""
    return Prefetch(
        "editorial_notes",
        queryset=EditorialNote.objects.public()
        .order_by("order", "pk")
        .prefetch_related(public_citations_prefetch(EditorialNote)),
        to_attr="public_notes",
    )


def gaps_prefetch():
    """Each record's public links to gaps, with their gap, as `public_gap_links`."""
    return Prefetch(
        "gap_links",
        queryset=KnownGapLink.objects.public().select_related("gap").order_by("gap__key", "pk"),
        to_attr="public_gap_links",
    )


# --- the coverage page ----------------------------------------------------------------------


@dataclass
class UnsourcedFact:
    record: object
    field: str
    label: str


def has_value_q(model, name):
    """The fact `name` of a `model` record holds something the record's page shows: a text
    or a date, a choice other than "unknown", a published linked record, a public part."""
    relation = model._meta.get_field(name)
    target = relation.related_model
    if relation.many_to_many or relation.one_to_many:
        if issubclass(target, CuratedModel):
            return published_q(f"{name}__")
        parts = target._default_manager
        link = relation.remote_field.name if relation.one_to_many else None
        if link is not None and hasattr(parts, "public_q"):
            return Exists(parts.public().filter(**{link: OuterRef("pk")}))
        return Q(**{f"{name}__isnull": False})
    if relation.is_relation:
        return published_q(f"{name}__")
    q = Q(**{f"{name}__isnull": False})
    if isinstance(relation, models.CharField | models.TextField):
        q &= ~Q(**{name: ""})
    if relation.choices and "unknown" in dict(relation.flatchoices):
        # "Unknown" states that nothing is known: there is nothing to source.
        q &= ~Q(**{name: "unknown"})
    return q


def unsourced_facts():
    """The facts of published records that their pages show and no public citation
    supports: the citable facts (CITABLE_FIELDS) holding a value without a public citation
    of that fact. None when every published fact has its source."""
    found = []
    for model in [*annotated_models(), KnownGap]:
        fields = getattr(model, "CITABLE_FIELDS", ())
        if not fields:
            continue
        citations = model._meta.get_field("citations").related_model
        for name, label in fields:
            cited = citations.objects.public().filter(record=OuterRef("pk"), field=name)
            rows = (
                model._default_manager.public()
                .filter(has_value_q(model, name))
                .filter(~Exists(cited))
                .distinct()
                .order_by("pk")
            )
            found += [UnsourcedFact(record, name, label) for record in rows]
    return found


@dataclass
class KindCount:
    model: object
    total: int
    kinds: list  # (label, count), most first


def published_counts():
    """How many records of each kind are published, and of each kind's `kind` value."""
    counts = []
    for model in annotated_models():
        public = model._default_manager.public()
        kinds = []
        try:
            kind = model._meta.get_field("kind")
        except models.FieldDoesNotExist:
            kind = None
        if kind is not None and kind.choices:
            labels = dict(kind.flatchoices)
            rows = public.order_by().values("kind").annotate(n=Count("pk")).order_by("-n", "kind")
            kinds = [(labels.get(row["kind"], row["kind"]), row["n"]) for row in rows]
        counts.append(KindCount(model, public.count(), kinds))
    return counts


def gap_records():
    """{gap pk: [(link, record)]}: the public records each published gap concerns."""
    found = defaultdict(list)
    links = KnownGapLink.objects.public().select_related("content_type").prefetch_related("record")
    for link in links.order_by("role", "pk"):
        found[link.gap_id].append(link)
    return found
