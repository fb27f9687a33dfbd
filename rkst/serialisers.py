"""Each kind of record as the public reads it off its page: one serialiser per kind gives the
columns and rows of the list's export and the record's JSON-LD, reading only public parts.
The apps keep theirs beside their models (agreements/serialisers.py, actors/serialisers.py)."""

from django.db.models import F, Prefetch

from .annotations import gap_rows, gaps_prefetch, note_rows, notes_prefetch
from .bibliography import formats
from .display import locator
from .exports import export_response
from .models import Source


def listed(name):
    """The attribute that holds the list of a record's public `name` when prefetched as a
    list: read as it was fetched, where a related manager would copy its query a record."""
    return f"public_{name}"


def public_prefetch(model, name, *related, defer=(), as_list=False):
    """The public rows of each record's `name` (a relation of `model` to parts with a
    public() method, see rkst.models.PublicQuerySet), with the `related` records they read,
    without the columns named in `defer`; `as_list`: as the list listed(name)."""
    parts = model._meta.get_field(name).related_model
    queryset = parts._default_manager.public().select_related(*related)
    if defer:
        queryset = queryset.defer(*defer)
    return Prefetch(name, queryset=queryset, to_attr=listed(name) if as_list else None)


def public_citations(model, as_list=False):
    """The public citations of each record of `model`, with the keys of their source and of
    the work relaying them (`source_key`, `found_in_key`): what a list shows of them, without
    building a source for each citation. `as_list`: as the list listed("citations")."""
    citations = model._meta.get_field("citations").related_model
    queryset = citations.objects.public().annotate(
        source_key=F("source__key"), found_in_key=F("found_in__key")
    )
    return Prefetch(
        "citations", queryset=queryset, to_attr=listed("citations") if as_list else None
    )


CITATION_FIELDS = ("source", "field", "locator", "quote")


def citation_rows(record):
    """The record's citations as the exports give them, prefetched by public_citations(); the
    locator in the language of the response."""
    return [
        {"source": c.source_key, "field": c.field, "locator": locator(c.locator), "quote": c.quote}
        for c in record.citations.all()
    ]


def key_of(record):
    return record.key if record is not None else None


class Serialiser:
    model = None
    name = None  # the export's file name: "agreements-2026-11-25.csv"
    columns = ()  # the export's columns, in order: spreadsheets and re-imports rely on them
    related = ()  # the records a row reads beside its own (shown only when public)
    parts = {}  # the public parts a row reads, by relation: the records they read in turn
    tables = {}  # the columns of parts (lists of dicts), by column: their fields, in order
    # What the curators tell readers about the record, after its own columns.
    editorial_columns = ["editorial_notes", "known_gaps"]
    editorial_tables = {
        "editorial_notes": ("key", "field", "text_ru", "text_en", "citations"),
        "known_gaps": (
            "key", "field", "role", "description_ru", "description_en", "expected", "bound",
        ),
    }  # fmt: skip
    cited = True  # a row reads the record's public citations (public_citations())

    def __init__(self, request):
        self.request = request

    def prefetches(self, as_lists=False):
        parts = [
            public_prefetch(self.model, name, *related, as_list=as_lists)
            for name, related in self.parts.items()
        ]
        cited = [public_citations(self.model, as_lists)] if self.cited else []
        return [*parts, *cited, notes_prefetch(), gaps_prefetch()]

    def prepare(self, queryset, as_lists=False):
        """`queryset` with what the rows read; `as_lists`: each part as the list
        listed(name) (what the API reads)."""
        prefetches = self.prefetches(as_lists)
        return queryset.select_related(*self.related).prefetch_related(*prefetches)

    def row(self, record):
        """The record's own columns."""
        raise NotImplementedError

    def full_row(self, record):
        """The record as exports and the API give it: its columns, its public editorial
        notes with their citations and the published gaps that concern it."""
        return {
            **self.row(record),
            "editorial_notes": note_rows(record),
            "known_gaps": gap_rows(record),
        }

    def json_ld(self, record, version=None):
        """The record's linked data (schema.org), naming its public `version` when given."""
        raise NotImplementedError

    def linked_data(self, record, version, data):
        """`data` with what every record's JSON-LD carries: the context, its address as its
        identifier, its version, and its Wikidata item as `sameAs` when it has one."""
        url = self.url(record)
        qid = getattr(record, "wikidata", "")
        extra = {
            "@id": url,
            "url": url,
            "version": str(version.number) if version else None,
            "dateModified": (version.date if version else record.updated_at).isoformat(),
            "sameAs": f"https://www.wikidata.org/wiki/{qid}" if qid else None,
        }
        merged = {"@context": "https://schema.org", **data, **extra}
        return {name: value for name, value in merged.items() if value not in (None, "", [])}

    def url(self, record):
        return self.request.build_absolute_uri(record.get_absolute_url())

    def export(self, fmt, queryset):
        rows = self.prepare(queryset).iterator(chunk_size=2000)
        columns = [*self.columns, *self.editorial_columns]
        tables = {**self.tables, **self.editorial_tables}
        return export_response(fmt, self.name, columns, map(self.full_row, rows), tables)


class SourceSerialiser(Serialiser):
    model = Source
    cited = False  # a source is the evidence
    name = "sources"
    columns = [
        "key", "kind", "authors", "title", "title_supplied", "container", "year", "volume",
        "issue", "pages", "publisher", "place", "url", "doi", "language", "complete", "gost",
    ]  # fmt: skip

    def row(self, source):
        row = {column: getattr(source, column, None) for column in self.columns}
        row["gost"] = formats(source)["gost"]
        return row

    def json_ld(self, source, version=None):
        data = {
            "@type": "ScholarlyArticle" if source.kind == Source.Kind.ARTICLE else "CreativeWork",
            "name": source.title,
            "author": [name.strip() for name in source.authors.split(";") if name.strip()],
            "datePublished": source.year,
        }
        return self.linked_data(source, version, data)
