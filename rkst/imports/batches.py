"""Running an import: the file read and every row checked (a preview), then read and checked
again and written in one transaction (a confirmation), all or nothing. The admin and the
`import_sheet` command go through these."""

import datetime
import itertools
from collections import Counter
from contextlib import suppress

from django.db import DatabaseError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .. import workflow
from ..models import CatalogueVersion, ImportBatch
from ..search import normalise
from ..serving import close_broken_connections, connection_lost
from . import jobs
from .cells import CellError, cell_text
from .reading import Formula, ImportRefused, column_letters, read_table
from .rows import Row
from .sheets import get_sheet

# How many problems and rows a report keeps to show; it counts them all. A row shows every
# value of a new record: 200 of them make a page that renders in a fraction of a second.
SHOWN_PROBLEMS = 1000
SHOWN_ROWS = 200


class Report:
    """What an import found or did: counts, every problem (the first thousand kept to show),
    and the rows with their changes."""

    def __init__(self, sheet_name, file_name):
        self.sheet, self.file_name = sheet_name, file_name
        self.counts = Counter()
        self.problems, self.problem_count = [], 0
        self.rows, self.rows_total = [], 0
        self.refused = ""
        self.versions = {}

    @property
    def ok(self):
        return not self.refused and not self.problem_count

    def add(self, plan):
        self.rows_total += 1
        if plan.row.problems:
            self.problem_count += len(plan.row.problems)
            room = SHOWN_PROBLEMS - len(self.problems)
            self.problems.extend(plan.row.problems[: max(room, 0)])
            action = "error"
        else:
            action = plan.action
            self.counts[action] += 1
        if len(self.rows) < SHOWN_ROWS:
            self.rows.append(
                {
                    "row": plan.row.number,
                    "action": action,
                    "key": plan.key,
                    "label": plan.label,
                    "changes": plan.changes,
                }
            )

    def refuse(self, message):
        self.refused = str(message)

    @classmethod
    def from_json(cls, data):
        report = cls(data["sheet"], data["file_name"])
        report.counts.update(data["counts"])
        report.problems, report.problem_count = data["problems"], data["problem_count"]
        report.rows, report.rows_total = data["rows"], data["rows_total"]
        report.refused, report.versions = data["refused"], data["versions"]
        return report

    def as_json(self):
        return {
            "sheet": self.sheet,
            "file_name": self.file_name,
            "counts": dict(self.counts),
            "problems": self.problems,
            "problem_count": self.problem_count,
            "rows": self.rows,
            "rows_total": self.rows_total,
            "refused": self.refused,
            "versions": self.versions,
        }

    def lines(self):
        """The problems as lines of text, for the command."""
        if self.refused:
            return [self.refused]
        return [
            _("Row %(row)s, column “%(column)s”, value “%(value)s”: %(message)s") % p
            if p["column"]
            else _("Row %(row)s: %(message)s") % p
            for p in self.problems
        ]


class _Rollback(Exception):
    pass


def map_headers(sheet, cells, row=1):
    """Column indexes by code, from the header row; ImportRefused names what is wrong."""
    names = {}
    for column in sheet.columns:
        for name in column.names():
            names.setdefault(name, column.code)
    found, unknown, twice = {}, [], []
    for index, cell in enumerate(cells):
        try:
            heading = cell_text(cell) if not isinstance(cell, Formula) else str(cell)
        except CellError as error:
            raise ImportRefused(
                _("Row %(row)s, column %(column)s: %(message)s")
                % {"row": row, "column": column_letters(index), "message": error}
            ) from error
        if not heading:
            continue
        code = names.get(normalise(heading))
        if code is None:
            unknown.append(heading)
        elif code in found:
            twice.append(heading)
        else:
            found[code] = index
    problems = []
    if unknown:
        problems.append(
            _("Unknown columns: %(columns)s. The columns of this sheet are: %(codes)s.")
            % {"columns": ", ".join(f"“{h}”" for h in unknown), "codes": ", ".join(sheet.codes())}
        )
    if twice:
        problems.append(
            _("Columns given twice: %(columns)s.") % {"columns": ", ".join(f"“{h}”" for h in twice)}
        )
    if not problems and not any(code in found for code in sheet.identifying):
        problems.append(
            _("The sheet needs one of the columns %(columns)s.")
            % {"columns": ", ".join(sheet.identifying)}
        )
    if problems:
        raise ImportRefused(" ".join(problems))
    return found


def may_publish(user, sheet):
    """Whether `user` may publish the records of `sheet` on import: the workflow's right."""
    return (
        sheet.publishable
        and user is not None
        and workflow.has_publish_permission(user, sheet.model)
    )


def run_import(
    sheet_name, fileobj, file_name="", *, user=None, publish=False, batch=None, progress=None
):
    """Check every row of the file and, when `batch` is given and no row is bad, write them
    all in one transaction. Returns a Report; writes nothing when the report is not ok."""
    sheet = get_sheet(sheet_name)(user=user, publish=publish)
    report = Report(sheet_name, file_name)
    if sheet.publish and not may_publish(user, sheet):
        records = sheet.model._meta.verbose_name_plural
        if user is None:
            message = _(
                "Publishing on import needs the account of an editor who may publish "
                "%(records)s (the command's --user): nothing was written."
            ) % {"records": records}
        else:
            message = _(
                "%(user)s may not publish %(records)s, so nothing was written: import them "
                "as drafts, or as an editor."
            ) % {"records": records, "user": user.get_username()}
        report.refuse(message)
        return report
    # The versions of the records the preview saw, which the confirmation checks.
    sheet.versions = report.versions
    sheet.locking = batch is not None
    sheet.expected_versions = (batch.report or {}).get("versions") if batch is not None else None
    try:
        table = read_table(fileobj, file_name)
        rows = iter(table.rows)
        header = next(rows, None)
        if header is None:
            raise ImportRefused(_("The sheet is empty."))
        columns = map_headers(sheet, header[1], header[0])
        if batch is None:
            _plan_all(sheet, columns, rows, report, None, progress, table.estimated_rows)
        else:
            try:
                with transaction.atomic():
                    _plan_all(sheet, columns, rows, report, batch, progress, table.estimated_rows)
                    if not report.ok:
                        raise _Rollback
                    _still_ours(batch, report)
                    batch.status = ImportBatch.Status.IMPORTED
                    batch.imported_at = batch.finished_at = timezone.now()
                    batch.worker = ""
                    batch.rows_total = batch.rows_done = report.rows_total
                    batch.created = report.counts["create"]
                    batch.updated = report.counts["update"]
                    batch.unchanged = report.counts["unchanged"]
                    batch.report = report.as_json()
                    batch.save()
                    if sheet.shows_publicly(report):
                        CatalogueVersion.bump()
            except _Rollback:
                pass
    except ImportRefused as error:
        report.refuse(error)
    return report


def _still_ours(batch, report):
    """The batch is still this worker's to write: one marked failed meanwhile (its worker
    silent past the lease, see rkst.imports.jobs) is not written, so that a batch said to
    have failed never turns out imported. The row stays locked until the commit."""
    current = (
        ImportBatch.objects.select_for_update()
        .filter(pk=batch.pk)
        .values_list("status", "worker")
        .first()
    )
    if current != (ImportBatch.Status.IMPORTING, batch.worker):
        report.refuse(
            _(
                "The import was marked as failed while it ran, its worker having been silent "
                "too long: nothing was written."
            )
        )
        raise _Rollback


def _plan_all(sheet, columns, rows, report, batch, progress, estimated):
    sheet.prepare(set(columns))
    size = sheet.chunk_size or float("inf")
    done = 0
    while True:
        chunk = []
        width = max(columns.values()) + 1
        for number, cells in itertools.islice(rows, size) if size != float("inf") else rows:
            row = Row(
                number,
                {code: cells[i] if i < len(cells) else None for code, i in columns.items()},
            )
            if len(cells) > width or len(columns) < width:
                unread = [
                    cell
                    for index, cell in enumerate(cells)
                    if cell not in (None, "") and index not in columns.values()
                ]
                if unread:
                    # Nothing is dropped silently, not even a value under no heading.
                    row.problem(
                        "", _("A value stands in a column without a heading."), str(unread[0])
                    )
            chunk.append(row)
        if not chunk:
            break
        plans = sheet.plan(chunk)
        for plan in plans:
            report.add(plan)
        if batch is not None and report.ok:
            sheet.write(plans, batch)
        done += len(chunk)
        if progress:
            progress(done, estimated)
        if size == float("inf"):
            break


def new_batch(sheet_name, file_name, content, user=None, publish=False):
    """An ImportBatch holding the uploaded file (a django File), kept under MEDIA_ROOT."""
    get_sheet(sheet_name)  # KeyError for an unknown sheet
    batch = ImportBatch(sheet=sheet_name, file_name=file_name[:255], user=user, publish=publish)
    extension = file_name.rsplit(".", 1)[-1].lower() if "." in file_name else "csv"
    batch.file.save(f"{sheet_name}.{extension[:5]}", content, save=False)
    batch.save()
    return batch


def _import_file(batch, progress, write=False):
    """run_import() on the batch's stored file, writing into the batch when `write`."""
    with batch.file.open("rb") as fileobj:
        return run_import(
            batch.sheet,
            fileobj,
            batch.file_name,
            user=batch.user,
            publish=batch.publish,
            batch=batch if write else None,
            progress=progress,
        )


def preview(batch, progress=None, *, worker=None):
    """Check the batch's file and keep the report to show; writes no record. `worker` names
    the worker that claimed the batch's queued check (rkst.imports.queue)."""
    if worker is None:
        report = _import_file(batch, progress)
        batch.report = report.as_json()
        batch.rows_total = report.rows_total
        batch.save(update_fields=["report", "rows_total"])
        return report
    with jobs.Heartbeat(batch, worker, progress) as beat:
        try:
            report = _import_file(batch, beat.progress)
        except Exception as error:
            _crashed(batch, worker, error)
            raise
    fields = {"report": report.as_json(), "rows_total": report.rows_total}
    if report.refused:
        # A file refused whole is kept nowhere; the batch says why until it is removed.
        batch.file.delete(save=False)
        jobs.finish(batch, worker, ImportBatch.Status.FAILED, file="", **fields)
    else:
        jobs.finish(batch, worker, ImportBatch.Status.PREVIEW, **fields)
    return report


class ConnectionLost(Exception):
    """The database connection was lost while a batch was confirmed, before it committed:
    nothing of the batch was written."""


def confirm(batch, progress=None, *, worker=None):
    """Read the stored file again, check every row again against the catalogue as it is
    now, and write everything or nothing. Raises ConnectionLost when the database went away
    before the batch was committed.

    The batch is claimed first (rkst.imports.jobs), so that it is imported once however
    often it is confirmed; a queued confirmation comes with the `worker` that claimed it."""
    if worker is None:
        worker = jobs.claim(batch, ImportBatch.Status.PREVIEW, ImportBatch.Status.IMPORTING)
        if worker is None:
            batch.refresh_from_db()
            report = Report(batch.sheet, batch.file_name)
            if batch.status in jobs.RUNNING:
                report.refuse(_("This file is being imported."))
            else:
                report.refuse(_("This file has already been imported."))
            return report
    with jobs.Heartbeat(batch, worker, progress) as beat:
        try:
            return _confirm(batch, beat.progress, worker)
        except Exception as error:  # Django's database errors, and psycopg's from COPY
            if not connection_lost(error):
                _crashed(batch, worker, error)
                raise
            close_broken_connections()
            imported = ImportBatch.objects.filter(
                pk=batch.pk, status=ImportBatch.Status.IMPORTED
            ).exists()
            if not imported:
                with suppress(DatabaseError):
                    jobs.finish(
                        batch,
                        worker,
                        ImportBatch.Status.PREVIEW,
                        ImportBatch.Error.CONNECTION_LOST,
                    )
                raise ConnectionLost(str(error).strip()) from error
            # The batch was committed; what failed came after it (the commit's answer, or
            # the renewal of the readers' caches), which is made good here.
            CatalogueVersion.bump()
            batch.refresh_from_db()
            return Report.from_json(batch.report)


def _confirm(batch, progress, worker):
    report = _import_file(batch, progress, write=True)
    if not report.ok and batch.status == ImportBatch.Status.IMPORTING:
        # Nothing was written: the batch is a preview again, with what is wrong now.
        jobs.finish(
            batch,
            worker,
            ImportBatch.Status.PREVIEW,
            ImportBatch.Error.PROBLEMS,
            report=report.as_json(),
        )
    return report


def _crashed(batch, worker, error):
    with suppress(DatabaseError):
        jobs.finish(
            batch,
            worker,
            ImportBatch.Status.FAILED,
            ImportBatch.Error.CRASHED,
            f"{type(error).__name__}: {error}",
        )


def discard(batch):
    """Delete a batch that was not imported, and its file."""
    batch.file.delete(save=False)
    batch.delete()


def remove_stale_previews(age=datetime.timedelta(days=2)):
    """Delete previews never confirmed and imports that failed, and their files."""
    stale = ImportBatch.objects.filter(
        status__in=[ImportBatch.Status.PREVIEW, ImportBatch.Status.FAILED],
        created_at__lt=timezone.now() - age,
    )
    for batch in stale:
        discard(batch)
