"""Spreadsheet import and export in the admin: upload, preview, confirm, undo, templates.

Upload saves the file in an ImportBatch (under MEDIA_ROOT, never in a process's memory) and
shows the preview; confirm reads the stored file again and checks every row again, so that a
row that turned bad in between writes nothing. Only users with the import permission (and the
right to add and change the sheet's records) may import; publishing on import needs the
model's publish permission; undo needs its own.
"""

from django.contrib import admin, messages
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, path, reverse
from django.utils import translation
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .. import imports
from ..models import ImportBatch, ImportRow
from ..workflow.admin import ReadOnlyAdmin
from . import jobs, queue
from .forms import (
    UploadForm,
    _columns,
    can_export,
    can_import,
    can_publish,
    confirmable_statuses,
    export_sheet,
    failure_message,
    job_context,
    report_context,
    template_response,
)
from .reading import limit


class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "__str__",
        "sheet",
        "status",
        "user",
        "created_at",
        "rows_total",
        "created",
        "updated",
        "unchanged",
    )
    list_filter = ("status", "sheet")
    list_select_related = ("user",)
    change_list_template = "admin/rkst/importbatch/change_list.html"
    change_form_template = "admin/rkst/importbatch/change_form.html"
    fields = (
        ("sheet", "status", "publish"),
        ("file_link", "user"),
        ("created_at", "imported_at"),
        ("queued_at", "started_at", "finished_at"),
        ("rows_total", "created", "updated", "unchanged"),
        ("undone_at", "undone_by"),
        "records",
    )
    readonly_fields = tuple(
        name for item in fields for name in (item if isinstance(item, tuple) else (item,))
    )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("upload/", view(self.upload_view), name="rkst_importbatch_upload"),
            path("<int:pk>/preview/", view(self.preview_view), name="rkst_importbatch_preview"),
            path("<int:pk>/undo/", view(self.undo_view), name="rkst_importbatch_undo"),
            path("<int:pk>/file/", view(self.file_view), name="rkst_importbatch_file"),
            path(
                "template/<str:sheet>/", view(self.template_view), name="rkst_importbatch_template"
            ),
            path("export/<str:sheet>/", view(self.export_view), name="rkst_importbatch_export"),
            *super().get_urls(),
        ]

    # Read-only display of a batch
    @admin.display(description=gettext_lazy("file"))
    def file_link(self, batch):
        if not batch.file:
            return batch.file_name  # refused whole, so not kept
        url = reverse("admin:rkst_importbatch_file", args=[batch.pk])
        return format_html('<a href="{}">{}</a>', url, batch.file_name)

    @admin.display(description=gettext_lazy("records"))
    def records(self, batch):
        rows = list(batch.rows.select_related("content_type")[:500])
        if not rows:
            return "—"
        # Each record by its title, read once per kind of record; a record deleted since
        # keeps its number.
        ids = {}
        for row in rows:
            ids.setdefault(row.content_type_id, set()).add(row.object_id)
        found = {}
        for row in rows:
            if row.content_type_id not in found:
                model = row.content_type.model_class()
                found[row.content_type_id] = model._default_manager.in_bulk(
                    ids[row.content_type_id]
                )
        items = []
        for row in rows:
            meta = row.content_type.model_class()._meta
            record = found[row.content_type_id].get(row.object_id)
            title = str(record) if record is not None else f"#{row.object_id}"
            try:
                url = reverse(
                    f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.object_id]
                )
            except NoReverseMatch:
                url = ""
            link = format_html('<a href="{}">{}</a>', url, title) if url and record else title
            items.append((row.row_number, row.get_action_display(), meta.verbose_name, link))
        table = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", items)
        more = batch.rows.count() - len(rows) if len(rows) == 500 else 0
        tail = format_html("<p>{}</p>", _("and %(count)s more") % {"count": more}) if more else ""
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("row"),
            _("action"),
            _("kind of record"),
            _("record"),
        )
        return format_html('<table id="records">{}{}</table>{}', head, table, tail)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        batch = self.get_object(request, object_id)
        extra = {}
        if batch is not None:
            if jobs.reap(ImportBatch.objects.filter(pk=batch.pk)):
                batch.refresh_from_db()
            sheet = imports.get_sheet(batch.sheet)
            extra = {
                "batch": batch,
                "can_undo": batch.status == ImportBatch.Status.IMPORTED
                and request.user.has_perm("rkst.undo_importbatch"),
                **job_context(batch),
                "report": report_context(batch.report, sheet) if batch.report else None,
            }
        return super().change_view(request, object_id, form_url, {**extra, **(extra_context or {})})

    def changelist_view(self, request, extra_context=None):
        extra = {"can_import": any(can_import(request.user, s) for s in imports.sheets())}
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    # Views
    def _context(self, request, title, **kwargs):
        return {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": title,
            **kwargs,
        }

    def upload_view(self, request):
        importable = [s for s in imports.sheets() if can_import(request.user, s)]
        if not importable:
            raise PermissionDenied
        if request.method == "POST":
            form = UploadForm(request.POST, request.FILES, user=request.user)
            if form.is_valid():
                imports.remove_stale_previews()
                upload = form.cleaned_data["file"]
                batch = imports.new_batch(
                    form.cleaned_data["sheet"],
                    upload.name,
                    upload,
                    user=request.user,
                    publish=form.cleaned_data.get("publish", False),
                )
                if upload.size > limit("IMPORT_QUEUE_PREVIEW_SIZE"):
                    # A large file is checked by a worker; the preview page follows it.
                    queue.queue_preview(batch, translation.get_language())
                    return redirect("admin:rkst_importbatch_preview", batch.pk)
                report = imports.preview(batch)
                if not report.refused:
                    return redirect("admin:rkst_importbatch_preview", batch.pk)
                # A file refused whole is kept nowhere: the page says why, once.
                imports.discard(batch)
                sheet = imports.get_sheet(batch.sheet)
                context = self._context(
                    request,
                    _("Preview of “%(file)s”") % {"file": batch.file_name},
                    batch=batch,
                    sheet=sheet,
                    report=report_context(report.as_json(), sheet),
                )
                return TemplateResponse(request, "admin/rkst/importbatch/preview.html", context)
        else:
            form = UploadForm(initial={"sheet": request.GET.get("sheet")}, user=request.user)
        sheets = [
            {
                "name": sheet.name,
                "title": sheet.verbose_name,
                "columns": _columns(sheet),
                "can_export": can_export(request.user, sheet),
            }
            for sheet in importable
        ]
        limits = {
            "size": limit("IMPORT_MAX_FILE_SIZE"),
            "unpacked": limit("IMPORT_MAX_UNCOMPRESSED_SIZE"),
            "rows": limit("IMPORT_MAX_ROWS"),
        }
        context = self._context(
            request, _("Import a spreadsheet"), form=form, sheets=sheets, limits=limits
        )
        return TemplateResponse(request, "admin/rkst/importbatch/upload.html", context)

    def _batch(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        sheet = imports.get_sheet(batch.sheet)
        if not can_import(request.user, sheet):
            raise PermissionDenied
        if batch.user_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied
        return batch, sheet

    def preview_view(self, request, pk):
        batch, sheet = self._batch(request, pk)
        if batch.publish and not can_publish(request.user, sheet):
            raise PermissionDenied
        if jobs.reap(ImportBatch.objects.filter(pk=batch.pk)):
            batch.refresh_from_db()
        report = batch.report
        confirmable = confirmable_statuses(batch)
        if request.method == "POST":
            done = (ImportBatch.Status.IMPORTING, ImportBatch.Status.IMPORTED)
            if batch.status in (*done, ImportBatch.Status.UNDONE):
                message = _("This import was already confirmed.")
                self.message_user(request, message, messages.WARNING)
                return redirect("admin:rkst_importbatch_change", batch.pk)
            if not (confirmable and report_context(report, sheet)["ok"]):
                self.message_user(
                    request, _("This import cannot be confirmed now."), messages.ERROR
                )
                return redirect("admin:rkst_importbatch_change", batch.pk)
            if not queue.queue_confirm(batch, translation.get_language()):
                # A second click, or another tab: the import runs once.
                self.message_user(
                    request, _("This import was already confirmed."), messages.WARNING
                )
            return redirect("admin:rkst_importbatch_change", batch.pk)
        context = self._context(
            request,
            _("Preview of “%(file)s”") % {"file": batch.file_name},
            batch=batch,
            sheet=sheet,
            report=report_context(report, sheet),
            can_confirm=confirmable,
            **(
                job_context(batch)
                if batch.status == ImportBatch.Status.CHECKING
                else {"failure": failure_message(batch)}
            ),
        )
        return TemplateResponse(request, "admin/rkst/importbatch/preview.html", context)

    def undo_view(self, request, pk):
        if not request.user.has_perm("rkst.undo_importbatch"):
            raise PermissionDenied
        batch = get_object_or_404(ImportBatch, pk=pk)
        problems = imports.undo_problems(batch)
        if request.method == "POST" and not problems:
            try:
                imports.undo(batch, request.user)
            except imports.UndoRefused as refused:
                problems = refused.problems
            else:
                self.message_user(request, _("The import was undone."), messages.SUCCESS)
                return redirect("admin:rkst_importbatch_change", batch.pk)
        context = self._context(
            request,
            _("Undo import #%(number)s") % {"number": batch.pk},
            batch=batch,
            problems=problems,
        )
        return TemplateResponse(request, "admin/rkst/importbatch/undo.html", context)

    def file_view(self, request, pk):
        batch = get_object_or_404(ImportBatch, pk=pk)
        if not self.has_view_permission(request, batch):
            raise PermissionDenied
        with batch.file.open("rb") as fileobj:
            response = HttpResponse(fileobj.read(), content_type="application/octet-stream")
        name = batch.file.name.rsplit("/", 1)[-1]
        response["Content-Disposition"] = f'attachment; filename="{batch.pk}-{name}"'
        return response

    def _sheet(self, name):
        try:
            return imports.get_sheet(name)
        except KeyError as error:
            raise Http404 from error

    def template_view(self, request, sheet):
        sheet = self._sheet(sheet)
        if not can_import(request.user, sheet) and not can_export(request.user, sheet):
            raise PermissionDenied
        return template_response(sheet, request.GET.get("format", "xlsx"))

    def export_view(self, request, sheet):
        sheet = self._sheet(sheet)
        if not can_export(request.user, sheet):
            raise PermissionDenied
        return export_sheet(sheet.name, request.GET.get("format", "xlsx"))


class SheetAdminMixin:
    """For the admin of a model that has a sheet: import, export (of the filtered list) and
    template buttons on its list, and on each record the imports that touched it."""

    change_list_template = "admin/rkst/change_list_sheet.html"

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "export-sheet/",
                self.admin_site.admin_view(self.export_sheet_view),
                name="{}_{}_export_sheet".format(*info),
            ),
            *super().get_urls(),
        ]

    def sheet(self):
        return imports.sheet_for_model(self.model)

    def changelist_view(self, request, extra_context=None):
        sheet = self.sheet()
        extra = {
            "sheet": sheet,
            "can_import_sheet": sheet is not None and can_import(request.user, sheet),
            "can_export_sheet": sheet is not None and can_export(request.user, sheet),
        }
        return super().changelist_view(request, {**extra, **(extra_context or {})})

    def export_sheet_view(self, request):
        sheet = self.sheet()
        if sheet is None or not can_export(request.user, sheet):
            raise PermissionDenied
        fmt = request.GET.get("format", "xlsx")
        # The list's own filters and search, without our parameter.
        params = request.GET.copy()
        params.pop("format", None)
        request.GET = params
        changelist = self.get_changelist_instance(request)
        return export_sheet(sheet.name, fmt, changelist.get_queryset(request))

    @admin.display(description=gettext_lazy("imported from"))
    def imported_from(self, obj):
        if obj is None or not obj.pk:
            return "—"
        rows = (
            ImportRow.objects.filter(
                content_type=ContentType.objects.get_for_model(obj), object_id=obj.pk
            )
            .select_related("batch")
            .order_by("-id")[:5]
        )
        lines = [
            (
                reverse("admin:rkst_importbatch_change", args=[row.batch_id]),
                _("file “%(file)s”, row %(row)s (import #%(batch)s, %(date)s, %(action)s)")
                % {
                    "file": row.batch.file_name,
                    "row": row.row_number,
                    "batch": row.batch_id,
                    "date": date_format(localtime(row.batch.imported_at), "SHORT_DATE_FORMAT")
                    if row.batch.imported_at
                    else "",
                    "action": row.get_action_display(),
                },
            )
            for row in rows
        ]
        if not lines:
            return "—"
        return format_html_join(mark_safe("<br>"), '<a href="{}">{}</a>', lines)
