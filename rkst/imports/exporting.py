"""Sheets exported through django-import-export: a resource per sheet, made of the sheet's own
columns, so that a file exported from the admin (the export page, the "export selected" action)
or by `manage.py export` reads back through our import unchanged.

Only the library's export side is used: its resources, formats, export page and command. The
import stays the catalogue's own engine (see the package's docstring and the README).
Spreadsheet formats escape cells as every export of the catalogue does (rkst.exports):
reversibly, so that no cell runs as a formula and the import reads the value back.
"""

import copy
import functools

import tablib
from django import forms
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy
from import_export import resources
from import_export.admin import ExportActionMixin
from import_export.fields import Field
from import_export.formats import base_formats
from import_export.forms import SelectableFieldsExportForm

from ..exports import safe_cell, visible
from .forms import can_export
from .sheets import get_sheet, sheet_for_model


def _escaped(dataset, cell):
    """A copy of `dataset` with every cell passed through `cell`."""
    rows = [[cell(value) for value in row] for row in dataset]
    return tablib.Dataset(*rows, headers=dataset.headers, title=dataset.title)


def _spreadsheet_cell(value):
    return visible(safe_cell(value))


class CSV(base_formats.CSV):
    CONTENT_TYPE = "text/csv; charset=utf-8"

    def export_data(self, dataset, **kwargs):
        # The byte order mark lets Russian Excel open UTF-8 without mojibake.
        return "\ufeff" + super().export_data(_escaped(dataset, safe_cell), **kwargs)


class XLSX(base_formats.XLSX):
    def export_data(self, dataset, **kwargs):
        return super().export_data(_escaped(dataset, _spreadsheet_cell), **kwargs)


class ODS(base_formats.TablibFormat):
    """OpenDocument, binary (the library's ODS is a text format and fails on the file)."""

    TABLIB_MODULE = "tablib.formats._ods"
    CONTENT_TYPE = "application/vnd.oasis.opendocument.spreadsheet"

    def export_data(self, dataset, **kwargs):
        return super().export_data(_escaped(dataset, _spreadsheet_cell), **kwargs)


class JSON(base_formats.JSON):
    """Values as they are, as the public lists' JSON exports have them."""

    CONTENT_TYPE = "application/json; charset=utf-8"


FORMATS = {"xlsx": XLSX, "csv": CSV, "ods": ODS, "json": JSON}


class ColumnField(Field):
    """A sheet's column as a resource field: its code heads the column, its export() gives
    the value."""

    def __init__(self, column, sheet):
        super().__init__(attribute=column.attname, column_name=column.code, readonly=True)
        self.column, self.sheet = column, sheet

    def export(self, instance, **kwargs):
        return self.column.export(instance, self.sheet)

    def __deepcopy__(self, memo):
        # Each resource copies its fields; the column and the sheet are shared definitions.
        return copy.copy(self)


class SheetResource(resources.Resource):
    """The export of one sheet; `resource_for()` makes one per sheet from its columns."""

    sheet = None

    def get_queryset(self):
        return self.sheet.export_queryset()

    def iter_queryset(self, queryset):
        # The sheet reads its records with what the columns need, in its order.
        return self.sheet.export_objects(queryset)

    @classmethod
    def get_display_name(cls):
        return capfirst(cls.sheet.verbose_name)


@functools.cache
def resource_for(sheet_name):
    """The resource class of the sheet `sheet_name`: one field a column, in the sheet's order."""
    sheet = get_sheet(sheet_name)()
    attrs = {column.code: ColumnField(column, sheet) for column in sheet.columns}
    attrs["sheet"] = sheet
    attrs["Meta"] = type("Meta", (), {"export_order": tuple(sheet.codes())})
    name = f"{sheet_name.capitalize()}Resource"
    return type(name, (SheetResource,), {"__module__": __name__, **attrs})


class SheetExportForm(SelectableFieldsExportForm):
    """The library's export form, with each column named by its heading in the curator's
    language and its code, and scripts our content security policy allows."""

    def __init__(self, formats, resources, **kwargs):
        super().__init__(formats, resources, **kwargs)
        self.fields["resource"].label = gettext_lazy("Sheet")
        self.fields["format"].initial = "0"

    def _get_field_label(self, resource, field_name):
        field = resource.fields[field_name]
        return f"{capfirst(field.column.heading)} ({field_name})"

    def column_groups(self):
        """(index, name, fields) of each resource: the columns the curator may tick."""
        return [
            (
                index,
                resource.get_display_name(),
                [self[n] for n in self.resource_fields[resource.__name__]],
            )
            for index, resource in enumerate(self.resources)
        ]

    @property
    def media(self):
        # The page's styles are in css/admin.css, which every admin page loads.
        return forms.Media(js=("js/export.js",))


class SheetExportMixin(ExportActionMixin):
    """The library's export for the admin of a record that has a sheet: the export page (the
    list's filters and search, a choice of columns and formats) and the "export selected"
    action; allowed to whoever may export the sheet (the catalogue's export permission and
    the right to view its records). The resources are the record's sheet and, for records
    that citations cite, the citations sheet of the chosen records."""

    export_form_class = SheetExportForm
    # Our sheet list template keeps its buttons, the export page's link among them.
    import_export_change_list_template = None
    # The change form's export button would save the record before exporting it.
    show_change_form_export = False
    change_form_template = None
    export_sheets = ()

    def get_export_formats(self):
        return list(FORMATS.values())

    def get_export_resource_classes(self, request):
        sheet = sheet_for_model(self.model)
        return [resource_for(name) for name in (sheet.name, *self.export_sheets)]

    def has_export_permission(self, request):
        sheet = sheet_for_model(self.model)
        return sheet is not None and can_export(request.user, sheet)

    def get_valid_export_item_pks(self, request):
        # Only the records ticked, read among those the curator may see.
        ticked = [pk for pk in request.POST.getlist("export_items") if pk.isdigit()]
        return self.get_queryset(request).filter(pk__in=ticked).values_list("pk", flat=True)

    def get_export_filename(self, request, queryset, file_format):
        sheet = sheet_for_model(self.model)
        resource = self.choose_export_resource_class(getattr(request, "export_form", None), request)
        name = resource.sheet.name if resource else sheet.name
        date = timezone.localdate().isoformat()
        return f"{name}-{date}.{file_format.get_extension()}"

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        request.export_form = export_form
        return super()._do_file_export(file_format, request, queryset, export_form)


def __getattr__(name):
    """The sheets' resources as names of this module (`AgreementsResource`...), so that the
    library's dotted paths reach them: `manage.py export rkst.imports.exporting.CSV
    rkst.imports.exporting.AgreementsResource`."""
    from .sheets import sheets

    for sheet in sheets():
        if name == f"{sheet.name.capitalize()}Resource":
            return resource_for(sheet.name)
    raise AttributeError(name)
