"""django-import-export's `export` command, which also knows the catalogue's sheets: a sheet's
name (or its model, `agreements.Agreement`) exports it through its resource, in the sheet's
columns, and XLSX, CSV, ODS and JSON are the catalogue's formats, with its escaping."""

from django.apps import apps
from import_export.management.commands import export

from rkst.imports import sheet_for_model, sheets
from rkst.imports.exporting import FORMATS, resource_for


def sheet_resource(name):
    """The dotted name of the resource of the sheet `name` or of the model `app.Model`."""
    by_name = {sheet.name: sheet for sheet in sheets()}
    sheet = by_name.get(name)
    if sheet is None and name.count(".") == 1:
        try:
            sheet = sheet_for_model(apps.get_model(name))
        except LookupError:
            sheet = None
    return resource_for(sheet.name) if sheet is not None else None


class Command(export.Command):
    help = (
        "Export a sheet (agreements, actors, sources, citations) or any resource or model, "
        "in XLSX, CSV, ODS or JSON, to standard output."
    )

    def handle(self, *args, **options):
        resource = sheet_resource(options["resource"])
        if resource is not None:
            options["resource"] = f"{resource.__module__}.{resource.__name__}"
        fmt = FORMATS.get(options["format"].lower())
        if fmt is not None:
            options["format"] = f"{fmt.__module__}.{fmt.__name__}"
        return super().handle(*args, **options)
