"""The import pages' parts: who may import and export a sheet, the upload form, the preview
and the job as the pages show them, and the template and export files."""

import csv
import io

from django import forms
from django.http import HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import imports
from ..exports import export_response
from ..models import ImportBatch
from . import jobs
from .reading import EXTENSIONS, limit


def can_import(user, sheet):
    model = sheet.model._meta
    return user.has_perm("rkst.import_sheets") and all(
        user.has_perm(f"{model.app_label}.{action}_{model.model_name}")
        for action in ("add", "change")
    )


can_publish = imports.may_publish


def can_export(user, sheet):
    model = sheet.model._meta
    return user.has_perm("rkst.export_sheets") and user.has_perm(
        f"{model.app_label}.view_{model.model_name}"
    )


class UploadForm(forms.Form):
    sheet = forms.ChoiceField(label=gettext_lazy("Sheet"))
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy(
            "XLSX, ODS or CSV (UTF-8 or Windows-1251; comma, semicolon or tab)."
        ),
    )
    publish = forms.BooleanField(
        label=gettext_lazy("Publish the imported records"),
        required=False,
        help_text=gettext_lazy(
            "Otherwise new records are drafts. Each published record needs a citation, and "
            "what it links to must be published."
        ),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["sheet"].choices = [
            (sheet.name, sheet.verbose_name.capitalize())
            for sheet in imports.sheets()
            if can_import(user, sheet)
        ]
        if not any(can_publish(user, sheet) for sheet in imports.sheets()):
            del self.fields["publish"]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        extension = upload.name.rsplit(".", 1)[-1].lower() if "." in upload.name else ""
        if extension not in EXTENSIONS:
            raise forms.ValidationError(
                _("Upload an .xlsx, .ods or .csv file, not “%(name)s”.") % {"name": upload.name}
            )
        if upload.size > limit("IMPORT_MAX_FILE_SIZE"):
            from django.template.defaultfilters import filesizeformat

            raise forms.ValidationError(
                _("The file is %(size)s; at most %(limit)s may be imported.")
                % {
                    "size": filesizeformat(upload.size),
                    "limit": filesizeformat(limit("IMPORT_MAX_FILE_SIZE")),
                }
            )
        return upload

    def clean(self):
        cleaned = super().clean()
        sheet = cleaned.get("sheet")
        if (
            sheet
            and cleaned.get("publish")
            and not can_publish(self.user, imports.get_sheet(sheet))
        ):
            self.add_error("publish", _("You may not publish these records."))
        return cleaned


def _columns(sheet):
    return [
        (column.code, column.heading, column.help_text, column.example) for column in sheet.columns
    ]


def report_context(report, sheet):
    """The stored report with column headings in the curator's language."""
    headings = {column.code: str(column.heading) for column in sheet.columns}
    problems = [
        {**problem, "heading": headings.get(problem["column"], problem["column"])}
        for problem in report.get("problems", [])
    ]
    actions = {
        "create": _("create"),
        "update": _("update"),
        "unchanged": _("unchanged"),
        "error": _("error"),
    }
    rows = [
        {
            **row,
            "action_label": actions.get(row["action"], row["action"]),
            "changes": [
                {"column": headings.get(c, c), "old": old, "new": new}
                for c, old, new in row["changes"]
            ],
        }
        for row in report.get("rows", [])
    ]
    counts = report.get("counts", {})
    return {
        "problems": problems,
        "problem_count": report.get("problem_count", 0),
        "rows": rows,
        "rows_total": report.get("rows_total", 0),
        "rows_hidden": max(report.get("rows_total", 0) - len(rows), 0),
        "problems_hidden": max(report.get("problem_count", 0) - len(problems), 0),
        "refused": report.get("refused", ""),
        "created": counts.get("create", 0),
        "updated": counts.get("update", 0),
        "unchanged": counts.get("unchanged", 0),
        "ok": not report.get("refused") and not report.get("problem_count"),
    }


def confirmable_statuses(batch):
    """Whether the batch may be confirmed: a preview, or an import that failed with its file
    still there (nothing was written; it may be tried again)."""
    return batch.status == ImportBatch.Status.PREVIEW or (
        batch.status == ImportBatch.Status.FAILED and bool(batch.file)
    )


def job_context(batch):
    """The batch's running job, for the pages: its state and how often the page refreshes."""
    job = jobs.state(batch)
    return {
        "job": job,
        "refresh": max(1, round(jobs.heartbeat_interval())),
        "failure": failure_message(batch),
    }


def failure_message(batch):
    """Why the batch's last job wrote nothing, in the curator's language."""
    Error = ImportBatch.Error
    if batch.error == Error.WORKER_LOST:
        heard = parse_datetime(batch.error_detail or "")
        when = date_format(localtime(heard), "DATETIME_FORMAT") if heard else "—"
        text = _(
            "The worker running this job stopped before it finished (it was last heard of "
            "at %(time)s). Its transaction was undone: nothing was written."
        ) % {"time": when}
        if batch.status == ImportBatch.Status.FAILED and batch.report.get("rows_total"):
            text += " " + _("Confirm the import again, or upload the file again.")
        else:
            text += " " + _("Upload the file again.")
        return text
    if batch.error == Error.CONNECTION_LOST:
        return _(
            "The connection to the database was lost during the import, so nothing "
            "was written. Confirm the import again."
        )
    if batch.error == Error.PROBLEMS:
        return _("Nothing was written: the file has problems now (listed below).")
    if batch.error == Error.CRASHED:
        return _("The import stopped on an unexpected error, so nothing was written: %(error)s") % {
            "error": batch.error_detail
        }
    if batch.status == ImportBatch.Status.FAILED and batch.report.get("refused"):
        return batch.report["refused"]
    return ""


def template_response(sheet, fmt):
    if fmt == "csv":
        buffer = io.StringIO()
        buffer.write("\ufeff")
        csv.writer(buffer).writerow(sheet.codes())
        response = HttpResponse(buffer.getvalue().encode(), content_type="text/csv; charset=utf-8")
    else:
        workbook = imports.template_workbook(sheet.name)
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(
            buffer.getvalue(),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
        fmt = "xlsx"
    response["Content-Disposition"] = f'attachment; filename="rkst-{sheet.name}-template.{fmt}"'
    return response


def export_sheet(sheet_name, fmt, queryset=None):
    sheet = imports.get_sheet(sheet_name)
    fmt = fmt if fmt in ("xlsx", "csv") else "xlsx"
    return export_response(
        fmt, sheet_name, sheet.codes(), imports.export_rows(sheet_name, queryset)
    )
