"""The sheets: which kinds of record a spreadsheet may hold, their columns, and the sources'
sheet. The apps register theirs (actors, agreements, citations) in their AppConfig.ready(),
so that this package imports no app."""

from collections import defaultdict
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..models import Source
from .cells import INVALID, source_lookup
from .columns import (
    ChoiceColumn,
    CitationColumn,
    CitationPartColumn,
    Column,
    KeyColumn,
    YearColumn,
)
from .planning import RecordPlanning, Sheet, cell_text_or_invalid
from .writing import CitationWriting, RecordWriting

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


class RecordSheet(RecordPlanning, RecordWriting, Sheet):
    """A sheet of records identified by `key`, planned and written by their columns."""

    # Related records and parts the export reads with the records, in a few queries.
    export_related = ()
    export_prefetch = ()

    def export_objects(self, queryset):
        queryset = queryset.select_related(*self.export_related).prefetch_related(
            *self.export_prefetch
        )
        return queryset.order_by("key").iterator(chunk_size=2000)


def citation_columns(locator_example):
    """The columns with which a row of a record sheet cites a source."""
    return [
        CitationColumn(
            "source", gettext_lazy("source"), gettext_lazy("The key of the source."), "article-2021"
        ),
        CitationPartColumn("locator", gettext_lazy("locator"), "", locator_example),
        CitationPartColumn("quote", gettext_lazy("quote"), "", ""),
    ]


class CitedSheet(CitationWriting, RecordSheet):
    """A record sheet whose rows may cite a source: `source, locator, quote` add a citation
    (or update the quote of the one already there, which the source and locator identify)."""

    citation_model = None
    export_prefetch = ("citations__source",)

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

    def first_citation(self, record):
        """The citation a row of the exported sheet shows: the record's first."""
        if getattr(record, "_exported_citation", False) is False:
            citations = self.cited_first(record.citations.all())
            record._exported_citation = citations[0] if citations else None
        return record._exported_citation


class SourceSheet(RecordSheet):
    name = "sources"
    verbose_name = gettext_lazy("sources")
    model = Source
    order = 3
    identifying = ("key", "title")
    columns = [
        KeyColumn(
            "key",
            gettext_lazy("key"),
            gettext_lazy("Permanent identifier; made from the title and year when empty."),
            "article-2021",
        ),
        ChoiceColumn(
            "kind",
            gettext_lazy("kind"),
            gettext_lazy("A code or a label: article, book, official, legal_db, web, news…"),
            "article",
            choices=Source.Kind,
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
        YearColumn("year", gettext_lazy("year"), "", "2021"),
        Column("volume", gettext_lazy("volume"), "", "12"),
        Column("issue", gettext_lazy("issue"), "", "3"),
        Column("pages", gettext_lazy("pages"), "", "155–165"),
        Column("url", gettext_lazy("URL"), "", "https://example.org/article"),
        Column("doi", gettext_lazy("DOI"), "", "10.1234/abc"),
        Column(
            "language", gettext_lazy("language"), gettext_lazy("ISO 639-1 code: ru, en, kk."), "ru"
        ),
    ]

    def key_source(self, row):
        title = cell_text_or_invalid(row, "title")
        year = cell_text_or_invalid(row, "year") if row.has("year") else ""
        if INVALID in (title, year):
            return "", ""
        return title, year


def register_sources():
    register(SourceSheet)


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
