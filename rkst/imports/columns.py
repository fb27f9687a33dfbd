"""The columns of a sheet, one class per kind of value, as pretix's order import has them.

A column knows its code, its heading for curators (Russian or English, in any case) and what
it holds, and three things about its value: `clean()` reads the row's cell (or notes its
problem and gives INVALID), `assign()` sets it on the row's plan (noting the change), and
`export()` writes a record's value back, so that an exported sheet reads back unchanged. A
sheet fills a plan by letting each of its columns that the file has fill it.
"""

from functools import cached_property

from django.utils.translation import gettext as _
from django.utils.translation import override

from ..dates import partial_date
from ..search import normalise
from .cells import INVALID, Choices, parse_date, parse_year, same_value


class Column:
    """A column of plain text, for the model field of the same name (or `attname`)."""

    def __init__(self, code, heading, help_text="", example="", *, attname=None):
        self.code, self.heading, self.help_text, self.example = code, heading, help_text, example
        self.attname = attname or code

    def names(self):
        """The headings that name this column: its code and its heading in each language."""
        names = {normalise(self.code)}
        for language in ("ru", "en"):
            with override(language):
                names.add(normalise(str(self.heading)))
        return names

    def fill(self, plan, sheet):
        if plan.row.has(self.code):
            self.assign(plan, self.clean(plan.row, sheet), sheet)

    def clean(self, row, sheet):
        return row.text(self.code)

    def assign(self, plan, value, sheet):
        plan.set(self.code, self.attname, value)

    def export(self, record, sheet):
        return getattr(record, self.attname)


class KeyColumn(Column):
    """The record's key: the sheet's plan() reads it to find the record the row is about."""

    def fill(self, plan, sheet):
        pass


class ChoiceColumn(Column):
    """One of a field's choices, as its code or its label in either language."""

    def __init__(self, code, heading, help_text="", example="", *, choices, default="", **kw):
        super().__init__(code, heading, help_text, example, **kw)
        self.choices, self.default = choices, default

    @cached_property
    def parser(self):
        return Choices(self.choices)

    def clean(self, row, sheet):
        return row.choice(self.code, self.parser, self.default)


class DateColumn(Column):
    """A partial date: 1996, 11.1996, 25.11.1996, ISO forms, or a date cell."""

    def clean(self, row, sheet):
        return row.read(self.code, parse_date)

    def assign(self, plan, value, sheet):
        plan.set_date(self.code, self.attname, value)

    def export(self, record, sheet):
        date = partial_date(record, self.attname)
        return date.numeric() if date else ""


class YearColumn(Column):
    def clean(self, row, sheet):
        return row.read(self.code, parse_year)


class ReferenceColumn(Column):
    """A record named by its key, a name or another name, found in the sheet's lookup
    `lookup`; the sheet sets it (set_reference), since records the same file creates are
    named before they exist."""

    def __init__(self, code, heading, help_text="", example="", *, lookup, attname, **kw):
        super().__init__(code, heading, help_text, example, attname=attname, **kw)
        self.lookup = lookup

    def clean(self, row, sheet):
        return row.ref(self.code, getattr(sheet, self.lookup))

    def assign(self, plan, value, sheet):
        sheet.set_reference(plan, self, value)

    def export(self, record, sheet):
        related = getattr(record, self.attname.removesuffix("_id"))
        return related.key if related else ""


class ListColumn(Column):
    """A list of values separated by “;”, that the sheet writes as the record's parts.

    `old()` says what the record has, `clean()` what the row gives; a change is kept in
    plan.parts[code] (None: no change), and what the record had in plan.before[code], so that
    an undo can restore it."""

    def fill(self, plan, sheet):
        plan.parts[self.code] = None
        super().fill(plan, sheet)

    def old(self, plan, sheet):
        raise NotImplementedError

    def same(self, old, new):
        return old == new

    def labels(self, values, sheet):
        """The values as the preview shows them."""
        return [str(value) for value in values]

    def before(self, plan, sheet):
        """What undo needs to restore the record's old list."""
        return self.old(plan, sheet)

    def assign(self, plan, value, sheet):
        if value is INVALID:
            return
        old = self.old(plan, sheet)
        if self.same(old, value):
            return
        plan.parts[self.code] = value
        plan.change(self.code, self.labels(old, sheet), self.labels(value, sheet))
        if plan.existing:
            plan.before[self.code] = self.before(plan, sheet)


class CitationColumn(Column):
    """`source`, read with the row's `locator` and `quote` (CitationPartColumn): the row cites
    that source there. A citation of the source at that locator that the record has (for one
    of its facts or the whole) is that citation, whose quote the row may update; otherwise
    the row adds one for the whole record. The export writes the record's first citation
    (whole-record ones first), which therefore reads back as itself."""

    def __init__(self, code="source", heading="", help_text="", example="", **kw):
        super().__init__(code, heading, help_text, example, **kw)

    def fill(self, plan, sheet):
        row = plan.row
        plan.parts["citation"] = None
        if not row.has(self.code):
            return
        source = row.ref(self.code, sheet.sources)
        locator = row.text("locator") if row.has("locator") else ""
        quote = row.text("quote") if row.has("quote") else ""
        if INVALID in (source, locator, quote):
            return
        if source is None:
            if locator or quote:
                row.problem(self.code, _("Name the source of the locator and the quote."))
            return
        if len(locator) > 100:
            row.problem("locator", _("At most 100 characters."))
            return
        existing = next(
            (
                c
                for c in sheet.cited_first(sheet.citations.get(plan.instance.pk, ()))
                if c.source_id == source and same_value(c.locator, locator)
            ),
            None,
        )
        label = sheet.sources.label(source) + (f", {locator}" if locator else "")
        if existing is None:
            plan.parts["citation"] = ("create", source, locator, quote)
            plan.change(self.code, "", label)
        elif row.has("quote") and not same_value(existing.quote, quote):
            plan.parts["citation"] = ("update", existing, quote)
            plan.change("quote", existing.quote, quote)

    def export(self, record, sheet):
        citation = sheet.first_citation(record)
        return citation.source.key if citation else ""


class CitationPartColumn(Column):
    """`locator` or `quote` of the row's citation, read by its CitationColumn."""

    def fill(self, plan, sheet):
        pass

    def export(self, record, sheet):
        citation = sheet.first_citation(record)
        return getattr(citation, self.attname) if citation else ""
