"""Real spreadsheet files built in the tests: XLSX (openpyxl), ODS (odfpy, through tablib)
and CSV bytes in each encoding and delimiter, and shortcuts to import them."""

import csv
import io
import zipfile

import tablib
from django.core.files.base import ContentFile
from openpyxl import Workbook

from rkst import imports


def xlsx(rows, number_formats=None):
    """An .xlsx file: `rows` of values; `number_formats` maps (row, column), 1-based, to a
    display format such as "mm.yyyy"."""
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(list(row))
    for (row, column), number_format in (number_formats or {}).items():
        sheet.cell(row=row, column=column).number_format = number_format
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods(rows):
    dataset = tablib.Dataset(*[list(row) for row in rows[1:]], headers=list(rows[0]))
    return dataset.export("ods")


def csv_bytes(rows, encoding="utf-8", delimiter=","):
    buffer = io.StringIO()
    csv.writer(buffer, delimiter=delimiter).writerows(rows)
    return buffer.getvalue().encode(encoding)


def rewrite_zip(content, member, change):
    """The zip `content` with `member` replaced by change(old bytes)."""
    source = zipfile.ZipFile(io.BytesIO(content))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == member:
                data = change(data)
            target.writestr(item, data)
    return buffer.getvalue()


def check(sheet, content, name="sheet.xlsx", **kwargs):
    """The report of a preview: nothing is written."""
    return imports.run_import(sheet, io.BytesIO(content), name, **kwargs)


def load(sheet, content, name="sheet.xlsx", user=None, publish=False):
    """Preview and confirm as the admin does; returns (batch, report)."""
    batch = imports.new_batch(sheet, name, ContentFile(content), user=user, publish=publish)
    report = imports.preview(batch)
    assert report.ok, report.lines()
    report = imports.confirm(batch)
    batch.refresh_from_db()
    return batch, report
