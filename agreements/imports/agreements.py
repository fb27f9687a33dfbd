"""The agreements sheet: an agreement a row, with its parties, topics and a citation."""

from collections import defaultdict
from types import SimpleNamespace

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from actors.imports import actor_lookup
from actors.models import Actor
from rkst.imports import (
    INVALID,
    CellError,
    ChoiceColumn,
    CitedSheet,
    Column,
    DateColumn,
    KeyColumn,
    ListColumn,
    Lookup,
    ReferenceColumn,
    citation_columns,
    parse_date,
    quiet_text,
)
from rkst.workflow import writing
from rkst.workflow.writing import copy_rows, insert, record_history

from ..models import (
    Agreement,
    AgreementCitation,
    AgreementParty,
    AgreementRelation,
    AgreementRelationCitation,
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


class PartiesColumn(ListColumn):
    """The agreement's parties, in order: actors by key, name or other name."""

    def clean(self, row, sheet):
        return row.refs(self.code, sheet.actors)

    def old(self, plan, sheet):
        return [p.actor_id for p in sheet.parties.get(plan.instance.pk, ())]

    def labels(self, values, sheet):
        return [sheet.actors.label(actor) for actor in values]

    def before(self, plan, sheet):
        return [
            {"actor_id": p.actor_id, "role": p.role, "side": p.side, "order": p.order}
            for p in sheet.parties.get(plan.instance.pk, ())
        ]

    def export(self, record, sheet):
        return "; ".join(p.actor.key for p in record.party_set.all())


class TopicsColumn(ListColumn):
    """The agreement's topics, the whole set: codes or names."""

    def clean(self, row, sheet):
        topics = row.refs(self.code, sheet.topics)
        return topics if topics is INVALID else set(topics)

    def old(self, plan, sheet):
        return sheet.topic_ids.get(plan.instance.pk, set())

    def labels(self, values, sheet):
        return sorted(sheet.topics.label(topic) for topic in values)

    def before(self, plan, sheet):
        return sorted(self.old(plan, sheet))

    def export(self, record, sheet):
        return "; ".join(sorted(topic.code for topic in record.topics.all()))


def actor_column(code, heading, help_text, example):
    return ReferenceColumn(code, heading, help_text, example, lookup="actors", attname=f"{code}_id")


class AgreementSheet(CitedSheet):
    name = "agreements"
    verbose_name = gettext_lazy("agreements")
    model = Agreement
    citation_model = AgreementCitation
    order = 1
    identifying = ("key", "title_ru")
    field_columns = {"ended_on": "status", "in_force_on": "signed_on"}
    export_related = ("signed_place", "organisation")
    export_prefetch = ("party_set__actor", "topics", "citations__source")
    columns = [
        KeyColumn(
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
        ChoiceColumn(
            "kind",
            gettext_lazy("kind"),
            gettext_lazy("A code or a label: treaty, agreement, protocol, memorandum…"),
            "agreement",
            choices=Agreement.Kind,
        ),
        ChoiceColumn(
            "level",
            gettext_lazy("level"),
            gettext_lazy("A code or a label: interstate, intergovernmental, interagency…"),
            "intergovernmental",
            choices=Agreement.Level,
        ),
        DateColumn(
            "signed_on",
            gettext_lazy("signed"),
            gettext_lazy("1996, 11.1996 or 25.11.1996."),
            "25.11.1996",
        ),
        actor_column(
            "signed_place",
            gettext_lazy("place of signing"),
            gettext_lazy("A city, region or state: key, name or other name."),
            "Москва",
        ),
        PartiesColumn(
            "parties",
            gettext_lazy("parties"),
            gettext_lazy("Keys, names or other names, separated by “;”, in order."),
            "Правительство РФ; Правительство РК",
        ),
        actor_column(
            "organisation",
            gettext_lazy("framework organisation"),
            gettext_lazy("An international organisation: key, name or other name."),
            "СНГ",
        ),
        TopicsColumn(
            "topics",
            gettext_lazy("topics"),
            gettext_lazy("Codes or names, separated by “;”."),
            "space; energy",
        ),
        ChoiceColumn(
            "status",
            gettext_lazy("status"),
            gettext_lazy("A code or a label: in_force, expired, terminated, unknown…"),
            "in_force",
            choices=Agreement.Status,
            default=Agreement.Status.UNKNOWN,
        ),
        Column("summary_ru", gettext_lazy("summary (Russian)"), "", ""),
        Column("summary_en", gettext_lazy("summary (English)"), "", ""),
        *citation_columns(locator_example="с. 161–162"),
    ]

    def prepare(self, present):
        super().prepare(present)
        self.actors = actor_lookup()
        self.topics = topic_lookup() if "topics" in present else None

    def load(self, records):
        super().load(records)
        ids = [r.pk for r in records.values()]
        self.parties = defaultdict(list)
        self.topic_ids = defaultdict(set)
        self.relations = defaultdict(list)
        self.relation_citations = defaultdict(list)
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
        if self.publish:
            # The publication rule reads the related agreements and the relations' sources:
            # read once for the chunk, not a row at a time.
            for relation in AgreementRelation.objects.filter(source_id__in=ids).select_related(
                "target"
            ):
                self.relations[relation.source_id].append(relation)
            for citation in AgreementRelationCitation.objects.filter(
                record__source_id__in=ids
            ).select_related("record", "source", "found_in"):
                self.relation_citations[citation.record.source_id].append(citation)

    def key_source(self, row):
        title = quiet_text(row, "title_ru")
        try:
            signed = parse_date(row.cells.get("signed_on"))
        except CellError:
            signed = None  # the row reports the date
        return title, signed.iso() if signed else ""

    def set_reference(self, plan, column, ident):
        if ident is INVALID:
            return
        instance = plan.instance
        old = getattr(instance, column.attname)
        if old != ident:
            old_label = self.actors.label(old) if old else ""
            plan.change(column.code, old_label, self.actors.label(ident))
            plan.fields.add(column.attname)
        # The record from the lookup, so that Agreement.clean() reads its kind without a query.
        name = column.attname.removesuffix("_id")
        setattr(instance, name, self.actors.records[ident] if ident else None)

    def fill(self, plan):
        instance = plan.instance
        for name in ("organisation", "signed_place"):
            if getattr(instance, f"{name}_id"):
                setattr(instance, name, self.actors.records.get(getattr(instance, f"{name}_id")))
        super().fill(plan)

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
            "relations": self.relations.get(instance.pk, []),
            "relation_citations": self.relation_citations.get(instance.pk, []),
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
