"""The actors sheet: states, regions, bodies and their branches, with their other names.

A row may name as its parent or region another row of the same file: such actors are created
parents first. The whole sheet is checked as one chunk, so that those references resolve.
"""

from collections import defaultdict

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

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
    plain_text,
    quiet_text,
    register,
    split_list,
)
from rkst.models import check_date_order, check_partial_date
from rkst.workflow import writing
from rkst.workflow.writing import insert, record_history

from .models import Actor, ActorAlias, ActorCitation

PLACES = (Actor.Kind.REGION, Actor.Kind.CITY, Actor.Kind.STATE)
ACTOR_FIELDS = ("pk", "key", "name_ru", "name_en", "short_name_ru", "short_name_en")


def actor_lookup():
    """Every actor, findable by key, names and other names; `records` holds them by id."""
    lookup = Lookup(gettext_lazy("actor"))
    lookup.records = {
        actor.pk: actor
        for actor in Actor.objects.only(
            *ACTOR_FIELDS, "kind", "country", "state", "parent", "located_in"
        )
    }
    aliases = defaultdict(list)
    for actor_id, name in ActorAlias.objects.values_list("actor_id", "name"):
        aliases[actor_id].append(name)
    for pk, actor in lookup.records.items():
        lookup.add(
            pk,
            actor.key,
            actor.name_ru,
            actor.name_en,
            actor.short_name_ru,
            actor.short_name_en,
            *aliases[pk],
        )
    return lookup


class AliasesColumn(ListColumn):
    """The actor's other names, the whole list: former names, acronyms, transliterations."""

    def clean(self, row, sheet):
        names = row.text(self.code)
        return names if names is INVALID else list(dict.fromkeys(split_list(names)))

    def old(self, plan, sheet):
        return [alias.name for alias in sheet.aliases.get(plan.instance.pk, ())]

    def same(self, old, new):
        # An alias stored with spaces around it is the name the import reads.
        return set(new) == {plain_text(name) for name in old}

    def before(self, plan, sheet):
        return [
            {"name": a.name, "kind": a.kind, "language": a.language, "note": a.note}
            for a in sheet.aliases.get(plan.instance.pk, ())
        ]

    def export(self, record, sheet):
        return "; ".join(alias.name for alias in record.aliases.all())


def actor_column(code, heading, help_text, example, attname):
    return ReferenceColumn(code, heading, help_text, example, lookup="actors", attname=attname)


class ActorSheet(CitedSheet):
    name = "actors"
    verbose_name = gettext_lazy("actors")
    model = Actor
    citation_model = ActorCitation
    order = 2
    chunk_size = None  # one chunk: rows may point at each other
    identifying = ("key", "name_ru")
    export_related = ("parent", "located_in")
    export_prefetch = ("aliases", "citations__source")
    field_columns = {"located_in": "region", "founded_on": "founded_on"}
    columns = [
        KeyColumn(
            "key",
            gettext_lazy("key"),
            gettext_lazy("Permanent identifier; made from the Russian name when empty."),
            "kaznu",
        ),
        Column("name_ru", gettext_lazy("name (Russian)"), "", "Казахский национальный университет"),
        Column(
            "name_en", gettext_lazy("name (English)"), "", "Al-Farabi Kazakh National University"
        ),
        ChoiceColumn(
            "kind",
            gettext_lazy("kind"),
            gettext_lazy("A code or a label: state, region, city, university, research…"),
            "university",
            choices=Actor.Kind,
        ),
        ChoiceColumn(
            "country",
            gettext_lazy("country"),
            gettext_lazy("RU, KZ, other, intl, or Russia, Kazakhstan…"),
            "KZ",
            choices=Actor.Country,
        ),
        actor_column(
            "parent",
            gettext_lazy("part of"),
            gettext_lazy("The body this one belongs to: key, name or other name."),
            "",
            "parent_id",
        ),
        actor_column(
            "region",
            gettext_lazy("located in"),
            gettext_lazy("The region, city or state: key, name or other name."),
            "Алматы",
            "located_in_id",
        ),
        DateColumn(
            "founded_on",
            gettext_lazy("founded"),
            gettext_lazy("1934, 01.1934 or 15.01.1934."),
            "1934",
        ),
        AliasesColumn(
            "aliases",
            gettext_lazy("other names"),
            gettext_lazy("Former names, acronyms, transliterations, separated by “;”."),
            "КазНУ; KazNU",
        ),
        *citation_columns(locator_example="с. 161"),
    ]

    def prepare(self, present):
        super().prepare(present)
        self.actors = actor_lookup()
        self.new_kinds = {}

    def load(self, records):
        super().load(records)
        self.aliases = defaultdict(list)
        for alias in ActorAlias.objects.filter(actor__in=list(records.values())).order_by("id"):
            self.aliases[alias.actor_id].append(alias)

    def announce(self, new):
        for row, key in new:
            names = [quiet_text(row, "name_ru"), quiet_text(row, "name_en")]
            names += split_list(quiet_text(row, "aliases"))
            self.actors.add(("new", key), key, *[n for n in names if n] or [key])
            try:
                self.new_kinds[("new", key)] = self.column("kind").parser.parse(
                    quiet_text(row, "kind")
                )
            except CellError:
                pass  # reported when the row itself is read

    def key_source(self, row):
        # An actor's key is its Russian name: a corrected founding date keeps the key.
        return quiet_text(row, "name_ru"), ""

    def ident(self, plan):
        return plan.instance.pk or ("new", plan.key)

    def set_reference(self, plan, column, ident):
        if ident is INVALID:
            return
        attname = column.attname
        old = getattr(plan.instance, attname)
        pending = plan.parts.setdefault("pending", {})
        if ident == old and attname not in pending:
            return
        plan.change(column.code, self.actors.label(old) if old else "", self.actors.label(ident))
        plan.fields.add(attname)
        if isinstance(ident, tuple):
            pending[attname] = ident
            setattr(plan.instance, attname, None)
        else:
            setattr(plan.instance, attname, ident)
        plan.parts.setdefault("refs", {})[attname] = ident

    def fill(self, plan):
        super().fill(plan)
        # The search text the write gives the actor holds the names the row gives it.
        aliases = plan.parts["aliases"]
        column = self.column("aliases")
        plan.instance.planned_aliases = column.old(plan, self) if aliases is None else aliases

    def plan(self, rows):
        plans = super().plan(rows)
        parents = {}
        for plan in plans:
            if plan.ok and plan.key:
                refs = plan.parts.get("refs", {})
                if "parent_id" in refs:
                    parents[self.ident(plan)] = refs["parent_id"]
        for plan in plans:
            if plan.ok and plan.key:
                self.check(plan, parents)
        return plans

    def parent_of(self, ident, parents):
        if ident in parents:
            return parents[ident]
        record = self.actors.records.get(ident)
        return record.parent_id if record is not None else None

    def check(self, plan, parents):
        """Actor.clean(), for actors that may point at rows not yet written."""
        instance, me = plan.instance, self.ident(plan)
        errors = {}
        check_partial_date(instance, "founded_on", errors)
        check_date_order(
            instance,
            "founded_on",
            "dissolved_on",
            errors,
            _("An actor cannot end before it begins."),
        )
        refs = plan.parts.get("refs", {})
        parent = refs.get("parent_id", instance.parent_id)
        if parent is not None and parent == me:
            errors["parent"] = _("An actor cannot be a part of itself.")
        elif parent is not None:
            seen, current = set(), parent
            while current is not None and current not in seen:
                if current == me:
                    errors["parent"] = _("This would make the actor a part of its own branch.")
                    break
                seen.add(current)
                current = self.parent_of(current, parents)
        place = refs.get("located_in_id", instance.located_in_id)
        if place is not None and place == me:
            errors["region"] = _("An actor cannot be located in itself.")
        elif place is not None:
            record = self.actors.records.get(place)
            kind = record.kind if record is not None else self.new_kinds.get(place)
            if kind not in PLACES:
                errors["region"] = _("An actor is located in a state, a region or a city.")
        for code, message in errors.items():
            column = code if code in self.codes() else ""
            plan.row.problem(column, message, value=plan.row.shown(column) if column else "")

    def validate(self, plan, exclude_fk=True, clean=True, partial=False):
        super().validate(plan, exclude_fk, clean=False, partial=partial)

    def planned(self, plan):
        refs = plan.parts.get("refs", {})
        records = self.actors.records
        return {
            **super().planned(plan),
            # An actor the same file creates is published with it: None here.
            "parent": records.get(refs.get("parent_id", plan.instance.parent_id)),
            "located_in": records.get(refs.get("located_in_id", plan.instance.located_in_id)),
        }

    def create(self, plans):
        self.created = {}
        remaining = list(plans)
        while remaining:
            ready = [
                p
                for p in remaining
                if all(i in self.created for i in p.parts.get("pending", {}).values())
            ]
            if not ready:  # check() refuses cycles; this is a safeguard
                raise RuntimeError("circular parents among new actors")
            for plan in ready:
                for attname, ident in plan.parts.get("pending", {}).items():
                    setattr(plan.instance, attname, self.created[ident])
            insert([p.instance for p in ready])
            for plan in ready:
                self.created[("new", plan.key)] = plan.instance.pk
            done = {id(p) for p in ready}
            remaining = [p for p in remaining if id(p) not in done]

    def resolve(self, plans):
        for plan in plans:
            for attname, ident in plan.parts.get("pending", {}).items():
                setattr(plan.instance, attname, self.created[ident])

    def write_parts(self, plans, batch):
        new, gone = [], []
        for plan in plans:
            old = {a.name: a for a in self.aliases.get(plan.instance.pk, ())}
            names = plan.parts.get("aliases")
            if names is None:
                continue
            new += [
                (plan, ActorAlias(actor=plan.instance, name=name, kind=ActorAlias.Kind.OTHER))
                for name in names
                if name not in old
            ]
            gone += [alias.pk for name, alias in old.items() if name not in names]
        if gone:
            # One by one, so that each removal is in the history.
            for alias in ActorAlias.objects.filter(pk__in=gone):
                writing.delete(alias, self.user, _("Removed by a spreadsheet import"))
        insert([alias for _p, alias in new])
        record_history(
            [alias for _p, alias in new],
            self.user,
            [self.reason(batch, p.row.number) for p, _a in new],
        )
        return self.write_citations(plans, batch)

    def restore(self, instance, before, user, reason):
        super().restore(instance, before, user, reason)
        if "aliases" not in before:
            return
        wanted = {a["name"]: a for a in before["aliases"]}
        for alias in instance.aliases.all():
            if alias.name not in wanted:
                writing.delete(alias, user, reason)
            else:
                wanted.pop(alias.name)
        for values in wanted.values():
            writing.save(ActorAlias(actor=instance, **values), user, reason)

    def export_queryset(self):
        return Actor.objects.all()


def register_sheets():
    register(ActorSheet)
