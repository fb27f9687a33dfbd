"""Undoing an import as a whole: what it changed restored, what it created deleted, all or
nothing, and only when nothing it wrote was edited since."""

from collections import defaultdict

from django.db import models, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import CatalogueVersion, ImportBatch, ImportRow
from ..workflow import writing
from .planning import restore_fields
from .sheets import get_sheet


class UndoRefused(Exception):
    def __init__(self, problems):
        super().__init__("; ".join(problems))
        self.problems = problems


def undo_problems(batch):
    """Why the batch cannot be undone: records edited or deleted since."""
    if batch.status != ImportBatch.Status.IMPORTED:
        return [_("Only an import that was carried out can be undone.")]
    problems = []
    rows = list(batch.rows.select_related("content_type"))
    by_type = defaultdict(list)
    for row in rows:
        by_type[row.content_type].append(row)
    for content_type, group in by_type.items():
        model = content_type.model_class()
        pk_name = model._meta.pk.attname
        latest = dict(
            model.history.filter(**{f"{pk_name}__in": [r.object_id for r in group]})
            .values_list(pk_name)
            .annotate(latest=Max("history_id"))
        )
        alive = set(
            model._default_manager.filter(pk__in=[r.object_id for r in group]).values_list(
                "pk", flat=True
            )
        )
        for row in group:
            if row.object_id not in alive:
                problems.append(
                    _("Row %(row)s: the %(what)s it imported was deleted since.")
                    % {"row": row.row_number, "what": model._meta.verbose_name}
                )
            elif latest.get(row.object_id) != row.history_id:
                problems.append(
                    _("Row %(row)s: “%(record)s” was edited since the import.")
                    % {
                        "row": row.row_number,
                        "record": model._default_manager.get(pk=row.object_id),
                    }
                )
    return problems


def undo(batch, user):
    """Restore what the batch changed and delete what it created, all or nothing."""
    problems = undo_problems(batch)
    if problems:
        raise UndoRefused(problems)
    sheet = get_sheet(batch.sheet)(user=user)
    reason = _("Undo of import #%(batch)s (“%(file)s”)") % {
        "batch": batch.pk,
        "file": batch.file_name,
    }
    rows = list(batch.rows.select_related("content_type").order_by("-id"))

    def record(row):
        return row.content_type.model_class()._default_manager.get(pk=row.object_id)

    with transaction.atomic():
        # Changes first: a changed record may point at one the batch created.
        for row in rows:
            if row.action == ImportRow.Action.UPDATE:
                instance = record(row)
                if type(instance) is sheet.model:
                    sheet.restore(instance, row.before, user, reason)
                else:
                    restore_fields(instance, row.before["fields"])
                    writing.save(instance, user, reason)
        # Then what the batch created, in as many passes as records of the batch point at
        # each other (a branch before its parent).
        created = [row for row in rows if row.action == ImportRow.Action.CREATE]
        while created:
            refused = []
            for row in created:
                instance = record(row)
                try:
                    with transaction.atomic():
                        writing.delete(instance, user, reason)
                except models.ProtectedError as error:
                    refused.append((row, instance, error))
            if len(refused) == len(created):
                row, instance, error = refused[0]
                used_by = ", ".join(str(o) for o in list(error.protected_objects)[:3])
                raise UndoRefused(
                    [
                        _("Row %(row)s: “%(record)s” is now used by %(others)s.")
                        % {"row": row.row_number, "record": instance, "others": used_by}
                    ]
                ) from error
            created = [row for row, _instance, _error in refused]
        batch.status = ImportBatch.Status.UNDONE
        batch.undone_at = timezone.now()
        batch.undone_by = user
        batch.save()
        CatalogueVersion.bump()
