"""The pieces of every record's serializer: the record itself, its page, its partial dates,
the records it links to (null when the public may not see them) and its citations."""

from django.conf import settings
from django.db.models.manager import BaseManager
from django.urls import reverse
from django.utils import translation
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from ..annotations import gap_rows, note_rows
from ..citations import RANK_ORDER
from ..dates import partial_date
from ..models import CitationRank, KnownGap, KnownGapLink, public_or_none
from ..serialisers import listed
from ..versions import with_versions


@extend_schema_field(OpenApiTypes.URI)
class PageField(serializers.Field):
    """The address of the record's public page (in the catalogue's first language), by the
    name of its route ("agreements:detail")."""

    def __init__(self, route, **kwargs):
        self.route = route
        kwargs.setdefault("help_text", "The record's page in the catalogue.")
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        with translation.override(settings.LANGUAGE_CODE):
            path = reverse(self.route, args=[record.key])
        return self.context["request"].build_absolute_uri(path)


@extend_schema_field(
    {
        "type": "string",
        "pattern": r"^\d{4}(-\d{2}(-\d{2})?)?$",
        "examples": ["1998", "1998-07", "1998-07-06"],
    }
)
class PartialDateField(serializers.Field):
    """A partial date as ISO text as precise as known: "1998", "1998-07" or "1998-07-06"."""

    def __init__(self, name, **kwargs):
        self.date_name = name
        kwargs.setdefault("help_text", "ISO 8601 text as precise as known: YYYY, YYYY-MM or date.")
        super().__init__(source="*", read_only=True, allow_null=True, **kwargs)

    def to_representation(self, record):
        date = partial_date(record, self.date_name)
        return date.iso() if date else None


class OptionalURLField(serializers.URLField):
    """An address the record may lack: null rather than an empty string, which no URI is."""

    def __init__(self, **kwargs):
        super().__init__(read_only=True, allow_null=True, **kwargs)

    def to_representation(self, value):
        return value or None


class PrefetchedList(serializers.ListSerializer):
    """Parts prefetched through the visibility layer, read as they were fetched: a related
    manager's all() would copy its query once a record."""

    def to_representation(self, data):
        if isinstance(data, BaseManager):
            data = data.get_queryset()
        return [self.child.to_representation(item) for item in data]


def many(child, **kwargs):
    return PrefetchedList(child=child, read_only=True, **kwargs)


class Ref(serializers.Serializer):
    """A record named inside another, by its key and names: attributes of the same names,
    read in one step (DRF's field-by-field reading costs a page of 100 records most of its
    time; the declared fields give the schema)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("read_only", True)
        super().__init__(**kwargs)

    def to_representation(self, record):
        return {name: getattr(record, name) for name in self._declared_fields}


class PublicRef(Ref):
    """A record linked from this one: null while the public may not see it (a draft place,
    parent or organisation)."""

    def get_attribute(self, instance):
        return public_or_none(super().get_attribute(instance))


class CitationList(PrefetchedList):
    """Citations best-ranked first, as the record's page numbers them."""

    def to_representation(self, data):
        if isinstance(data, BaseManager):
            data = data.get_queryset()
        ordered = sorted(data, key=lambda c: (RANK_ORDER.get(c.rank, 1), c.pk))
        return super().to_representation(ordered)


class CitationSerializer(serializers.Serializer):
    """Where a fact comes from: prefetched as a public part (its source, the work relaying it
    and its record published) by rkst.serialisers.public_citations()."""

    source = serializers.CharField(source="source.key", help_text="The cited source's key.")
    field = serializers.CharField(
        help_text="The fact it supports (a field name); empty for the whole record."
    )
    locator = serializers.CharField(help_text="Where in the source: “с. 161–162”, “ст. 5”.")
    quote = serializers.CharField(help_text="The words of the source, verbatim.")
    claim = serializers.CharField(
        help_text="What this source states for the fact, when sources disagree."
    )
    rank = serializers.ChoiceField(
        choices=CitationRank.choices,
        help_text="preferred, normal or deprecated: conflicting claims coexist, ranked.",
    )
    found_in = serializers.CharField(
        source="found_in.key",
        allow_null=True,
        help_text="The key of the work in which the source is cited, when it was not read.",
    )
    found_in_locator = serializers.CharField(help_text="Where in that work.")
    note = serializers.CharField()

    def to_representation(self, c):
        return {
            "source": c.source_key,
            "field": c.field,
            "locator": c.locator,
            "quote": c.quote,
            "claim": c.claim,
            "rank": c.rank,
            "found_in": c.found_in_key,
            "found_in_locator": c.found_in_locator,
            "note": c.note,
        }


def citations():
    """The record's public citations, prefetched as a list (public_citations(as_list=True))."""
    return CitationList(child=CitationSerializer(), read_only=True, source=listed("citations"))


class NoteCitationSerializer(serializers.Serializer):
    """Where an editorial note's doubt comes from."""

    source = serializers.CharField(help_text="The cited source's key.")
    locator = serializers.CharField(help_text="Where in the source, in the answer's language.")
    quote = serializers.CharField(help_text="The words of the source, verbatim.")
    rank = serializers.ChoiceField(choices=CitationRank.choices)


class EditorialNoteSerializer(serializers.Serializer):
    """What the curators tell readers is doubtful about the record or one of its facts."""

    key = serializers.CharField()
    field = serializers.CharField(
        help_text="The fact it concerns (a field name); empty for the whole record."
    )
    text_ru = serializers.CharField()
    text_en = serializers.CharField()
    citations = NoteCitationSerializer(many=True)


class KnownGapSerializer(serializers.Serializer):
    """What a source says exists and the catalogue does not hold yet."""

    key = serializers.CharField()
    field = serializers.CharField(help_text="The fact of this record it is shown beside.")
    role = serializers.ChoiceField(choices=KnownGapLink.Role.choices)
    description_ru = serializers.CharField()
    description_en = serializers.CharField()
    expected = serializers.IntegerField(
        allow_null=True, help_text="The number the source gives; null for an open list."
    )
    bound = serializers.ChoiceField(choices=KnownGap.Bound.choices)


class AnnotationsField(serializers.Field):
    """The record's public editorial notes, or the published gaps concerning it, as the
    exports give them (rkst.annotations), prefetched by the record's serialiser."""

    rows = None

    def __init__(self, **kwargs):
        super().__init__(source="*", read_only=True, **kwargs)

    def to_representation(self, record):
        return self.rows(record)


@extend_schema_field(EditorialNoteSerializer(many=True))
class EditorialNotesField(AnnotationsField):
    rows = staticmethod(note_rows)


@extend_schema_field(KnownGapSerializer(many=True))
class KnownGapsField(AnnotationsField):
    rows = staticmethod(gap_rows)


class RecordSerializer(serializers.ModelSerializer):
    """A record the public may see, as the API gives it. What it reads besides its own row is
    what its export serialiser (rkst.serialisers.Serialiser) reads, through the visibility
    layer, and the public parts of its own prefetches()."""

    serialiser = None
    version = serializers.IntegerField(
        source="public_version",
        allow_null=True,
        help_text="The record's public version: its page as of then is at its page_url + "
        "v<version>/ (null before its first).",
    )
    version_date = serializers.DateTimeField(
        source="public_version_date", allow_null=True, help_text="When that version was written."
    )
    editorial_notes = EditorialNotesField()
    known_gaps = KnownGapsField()

    @classmethod
    def prefetches(cls):
        return []

    # Fields whose value is the model's attribute as it is (exactly these classes: a subclass
    # may give it otherwise, as OptionalURLField does).
    PLAIN = (
        serializers.CharField,
        serializers.ChoiceField,
        serializers.BooleanField,
        serializers.IntegerField,
    )

    def to_representation(self, record):
        """DRF's to_representation(), with the plain fields read in one step."""
        plan = self.__dict__.get("_plan")
        if plan is None:
            plan = self._plan = [
                (name, field, type(field) in self.PLAIN and field.source_attrs == [name])
                for name, field in self.fields.items()
            ]
        data = {}
        for name, field, plain in plan:
            if plain:
                data[name] = getattr(record, name)
                continue
            value = field.get_attribute(record)
            data[name] = None if value is None else field.to_representation(value)
        return data

    @classmethod
    def prepare(cls, request, queryset):
        if cls.serialiser is not None:
            queryset = cls.serialiser(request).prepare(queryset, as_lists=True)
            queryset = with_versions(queryset)
        # Searched, never shown.
        return queryset.defer("search_text", "curator_note").prefetch_related(*cls.prefetches())
