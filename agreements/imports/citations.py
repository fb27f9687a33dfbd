"""The citations sheet: any number of citations of agreements, actors and projects, a row
each, identified by the record, the source, the fact and the locator."""

from collections import defaultdict

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from actors.imports import actor_lookup
from actors.models import Actor, ActorCitation
from rkst.imports import (
    INVALID,
    CellError,
    Choices,
    Column,
    Lookup,
    Plan,
    ReferenceColumn,
    Sheet,
    cell_text,
    note_rows,
    plain_text,
    snapshot,
    source_lookup,
)
from rkst.search import normalise
from rkst.workflow.writing import insert, record_history

from ..models import Agreement, AgreementCitation, Project, ProjectCitation


def _agreement_lookup():
    lookup = Lookup(gettext_lazy("agreement"))
    for pk, key, title_ru, title_en in Agreement.objects.values_list(
        "pk", "key", "title_ru", "title_en"
    ):
        lookup.add(pk, key, title_ru, title_en)
    return lookup


def _project_lookup():
    lookup = Lookup(gettext_lazy("project"))
    for pk, key, name_ru, name_en in Project.objects.values_list("pk", "key", "name_ru", "name_en"):
        lookup.add(pk, key, name_ru, name_en)
    return lookup


# record_type: (record model, citation model, lookup factory)
TARGETS = {
    "agreement": (Agreement, AgreementCitation, _agreement_lookup),
    "actor": (Actor, ActorCitation, actor_lookup),
    "project": (Project, ProjectCitation, _project_lookup),
}


class RecordTypeColumn(Column):
    """agreement, actor or project, by code or by the record's or the citation's name."""

    def clean(self, row, sheet):
        if not row.has(self.code):
            return "agreement"
        return row.read(self.code, sheet.record_type)

    def export(self, citation, sheet):
        return sheet.type_of(citation)


class RecordColumn(Column):
    """The record cited, by key, title or name, among the records of the row's kind."""

    def clean(self, row, sheet):
        return row.ref(self.code, sheet.lookup(sheet.row_type))

    def export(self, citation, sheet):
        return citation.record.key


class FactColumn(Column):
    """The fact of the record the citation supports, one of its kind's citable fields."""

    def clean(self, row, sheet):
        if not row.has(self.code):
            return ""
        return row.read(self.code, lambda value: sheet.field_choices(sheet.row_type).parse(
            cell_text(value)
        ))  # fmt: skip

    def export(self, citation, sheet):
        return citation.field


class OptionalText(Column):
    """Text that, when its column is absent, leaves the citation's value as it is (None)."""

    def clean(self, row, sheet):
        return row.text(self.code) if row.has(self.code) else None


class CitationSheet(Sheet):
    name = "citations"
    verbose_name = gettext_lazy("citations")
    model = AgreementCitation
    order = 4
    chunk_size = 5000
    identifying = ("record",)
    publishable = False
    columns = [
        RecordTypeColumn(
            "record_type",
            gettext_lazy("kind of record"),
            gettext_lazy("agreement, actor or project (or соглашение, участник, проект)."),
            "agreement",
        ),
        RecordColumn(
            "record",
            gettext_lazy("record"),
            gettext_lazy("The record cited: its key, title or name."),
            "ru-kz-1996-sti",
        ),
        FactColumn(
            "field",
            gettext_lazy("fact"),
            gettext_lazy(
                "The fact the citation supports (signed_on, parties…); empty for the whole record."
            ),
            "signed_on",
        ),
        ReferenceColumn(
            "source",
            gettext_lazy("source"),
            gettext_lazy("The key or the title of the source."),
            "article-2021",
            lookup="sources",
            attname="source_id",
        ),
        OptionalText("locator", gettext_lazy("locator"), "", "с. 161–162"),
        OptionalText("quote", gettext_lazy("quote"), "", ""),
        OptionalText("note", gettext_lazy("note"), "", ""),
    ]

    def prepare(self, present):
        super().prepare(present)
        self.sources = source_lookup()
        self.lookups = {}
        self.types = {}
        for code, (model, citation_model, _factory) in TARGETS.items():
            self.types[normalise(code)] = code
            for language in ("en", "ru"):
                with override(language):
                    self.types.setdefault(normalise(str(model._meta.verbose_name)), code)
                    self.types.setdefault(normalise(str(citation_model._meta.verbose_name)), code)
        self.fields = {}

    def lookup(self, code):
        if code not in self.lookups:
            self.lookups[code] = TARGETS[code][2]()
        return self.lookups[code]

    def field_choices(self, code):
        if code not in self.fields:
            citation_model = TARGETS[code][1]
            self.fields[code] = Choices(citation_model._meta.get_field("field").choices)
        return self.fields[code]

    def record_type(self, value):
        text = cell_text(value)
        code = self.types.get(normalise(text))
        if code is None:
            raise CellError(
                _("“%(value)s” is not one of: %(choices)s.")
                % {"value": text, "choices": ", ".join(TARGETS)}
            )
        return code

    @staticmethod
    def type_of(citation):
        return next(code for code, target in TARGETS.items() if target[1] is type(citation))

    def read(self, row):
        """The row's values by column code; the record and the fact are read among the
        records of the row's kind."""
        values = {}
        for column in self.columns:
            if column.code in ("record", "field") and values.get("record_type") is INVALID:
                continue
            if column.code == "source" and not row.has("source"):
                values["source"] = None
                continue
            values[column.code] = column.clean(row, self)
            if column.code == "record_type":
                self.row_type = values["record_type"]
        return values

    def plan(self, rows):
        parsed = []
        for row in rows:
            values = self.read(row)
            if not row.problems:
                if values["record"] is None:
                    row.problem("record", _("Name the record the citation supports."))
                if values["source"] is None:
                    row.problem("source", _("Name the source."))
            parsed.append((row, values))
        wanted = defaultdict(set)
        for row, values in parsed:
            if not row.problems:
                wanted[values["record_type"]].add(values["record"])
        existing = {}
        for code, ids in wanted.items():
            citation_model = TARGETS[code][1]
            for citation in citation_model.objects.filter(record_id__in=ids):
                existing[self.identity(code, citation)] = citation
        plans = []
        for row, values in parsed:
            plan = Plan(row=row)
            plans.append(plan)
            if not row.problems:
                self.plan_row(plan, values, existing)
        return plans

    @staticmethod
    def identity(code, citation):
        # A locator differing only in spaces or line breaks is the same place.
        locator = plain_text(citation.locator)
        return (code, citation.record_id, citation.source_id, citation.field, locator)

    def plan_row(self, plan, values, existing):
        row, code = plan.row, values["record_type"]
        locator = values["locator"] or ""
        identity = (code, values["record"], values["source"], values["field"], plain_text(locator))
        first = self.seen.get(identity)
        if first is not None:
            row.problem("", _("The same citation is in row %(row)s.") % {"row": first})
            return
        self.seen[identity] = row.number
        lookup = self.lookup(code)
        plan.key = f"{code}:{lookup.label(values['record'])}"
        plan.label = f"{lookup.label(values['record'])} — {self.sources.label(values['source'])}"
        if locator:
            plan.label += f", {locator}"
        instance = existing.get(identity)
        if instance is None:
            plan.instance, plan.action = (
                TARGETS[code][1](
                    record_id=values["record"],
                    source_id=values["source"],
                    field=values["field"],
                    locator=locator,
                    quote=values["quote"] or "",
                    note=values["note"] or "",
                    added_by=self.user,
                ),
                "create",
            )
            # The new citation's values, as the preview shows them.
            for column, value in (
                ("record_type", code),
                ("record", lookup.label(values["record"])),
                ("field", values["field"]),
                ("source", self.sources.label(values["source"])),
                ("locator", locator),
                ("quote", values["quote"]),
                ("note", values["note"]),
            ):
                plan.change(column, None, value)
        else:
            plan.instance = instance
            plan.before = {"fields": snapshot(instance)}
            for text in ("quote", "note"):
                if values[text] is not None:
                    plan.set(text, text, values[text])
            plan.action = "update" if plan.changes else "unchanged"
        self.validate(plan)

    def shows_publicly(self, report):
        # The citations of published records are public; a file that changed none leaves
        # the readers' caches as they are.
        return bool(report.counts["create"] or report.counts["update"])

    def write(self, plans, batch):
        groups = defaultdict(lambda: ([], []))
        now = timezone.now()
        for plan in plans:
            if plan.action in ("create", "update"):
                groups[type(plan.instance)][plan.action == "update"].append(plan)
        entries = []
        for model, (creates, updates) in groups.items():
            for plan in creates:
                plan.instance.added_at = now
            insert([p.instance for p in creates])
            model.objects.bulk_update(
                [p.instance for p in updates], ["quote", "note"], batch_size=1000
            )
            touched = creates + updates
            histories = record_history(
                [p.instance for p in touched],
                self.user,
                [self.reason(batch, p.row.number) for p in touched],
                ["+"] * len(creates) + ["~"] * len(updates),
            )
            entries += [
                (p.instance, p.row.number, p.action, p.before, h)
                for p, h in zip(touched, histories, strict=True)
            ]
        note_rows(batch, entries)

    def export_queryset(self):
        return None

    def export_objects(self, queryset=None):
        """Every citation, or with `queryset` (of agreements, actors or projects) those of
        its records."""
        for _code, (model, citation_model, _factory) in TARGETS.items():
            citations = citation_model.objects.select_related("record", "source")
            if queryset is not None:
                if queryset.model is not model:
                    continue
                citations = citations.filter(record__in=queryset.values("pk"))
            citations = citations.order_by("record__key", "id")
            yield from citations.iterator(chunk_size=2000)
