"""Merging duplicate records: one record stays and takes over everything that pointed at the
others, which are deleted (their history keeps them) and whose keys answer with a redirect to
the one that stays (rkst.KeyRedirect).

What moves is found from the models, not listed by hand: every foreign key of every installed
model that points at the merged model (`relations_to`), so that a relation added later moves
too. The history (simple-history's tables) is not moved: it tells what was.

A relation whose rows belong to the merged record (deleted with it: its other names, its
citations) moves them, and a row the record that stays already has (the same name, the same
source at the same place) is dropped as a duplicate. A relation of another record (a party to
an agreement, a project's participant, a sub-unit) is moved, and the merge is refused when a
row would then appear twice (the same agreement would have the same actor twice).

The merge is refused, with every reason and nothing written, when a record it changes would no
longer pass its own validation (an actor part of itself, a party on the wrong side), when a
published record would be replaced by a draft, when the record that stays is published and
would no longer be publishable, and when anything changed since the preview. A model adds its
own rules, other writes and warnings in a Merger subclass (actors.merge).
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from simple_history.models import HistoricalChanges

from .. import workflow
from ..models import KeyRedirect, RecordChanged
from . import quoted, writing


def relations_to(model):
    """Every foreign key (or one-to-one) of an installed model that points at `model`, as
    (model, field) pairs, except the history's."""
    found = []
    for related in apps.get_models(include_auto_created=True):
        if issubclass(related, HistoricalChanges) or related._meta.proxy:
            continue
        for candidate in related._meta.concrete_fields:
            if candidate.is_relation and candidate.related_model is model:
                found.append((related, candidate))
    return found


def relation_key(related, model_field):
    return f"{related._meta.label_lower}.{model_field.name}"


def _unique_sets(related, model_field):
    """The sets of fields that are unique together and include `model_field`."""
    meta = related._meta
    sets = [tuple(c.fields) for c in meta.total_unique_constraints]
    sets += [tuple(names) for names in meta.unique_together]
    if model_field.unique:
        sets.append((model_field.name,))
    return [names for names in sets if model_field.name in names]


def _messages(instance):
    try:
        instance.clean()
    except ValidationError as error:
        return error.messages
    return []


@dataclass
class Move:
    """One row that points at a merged record: moved to the record that stays, or dropped
    as a duplicate of a row that record has."""

    key: str
    label: str
    row: object
    owner: object
    dropped: bool = False

    def __str__(self):
        if self.owner is not None and self.owner != self.row:
            return f"{self.owner} — {self.row}"
        return str(self.row)


@dataclass
class MergePlan:
    kept: object
    others: list
    moves: list = field(default_factory=list)
    fills: list = field(default_factory=list)  # (label, old, new) of the kept record
    extra: list = field(default_factory=list)  # (label, text) of the model's own writes
    refusals: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def groups(self):
        """(label, moves) per relation, in the order found, for the preview."""
        grouped = defaultdict(list)
        for move in self.moves:
            grouped[move.label].append(move)
        return list(grouped.items())

    def fingerprint(self):
        """What the preview saw: the versions of the merged records and the rows that move,
        compared at the confirmation."""
        return {
            "versions": {str(r.pk): r.version for r in [self.kept, *self.others]},
            "moves": sorted(f"{m.key}:{m.row.pk}:{int(m.dropped)}" for m in self.moves),
        }


class MergeRefused(Exception):
    def __init__(self, reasons):
        super().__init__("; ".join(str(r) for r in reasons))
        self.reasons = [str(r) for r in reasons]


class Merger:
    """Merges records of `model` (which has a `key`, a `version` and a publication state).
    Subclasses name the relations for the preview (`labels`, by "app.model.field") and add
    their own rules (`check`), writes (`prepare`, `write_extra`) and warnings."""

    model = None
    labels = {}
    # Merged records at most: the preview lists each.
    most = 20
    # Fields of the record that stays taken from a merged one when it has none.
    fill_fields = ()

    def __init__(self, kept, others):
        self.kept, self.others = kept, list(others)
        self.other_ids = {o.pk for o in self.others}

    @staticmethod
    def describe(record):
        """The record as the choice of the one that stays shows it."""
        return f"{record} ({record.key}; {record.get_state_display()})"

    # Planning
    def label(self, related, model_field):
        label = self.labels.get(relation_key(related, model_field))
        if label is not None:
            return str(label)
        return f"{capfirst(related._meta.verbose_name_plural)}: {model_field.verbose_name}"

    def plan(self, lock=False):
        plan = MergePlan(self.kept, self.others)
        kept = self.kept
        before = {"kept": set(_messages(kept))}
        published = kept.is_published
        if published:
            before["publication"] = {str(r) for _l, r in workflow.publication_problems(kept)}
        self.fill(plan)
        # One instance a row, however many of its fields move: (model, pk) -> instance.
        instances = {(self.model, kept.pk): kept}
        changed = {}  # (model, pk) -> (instance, messages before)
        for related, model_field in relations_to(self.model):
            rows = related._default_manager.filter(**{f"{model_field.name}__in": self.other_ids})
            if related is self.model:
                rows = rows.exclude(pk__in=self.other_ids)
            if lock:
                rows = rows.select_for_update()
            rows = list(rows.order_by("pk"))
            if not rows:
                continue
            key, label = relation_key(related, model_field), self.label(related, model_field)
            part = model_field.remote_field.on_delete is models.CASCADE
            duplicates = self.duplicates(related, model_field, rows)
            for row in rows:
                row = instances.setdefault((related, row.pk), row)
                move = Move(key, label, row, self.owner(row, model_field))
                plan.moves.append(move)
                if row.pk in duplicates:
                    if part:
                        move.dropped = True
                        continue
                    plan.refusals.append(
                        _(
                            "%(record)s: “%(kept)s” would appear twice (%(relation)s). "
                            "Remove one of them first."
                        )
                        % {"record": quoted(move.owner or row), "kept": kept, "relation": label}
                    )
                    continue
                identity = (related, row.pk)
                if identity not in changed and row is not kept:
                    changed[identity] = (row, set(_messages(row)))
                setattr(row, model_field.name, kept)
        for row, messages_before in changed.values():
            new = [m for m in _messages(row) if m not in messages_before]
            if new:
                plan.refusals.append(f"{quoted(row)}: {' '.join(new)}")
        new = [m for m in _messages(kept) if m not in before["kept"]]
        if new:
            plan.refusals.append(f"{quoted(kept)}: {' '.join(new)}")
        self.prepare(plan)
        self.check(plan)
        if any(o.is_published for o in self.others) and not published:
            plan.refusals.append(
                _(
                    "“%(kept)s” is not published while a record merged into it is: publish "
                    "it first, or keep the published one."
                )
                % {"kept": kept}
            )
        if published:
            citations = self.planned_citations(plan)
            for _link, reason in workflow.publication_problems(kept, citations):
                if str(reason) not in before["publication"]:
                    plan.refusals.append(f"{quoted(kept)}: {reason}")
        return plan

    def owner(self, row, model_field):
        """The record a row belongs to (an agreement for its party), None for a record."""
        for candidate in type(row)._meta.concrete_fields:
            if (
                candidate.many_to_one
                and candidate is not model_field
                and candidate.remote_field.on_delete is models.CASCADE
            ):
                return getattr(row, candidate.name)
        return None

    def duplicates(self, related, model_field, rows):
        """The pks of `rows` that would repeat, once moved, a row unique with the kept one."""
        found = set()
        for names in _unique_sets(related, model_field):
            others = [related._meta.get_field(n).attname for n in names if n != model_field.name]
            held = related._default_manager.filter(**{model_field.name: self.kept})
            if others:
                seen = set(held.values_list(*others))
            else:  # a one-to-one: the kept record may hold one row only
                seen = {()} if held.exists() else set()
            for row in rows:
                values = tuple(getattr(row, a) for a in others)
                if values in seen:
                    found.add(row.pk)
                seen.add(values)
        return found

    def planned_citations(self, plan):
        relation = getattr(type(self.kept), "citations", None)
        if relation is None:
            return None
        kept = list(self.kept.citations.select_related("source", "found_in"))
        moved = [
            m.row
            for m in plan.moves
            if not m.dropped and isinstance(m.row, relation.rel.related_model)
        ]
        return {"citations": kept + moved}

    def fill(self, plan):
        """The kept record's empty fields take a merged record's value."""
        for name in self.fill_fields:
            model_field = self.model._meta.get_field(name)
            if getattr(self.kept, model_field.attname) not in (None, ""):
                continue
            for other in self.others:
                value = getattr(other, name)
                if value in (None, "") or not self.may_fill(model_field, value):
                    continue
                setattr(self.kept, name, value)
                precision = f"{name}_precision"
                if hasattr(other, precision):
                    setattr(self.kept, precision, getattr(other, precision))
                shown = getattr(self.kept, f"get_{name}_display", lambda v=value: v)()
                plan.fills.append((capfirst(model_field.verbose_name), "—", str(shown)))
                break

    def may_fill(self, model_field, value):
        """A link is taken only to another record, and to a published one by a published
        record (which must stay publishable)."""
        if not model_field.is_relation:
            return True
        if value.pk == self.kept.pk or value.pk in self.other_ids:
            return False
        return not self.kept.is_published or getattr(value, "is_published", True)

    def prepare(self, plan):
        """The model's own writes, planned (shown in plan.extra)."""

    def check(self, plan):
        """The model's own refusals and warnings."""

    def write_extra(self, plan, user, reason):
        """The model's own writes, done before the kept record is saved."""

    # Writing
    def reasons(self, reason):
        others = ", ".join(quoted(o, o.key) for o in self.others)
        kept = quoted(self.kept, self.kept.key)
        return {
            "kept": _("Merged with %(others)s. %(reason)s") % {"others": others, "reason": reason},
            "other": _("Merged into %(kept)s. %(reason)s") % {"kept": kept, "reason": reason},
            "moved": _("Moved from %(others)s to %(kept)s in a merge. %(reason)s")
            % {"others": others, "kept": kept, "reason": reason},
        }

    def write(self, plan, user, reason):
        reasons = self.reasons(reason)
        rows = {}
        for move in plan.moves:
            if move.dropped:
                writing.delete(move.row, user, reasons["moved"])
            elif move.row is not self.kept:
                rows[(type(move.row), move.row.pk)] = move.row
        for row in rows.values():
            writing.save(row, user, reasons["moved"])
        self.write_extra(plan, user, reasons["moved"])
        writing.save(self.kept, user, reasons["kept"])
        pending = list(self.others)
        while pending:
            protected = []
            for other in pending:
                try:
                    with transaction.atomic():
                        writing.delete(other, user, reasons["other"])
                except models.ProtectedError:
                    protected.append(other)
            if len(protected) == len(pending):
                raise MergeRefused([_("“%(record)s” is still in use.") % {"record": protected[0]}])
            pending = protected
        for other in self.others:
            KeyRedirect.add(self.model, other.key, self.kept.key, reasons["other"][:300])


def merge(model, merger_class, kept_pk, other_pks, fingerprint, user, reason):
    """Merge, all or nothing, if nothing changed since the preview whose `fingerprint` was
    signed; raises MergeRefused with the reasons otherwise. Returns the kept record."""
    try:
        with transaction.atomic():
            locked = model._default_manager.select_for_update()
            records = locked.in_bulk([kept_pk, *other_pks])
            if len(records) != len({kept_pk, *other_pks}):
                raise MergeRefused([stale_message()])
            merger = merger_class(records[kept_pk], [records[pk] for pk in other_pks])
            plan = merger.plan(lock=True)
            if plan.fingerprint() != fingerprint:
                raise MergeRefused([stale_message()])
            if plan.refusals:
                raise MergeRefused(plan.refusals)
            merger.write(plan, user, reason)
    except RecordChanged as error:
        raise MergeRefused([stale_message()]) from error
    return merger.kept


def stale_message():
    return _(
        "Nothing was merged: the records or what points at them changed after the preview. "
        "Look at the preview again."
    )
