"""The agreements sheet (with parties, topics and a citation per row) and the citations sheet
(any number of citations for agreements, actors and projects)."""

from collections import defaultdict
from types import SimpleNamespace

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, override

from actors.imports import actor_lookup
from actors.models import Actor, ActorCitation
from rkst.imports import (
    INVALID,
    CellError,
    Choices,
    CitedSheet,
    Column,
    Lookup,
    Plan,
    Sheet,
    cell_text,
    citation_columns,
    note_rows,
    parse_date,
    plain_text,
    quiet_text,
    register,
    snapshot,
    source_lookup,
)
from rkst.search import normalise
from rkst.workflow import writing
from rkst.workflow.writing import copy_rows, insert, record_history

from .models import (
    Agreement,
    AgreementCitation,
    AgreementParty,
    Project,
    ProjectCitation,
    Topic,
)


def topic_lookup():
    lookup = Lookup(gettext_lazy("topic"))
    for pk, code, name_ru, name_en in Topic.objects.values_list("pk", "code", "name_ru", "name_en"):
        lookup.add(pk, code, name_ru, name_en)
    return lookup


def party_side(actor, level):
    side = {Actor.Country.RU: AgreementParty.Side.RU, Actor.Country.KZ: AgreementParty.Side.KZ}
    if actor.country in side:
        return side[actor.country]
    if level == Agreement.Level.MULTILATERAL:
        return AgreementParty.Side.MULTILATERAL
    return AgreementParty.Side.THIRD


class AgreementSheet(CitedSheet):
    name = "agreements"
    verbose_name = gettext_lazy("agreements")
    model = Agreement
    citation_model = AgreementCitation
    order = 1
    identifying = ("key", "title_ru")
    field_columns = {"ended_on": "status", "in_force_on": "signed_on"}
    TEXT = ("title_ru", "title_en", "summary_ru", "summary_en")
    columns = [
        Column(
            "key",
            gettext_lazy("key"),
            gettext_lazy("Permanent identifier; made from the title and the date when empty."),
            "ru-kz-1996-sti",
        ),
        Column(
            "title_ru",
            gettext_lazy("title (Russian)"),
            "",
            "Соглашение о научно-техническом сотрудничестве",
        ),
        Column(
            "title_en",
            gettext_lazy("title (English)"),
            "",
            "Agreement on scientific and technical cooperation",
        ),
        Column(
            "kind",
            gettext_lazy("kind"),
            gettext_lazy("A code or a label: treaty, agreement, protocol, memorandum…"),
            "agreement",
        ),
        Column(
            "level",
            gettext_lazy("level"),
            gettext_lazy("A code or a label: interstate, intergovernmental, interagency…"),
            "intergovernmental",
        ),
        Column(
            "signed_on",
            gettext_lazy("signed"),
            gettext_lazy("1996, 11.1996 or 25.11.1996."),
            "25.11.1996",
        ),
        Column(
            "signed_place",
            gettext_lazy("place of signing"),
            gettext_lazy("A city, region or state: key, name or other name."),
            "Москва",
        ),
        Column(
            "parties",
            gettext_lazy("parties"),
            gettext_lazy("Keys, names or other names, separated by “;”, in order."),
            "Правительство РФ; Правительство РК",
        ),
        Column(
            "organisation",
            gettext_lazy("framework organisation"),
            gettext_lazy("An international organisation: key, name or other name."),
            "СНГ",
        ),
        Column(
            "topics",
            gettext_lazy("topics"),
            gettext_lazy("Codes or names, separated by “;”."),
            "space; energy",
        ),
        Column(
            "status",
            gettext_lazy("status"),
            gettext_lazy("A code or a label: in_force, expired, terminated, unknown…"),
            "in_force",
        ),
        Column("summary_ru", gettext_lazy("summary (Russian)"), "", ""),
        Column("summary_en", gettext_lazy("summary (English)"), "", ""),
        *citation_columns(locator_example="с. 161–162"),
    ]

    def prepare(self, present):
        super().prepare(present)
        self.actors = actor_lookup()
        self.topics = topic_lookup() if "topics" in present else None
        self.kinds = Choices(Agreement.Kind)
        self.levels = Choices(Agreement.Level)
        self.statuses = Choices(Agreement.Status)

    def load(self, records):
        super().load(records)
        ids = [r.pk for r in records.values()]
        self.parties = defaultdict(list)
        self.topic_ids = defaultdict(set)
        if not ids:
            return
        for party in AgreementParty.objects.filter(agreement_id__in=ids).order_by(
            "agreement_id", "order", "id"
        ):
            self.parties[party.agreement_id].append(party)
        through = Agreement.topics.through
        for agreement_id, topic_id in through.objects.filter(agreement_id__in=ids).values_list(
            "agreement_id", "topic_id"
        ):
            self.topic_ids[agreement_id].add(topic_id)

    def key_source(self, row):
        title = quiet_text(row, "title_ru")
        try:
            signed = parse_date(row.cells.get("signed_on"))
        except CellError:
            signed = None  # the row reports the date
        return title, signed.iso() if signed else ""

    def set_actor(self, plan, column, name, ident):
        if ident is INVALID:
            return
        instance = plan.instance
        old = getattr(instance, f"{name}_id")
        if old != ident:
            plan.change(column, self.actors.label(old) if old else "", self.actors.label(ident))
            plan.fields.add(f"{name}_id")
        # The record from the lookup, so that Agreement.clean() reads its kind without a query.
        setattr(instance, name, self.actors.records[ident] if ident else None)

    def fill(self, plan):
        row, instance = plan.row, plan.instance
        for name in ("organisation", "signed_place"):
            if getattr(instance, f"{name}_id"):
                setattr(instance, name, self.actors.records.get(getattr(instance, f"{name}_id")))
        for code in self.TEXT:
            if row.has(code):
                plan.set(code, code, row.text(code))
        if row.has("kind"):
            plan.set("kind", "kind", row.choice("kind", self.kinds))
        if row.has("level"):
            plan.set("level", "level", row.choice("level", self.levels))
        if row.has("status"):
            plan.set("status", "status", row.choice("status", self.statuses, "unknown"))
        if row.has("signed_on"):
            plan.set_date("signed_on", "signed_on", row.read("signed_on", parse_date))
        for code in ("signed_place", "organisation"):
            if row.has(code):
                self.set_actor(plan, code, code, row.ref(code, self.actors))
        old_parties = [p.actor_id for p in self.parties.get(instance.pk, ())]
        plan.parts["parties"] = None
        if row.has("parties"):
            parties = row.refs("parties", self.actors)
            if parties is not INVALID and parties != old_parties:
                plan.parts["parties"] = parties
                plan.change(
                    "parties",
                    [self.actors.label(a) for a in old_parties],
                    [self.actors.label(a) for a in parties],
                )
        old_topics = self.topic_ids.get(instance.pk, set())
        plan.parts["topics"] = None
        if row.has("topics"):
            topics = row.refs("topics", self.topics)
            if topics is not INVALID and set(topics) != old_topics:
                plan.parts["topics"] = set(topics)
                plan.change(
                    "topics",
                    sorted(self.topics.label(t) for t in old_topics),
                    sorted(self.topics.label(t) for t in topics),
                )
        if instance.pk and (plan.parts["parties"] is not None or plan.parts["topics"] is not None):
            plan.before["parties"] = [
                {"actor_id": p.actor_id, "role": p.role, "side": p.side, "order": p.order}
                for p in self.parties.get(instance.pk, ())
            ]
            plan.before["topics"] = sorted(old_topics)
        self.fill_citation(plan)

    def planned(self, plan):
        instance = plan.instance
        parties = plan.parts.get("parties")
        if parties is None:
            parties = [p.actor_id for p in self.parties.get(instance.pk, ())]
        records = self.actors.records
        return {
            **super().planned(plan),
            "signed_place": records.get(instance.signed_place_id),
            "organisation": records.get(instance.organisation_id),
            "parties": [records[actor] for actor in parties],
        }

    def write_parts(self, plans, batch):
        new_parties, reordered, gone = [], [], []
        new_topics, dropped_topics = [], []
        through = Agreement.topics.through
        for plan in plans:
            agreement = plan.instance
            parties = plan.parts.get("parties")
            if parties is not None:
                old = {p.actor_id: p for p in self.parties.get(agreement.pk, ())}
                for order, actor_id in enumerate(parties):
                    party = old.pop(actor_id, None)
                    if party is None:
                        actor = self.actors.records[actor_id]
                        # Plain values rather than model instances: there are many.
                        party = SimpleNamespace(
                            id=None,
                            agreement_id=agreement.pk,
                            actor_id=actor_id,
                            role=AgreementParty.Role.PARTY,
                            side=party_side(actor, agreement.level),
                            order=order,
                        )
                        new_parties.append((plan, party))
                    elif party.order != order:
                        party.order = order
                        reordered.append((plan, party))
                gone += old.values()
            topics = plan.parts.get("topics")
            if topics is not None:
                old_topics = self.topic_ids.get(agreement.pk, set())
                new_topics += [
                    through(agreement_id=agreement.pk, topic_id=t) for t in topics - old_topics
                ]
                dropped_topics += [(agreement.pk, t) for t in old_topics - topics]
        for party in gone:
            # One by one, so that each removal is in the history.
            writing.delete(party, self.user, _("Removed by a spreadsheet import"))
        columns = ["agreement_id", "actor_id", "role", "side", "order"]
        ids = copy_rows(
            AgreementParty,
            columns,
            [[getattr(p, c) for c in columns] for _plan, p in new_parties],
        )
        for (_plan, party), ident in zip(new_parties, ids, strict=True):
            party.id = ident
        AgreementParty.objects.bulk_update(
            [p for _plan, p in reordered], ["order"], batch_size=1000
        )
        record_history(
            [p for _plan, p in new_parties] + [p for _plan, p in reordered],
            self.user,
            [self.reason(batch, plan.row.number) for plan, _p in new_parties + reordered],
            ["+"] * len(new_parties) + ["~"] * len(reordered),
            model=AgreementParty,
        )
        insert(new_topics)
        for agreement_id, topic_id in dropped_topics:
            through.objects.filter(agreement_id=agreement_id, topic_id=topic_id).delete()
        return self.write_citations(plans, batch)

    def restore(self, instance, before, user, reason):
        super().restore(instance, before, user, reason)
        if "parties" in before:
            for party in instance.party_set.all():
                writing.delete(party, user, reason)
            for values in before["parties"]:
                writing.save(AgreementParty(agreement=instance, **values), user, reason)
        if "topics" in before:
            instance.topics.set(before["topics"])

    def export_queryset(self):
        return Agreement.objects.all()

    def export_rows(self, queryset):
        queryset = (
            queryset.select_related("signed_place", "organisation")
            .prefetch_related("party_set__actor", "topics", "citations__source")
            .order_by("key")
        )
        for agreement in queryset.iterator(chunk_size=2000):
            signed = agreement.signed
            yield {
                "key": agreement.key,
                "title_ru": agreement.title_ru,
                "title_en": agreement.title_en,
                "kind": agreement.kind,
                "level": agreement.level,
                "signed_on": signed.numeric() if signed else "",
                "signed_place": agreement.signed_place.key if agreement.signed_place else "",
                "parties": "; ".join(p.actor.key for p in agreement.party_set.all()),
                "organisation": agreement.organisation.key if agreement.organisation else "",
                "topics": "; ".join(sorted(t.code for t in agreement.topics.all())),
                "status": agreement.status,
                "summary_ru": agreement.summary_ru,
                "summary_en": agreement.summary_en,
                **self.export_citation(agreement),
            }


# Citations --------------------------------------------------------------------------------


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


class CitationSheet(Sheet):
    name = "citations"
    verbose_name = gettext_lazy("citations")
    model = AgreementCitation
    order = 4
    chunk_size = 5000
    identifying = ("record",)
    publishable = False
    columns = [
        Column(
            "record_type",
            gettext_lazy("kind of record"),
            gettext_lazy("agreement, actor or project (or соглашение, участник, проект)."),
            "agreement",
        ),
        Column(
            "record",
            gettext_lazy("record"),
            gettext_lazy("The record cited: its key, title or name."),
            "ru-kz-1996-sti",
        ),
        Column(
            "field",
            gettext_lazy("fact"),
            gettext_lazy(
                "The fact the citation supports (signed_on, parties…); empty for the whole record."
            ),
            "signed_on",
        ),
        Column(
            "source",
            gettext_lazy("source"),
            gettext_lazy("The key or the title of the source."),
            "article-2021",
        ),
        Column("locator", gettext_lazy("locator"), "", "с. 161–162"),
        Column("quote", gettext_lazy("quote"), "", ""),
        Column("note", gettext_lazy("note"), "", ""),
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

    def plan(self, rows):
        parsed = []
        for row in rows:
            code = (
                row.read("record_type", self.record_type) if row.has("record_type") else "agreement"
            )
            values = {"type": code}
            if code is not INVALID:
                values["record"] = row.ref("record", self.lookup(code))
                values["field"] = row.read("field", self._field, code) if row.has("field") else ""
            values["source"] = row.ref("source", self.sources) if row.has("source") else None
            for text in ("locator", "quote", "note"):
                values[text] = row.text(text) if row.has(text) else None
            if not row.problems:
                if values["record"] is None:
                    row.problem("record", _("Name the record the citation supports."))
                if values["source"] is None:
                    row.problem("source", _("Name the source."))
            parsed.append((row, values))
        wanted = defaultdict(set)
        for row, values in parsed:
            if not row.problems:
                wanted[values["type"]].add(values["record"])
        existing = {}
        for code, ids in wanted.items():
            citation_model = TARGETS[code][1]
            for citation in citation_model.objects.filter(record_id__in=ids):
                identity = (
                    code,
                    citation.record_id,
                    citation.source_id,
                    citation.field,
                    plain_text(citation.locator),
                )
                existing[identity] = citation
        plans = []
        for row, values in parsed:
            plan = Plan(row=row)
            plans.append(plan)
            if row.problems:
                continue
            code = values["type"]
            locator = values["locator"] or ""
            identity = (code, values["record"], values["source"], values["field"], locator)
            first = self.seen.get(identity)
            if first is not None:
                row.problem("", _("The same citation is in row %(row)s.") % {"row": first})
                continue
            self.seen[identity] = row.number
            lookup = self.lookup(code)
            plan.key = f"{code}:{lookup.label(values['record'])}"
            plan.label = (
                f"{lookup.label(values['record'])} — {self.sources.label(values['source'])}"
            )
            if locator:
                plan.label += f", {locator}"
            instance = existing.get(identity)
            if instance is None:
                instance = TARGETS[code][1](
                    record_id=values["record"],
                    source_id=values["source"],
                    field=values["field"],
                    locator=locator,
                    quote=values["quote"] or "",
                    note=values["note"] or "",
                    added_by=self.user,
                )
                plan.instance, plan.action = instance, "create"
            else:
                plan.instance = instance
                plan.before = {"fields": snapshot(instance)}
                for text in ("quote", "note"):
                    if values[text] is not None:
                        plan.set(text, text, values[text])
                plan.action = "update" if plan.changes else "unchanged"
            self.validate(plan)
        return plans

    def _field(self, value, code):
        return self.field_choices(code).parse(cell_text(value))

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

    def shows_publicly(self, report):
        # The citations of published records are public; a file that changed none leaves
        # the readers' caches as they are.
        return bool(report.counts["create"] or report.counts["update"])

    def export_queryset(self):
        return None

    def export_rows(self, queryset=None):
        for code, (_model, citation_model, _factory) in TARGETS.items():
            citations = citation_model.objects.select_related("record", "source").order_by(
                "record__key", "id"
            )
            for citation in citations.iterator(chunk_size=2000):
                yield {
                    "record_type": code,
                    "record": citation.record.key,
                    "field": citation.field,
                    "source": citation.source.key,
                    "locator": citation.locator,
                    "quote": citation.quote,
                    "note": citation.note,
                }


def register_sheets():
    register(AgreementSheet)
    register(CitationSheet)
