"""The same filtered rows a list page shows, as a CSV, XLSX or JSON file.

Spreadsheet cells are made formula-safe: a value that starts with = + - @, a tab or a carriage
return gets a leading apostrophe, which spreadsheets show as text and strip on re-import, so no
cell of ours is ever run as a formula (OWASP's CSV injection advice). JSON keeps values as they
are, nested lists included.

A cell of several values (a record's parties, names, citations) must split back into them
whatever they hold, and quotes hold "; " and ", ". Its values are joined by the ASCII record
separator (U+001E), and the fields of each (a citation's source, field, locator, quote) by the
unit separator (U+001F); a field of several values (an editorial note's citations) joins them
with the group separator (U+001D) and their fields with the file separator (U+001C). No exported
value holds any of them: every value shows its control characters as Unicode's pictures (␞, ␟)
first. The XLSX file also has a
sheet per kind of part (parties, citations...), one row a part, keyed by its record's key.
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


# Between the values of a cell of several values and between the fields of each (record and
# unit separators); one level down, for a field of several values, the group and file ones.
SEPARATORS = [("\x1e", "\x1f"), ("\x1d", "\x1c")]


def safe_cell(value):
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = SEPARATORS[0][0].join(_flat(item) for item in value)
    text = str(value)
    # Apostrophes before a dangerous character are escaped too: the reader strips one.
    return "'" + text if text.lstrip("'").startswith(_DANGEROUS) else text


def _flat(item, depth=0):
    """One value of a cell of several: its fields in order, none holding a separator; a
    field of several values itself (a note's citations) joined one level down."""
    fields = item.values() if isinstance(item, dict) else [item]
    return SEPARATORS[depth][1].join(_field(v, depth) for v in fields)


def _field(value, depth):
    if value is None:
        return ""
    if isinstance(value, list | tuple) and depth + 1 < len(SEPARATORS):
        return SEPARATORS[depth + 1][0].join(_flat(item, depth + 1) for item in value)
    return visible(str(value))


def split_cell(text, depth=0):
    """The values of a cell of several, each a list of its fields: what safe_cell joined. A
    field of several values is split too (split_cell(field, 1))."""
    if text == "":
        return []
    values, fields = SEPARATORS[depth]
    return [value.split(fields) for value in text.split(values)]


def _csv(columns, rows, tables):
    buffer = io.StringIO()
    # The byte order mark lets Russian Excel open UTF-8 without mojibake.
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([safe_cell(row.get(column)) for column in columns])
    return buffer.getvalue().encode()


def _xlsx(columns, rows, tables):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("records")
    sheet.append(columns)
    parts = {name: [] for name in tables}
    for row in rows:
        sheet.append([visible(safe_cell(row.get(column))) for column in columns])
        for name, fields in tables.items():
            parts[name].extend(
                [row.get("key"), *(part.get(field) for field in fields)]
                for part in row.get(name) or ()
            )
    # Each kind of part on its own sheet, keyed by the record's key.
    for name, fields in tables.items():
        part_sheet = workbook.create_sheet(name)
        part_sheet.append(["record", *fields])
        for values in parts[name]:
            part_sheet.append([visible(safe_cell(value)) for value in values])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _json(columns, rows, tables):
    return json.dumps(list(rows), ensure_ascii=False, indent=1, default=str).encode()


def export_response(fmt, name, columns, rows, tables=None):
    """An attachment named like "agreements-2026-11-25.csv" holding `rows` (dicts).
    `tables` maps a column of parts (lists of dicts) to their fields: the XLSX file gives
    each its own sheet."""
    body = {"csv": _csv, "xlsx": _xlsx, "json": _json}[fmt](columns, rows, tables or {})
    return attachment(body, CONTENT_TYPES[fmt], name, fmt)


def attachment(body, content_type, name, extension):
    """A download named like "agreements-2026-11-25.csv"."""
    response = HttpResponse(body, content_type=content_type)
    filename = f"{name}-{timezone.localdate().isoformat()}.{extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
