"""Writing what an import planned, in one transaction: records through the write path's
bulk functions (rkst.workflow.writing), their parts, and an ImportRow for each record the
import created or changed, so that the batch can be shown on the record and undone."""

from django.contrib.contenttypes.models import ContentType
from django.utils import timezone

from ..models import ImportRow, PublicationState
from ..workflow.writing import (
    copy_rows,
    insert,
    prepare_write,
    record_history,
    record_transitions,
    update_records,
)
from .planning import snapshot


def note_rows(batch, entries):
    """ImportRows for (instance, row number, action, before, history id) entries."""
    types = {}
    rows = []
    for instance, number, action, before, history_id in entries:
        model = type(instance)
        if model not in types:
            types[model] = ContentType.objects.get_for_model(model).pk
        rows.append((batch.pk, types[model], instance.pk, number, action, before, history_id))
    names = [
        "batch_id", "content_type_id", "object_id", "row_number", "action", "before", "history_id"
    ]  # fmt: skip
    copy_rows(ImportRow, names, rows)


class RecordWriting:
    """How a sheet of records writes its planned rows: through the write path's bulk
    functions, then the parts (parties, aliases, citations) that each sheet writes."""

    def write(self, plans, batch):
        """Write the planned records through the write path's bulk functions
        (rkst.workflow.writing): stamped, counted, with their history and transitions as a
        save in the admin makes them. Publishing is a transition after the save there, and
        so it is here: the record is written in the state it had, then published."""
        creates = [p for p in plans if p.action == "create"]
        updates = [p for p in plans if p.action == "update"]
        touched = creates + updates
        now = timezone.now()
        publishing = [p for p in touched if "state" in p.fields and p.instance.is_published]
        states_before = [
            p.before["fields"]["state"] if p.before else PublicationState.DRAFT for p in publishing
        ]
        for plan, state in zip(publishing, states_before, strict=True):
            plan.instance.state = state
        for plan in creates:
            prepare_write(plan.instance, now)
        self.create(creates)
        self.resolve(touched)
        if updates:
            update_records(
                self.model,
                [p.instance for p in updates],
                set().union(*(p.fields for p in updates)),
                now,
            )
        parts = self.write_parts(touched, batch)
        histories = dict(
            zip(
                map(id, touched),
                record_history(
                    [p.instance for p in touched],
                    self.user,
                    [self.reason(batch, p.row.number) for p in touched],
                    ["+" if p.action == "create" else "~" for p in touched],
                ),
                strict=True,
            )
        )
        if publishing:
            records = [p.instance for p in publishing]
            reasons = [self.reason(batch, p.row.number) for p in publishing]
            for record in records:
                record.state = PublicationState.PUBLISHED
            update_records(self.model, records, {"state"}, now)
            # The import's last history entry of each record: a later one is an edit.
            histories.update(
                zip(
                    map(id, publishing),
                    record_history(records, self.user, reasons, "~"),
                    strict=True,
                )
            )
            record_transitions(
                list(zip(records, states_before, strict=True)), self.user, reasons, now
            )
        note_rows(
            batch,
            [(p.instance, p.row.number, p.action, p.before, histories[id(p)]) for p in touched]
            + parts,
        )

    def shows_publicly(self, report):
        # New drafts, with their parts, are seen by curators only, and a file that changed
        # nothing changed nothing public: the readers' caches stay.
        return bool(report.counts["update"] or (self.publish and report.counts["create"]))

    def create(self, plans):
        insert([p.instance for p in plans])

    def resolve(self, plans):
        """Point the rows at records created just now (a parent in the same file)."""

    def write_parts(self, plans, batch):
        """Write the rows' parts; return ImportRow entries for parts of existing records."""
        return []


class CitationWriting:
    """How a sheet whose rows cite a source writes the citations its rows add or change."""

    def write_citations(self, plans, batch):
        now = timezone.now()
        new, changed, entries = [], [], []
        for plan in plans:
            citation = plan.parts.get("citation")
            if citation is None:
                continue
            if citation[0] == "create":
                _action, source, locator, quote = citation
                obj = self.citation_model(
                    record=plan.instance,
                    source_id=source,
                    locator=locator,
                    quote=quote,
                    added_by=self.user,
                    added_at=now,
                )
                new.append((plan, obj))
            else:
                _action, obj, quote = citation
                before = {"fields": snapshot(obj)}
                obj.quote = quote
                changed.append((plan, obj, before))
        insert([obj for _p, obj in new])
        self.citation_model.objects.bulk_update(
            [obj for _p, obj, _b in changed], ["quote"], batch_size=1000
        )
        histories = record_history(
            [obj for _p, obj in new], self.user, [self.reason(batch, p.row.number) for p, _o in new]
        )
        entries += [
            (obj, p.row.number, "create", None, h)
            for (p, obj), h in zip(new, histories, strict=True)
        ]
        histories = record_history(
            [obj for _p, obj, _b in changed],
            self.user,
            [self.reason(batch, p.row.number) for p, _o, _b in changed],
            "~",
        )
        entries += [
            (obj, p.row.number, "update", before, h)
            for (p, obj, before), h in zip(changed, histories, strict=True)
        ]
        return entries
