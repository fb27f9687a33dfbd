"""The same filtered rows a list page shows, as a CSV, XLSX or JSON file.

Spreadsheet cells are made formula-safe: a value that starts with = + - @, a tab or a carriage
return gets a leading apostrophe, which spreadsheets show as text and strip on re-import, so no
cell of ours is ever run as a formula (OWASP's CSV injection advice). JSON keeps values as they
are, nested lists included.
"""

import csv
import io
import json
import re

from django.http import HttpResponse
from django.utils import timezone

FORMATS = ("csv", "xlsx", "json")
_DANGEROUS = ("=", "+", "-", "@", "\t", "\r")
# Control characters but tab, LF and CR: imports refuse them, XML cannot hold them (openpyxl
# raises IllegalCharacterError), and a database may: PostgreSQL's jsonb refuses NUL.
CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def _picture(match):
    code = ord(match.group())
    # Unicode's control pictures (␇ for BEL) keep the character visible and the file valid.
    return chr(0x2400 + code) if code < 0x20 else "\u2421" if code == 0x7F else "\ufffd"


def visible(text):
    """`text` with its control characters shown as pictures: for XLSX cells and messages."""
    return text if text.isprintable() else CONTROL.sub(_picture, text)


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "json": "application/json; charset=utf-8",
}


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = "; ".join(_flat(item) for item in value)
    text = str(value)
    # Apostrophes before a dangerous character are escaped too: the reader strips one.
    return "'" + text if text.lstrip("'").startswith(_DANGEROUS) else text


def _flat(item):
    """One cell's text of a nested value: a dict's values joined by spaces, a list's items by
    "; " (a note with its citations), in order."""
    if isinstance(item, dict):
        return " ".join(_flat(v) for v in item.values() if v not in (None, "", [], {}))
    if isinstance(item, list | tuple):
        return "; ".join(_flat(v) for v in item)
    return str(item)


def _csv(columns, rows):
    buffer = io.StringIO()
    # The byte order mark lets Russian Excel open UTF-8 without mojibake.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return buffer.getvalue().encode()


def _xlsx(columns, rows):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(columns)
    for row in rows:
        sheet.append([visible(safe_cell(row.get(column))) for column in columns])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json(columns, rows):
    return json.dumps(list(rows), ensure_ascii=False, indent=1, default=str).encode()


def export_response(fmt, name, columns, rows):
    """An attachment named like "agreements-2026-11-25.csv" holding `rows` (dicts)."""
    body = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt](columns, rows)
    return attachment(body, CONTENT_TYPES[fmt], name, fmt)


def attachment(body, content_type, name, extension):
    """A download named like "agreements-2026-11-25.csv"."""
    response = HttpResponse(body, content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
