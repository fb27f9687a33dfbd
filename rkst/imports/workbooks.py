"""Reading XLSX and ODS workbooks from their XML, row by row, whatever they declare."""

import datetime
import re

from django.utils.translation import gettext as _

from ..dates import PartialDate, Precision
from .reading import (
    XLSX,
    CellCount,
    Formula,
    ImportRefused,
    Table,
    _elements,
    _events,
    _too_many_rows,
    _xml_refused,
    column_letters,
    limit,
    too_far,
)

# XLSX ------------------------------------------------------------------------------------
# The worksheet and the shared strings, the parts that grow with the rows, are read with the C
# XML parser (openpyxl's read-only mode took 8.7 s for 10,000 rows of inline strings here, and
# trusts the declared dimension), after a check that they declare no DTD: without a DTD there
# is no entity to expand. The small parts are read with defusedxml.

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def read_xlsx(archive):
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import fromstring

    try:
        workbook = fromstring(archive.read("xl/workbook.xml"))
        relations = fromstring(archive.read("xl/_rels/workbook.xml.rels"))
        styles = (
            fromstring(archive.read("xl/styles.xml"))
            if "xl/styles.xml" in archive.namelist()
            else None
        )
    except DefusedXmlException as error:
        raise _xml_refused(error) from error
    except Exception as error:
        raise ImportRefused(_("The file is damaged: it cannot be opened.")) from error
    first = workbook.find(f"{_MAIN}sheets/{_MAIN}sheet")
    if first is None:
        raise ImportRefused(_("The file holds no sheet."))
    targets = {r.get("Id"): r.get("Target") for r in relations.iter(f"{_PACKAGE_REL}Relationship")}
    target = targets.get(first.get(f"{_REL}id"), "")
    sheet = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    if sheet not in archive.namelist():
        raise ImportRefused(_("The file is damaged: it cannot be opened."))
    properties = workbook.find(f"{_MAIN}workbookPr")
    mac = properties is not None and properties.get("date1904") in ("1", "true")
    return Table(XLSX, _xlsx_rows(archive, sheet, _date_styles(styles), mac))


def _date_styles(styles):
    """The precision of each cell style that shows a date, by the style's index."""
    from openpyxl.styles.numbers import BUILTIN_FORMATS, is_date_format

    if styles is None:
        return {}
    formats = {
        int(f.get("numFmtId")): f.get("formatCode", "") for f in styles.iter(f"{_MAIN}numFmt")
    }
    dates = {}
    cell_formats = styles.find(f"{_MAIN}cellXfs")
    for index, xf in enumerate(cell_formats if cell_formats is not None else ()):
        number = int(xf.get("numFmtId", "0"))
        code = formats.get(number, BUILTIN_FORMATS.get(number, ""))
        if is_date_format(code) and not re.fullmatch(r"[\[\]hHmMsS:.;@ ]*", code):
            dates[index] = _precision_of(code)
    return dates


def _shared_strings(archive):
    if "xl/sharedStrings.xml" not in archive.namelist():
        return []
    strings = []
    for item in _elements(archive, "xl/sharedStrings.xml", f"{_MAIN}si"):
        # The text runs, without the phonetic guides (rPh) of East Asian text.
        strings.append("".join(t.text or "" for t in _texts(item)))
    return strings


def _texts(element):
    for child in element:
        if child.tag == f"{_MAIN}t":
            yield child
        elif child.tag == f"{_MAIN}r":
            yield from (t for t in child if t.tag == f"{_MAIN}t")


_COLUMN = re.compile(r"[A-Z]{1,7}")


def _column_index(letters):
    if not _COLUMN.fullmatch(letters):
        raise ValueError(letters)
    index = 0
    for letter in letters:
        index = index * 26 + ord(letter) - 64
    return index - 1


_QUOTED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


def _precision_of(number_format):
    """How precise a date cell is, by its display format: "mm.yyyy" is a month."""
    tokens = _QUOTED.sub("", number_format or "").lower()
    if "d" in tokens:
        return Precision.DAY
    if "m" in tokens:
        return Precision.MONTH
    if "y" in tokens:
        return Precision.YEAR
    return Precision.DAY


def _excel_date(serial, precision, mac):
    from openpyxl.utils.datetime import MAC_EPOCH, WINDOWS_EPOCH, from_excel

    day = from_excel(serial, MAC_EPOCH if mac else WINDOWS_EPOCH).date()
    if precision == Precision.YEAR:
        day = day.replace(month=1, day=1)
    elif precision == Precision.MONTH:
        day = day.replace(day=1)
    return PartialDate(day, precision)


def _xlsx_rows(archive, sheet, dates, mac):
    strings = _shared_strings(archive)
    maximum = limit("IMPORT_MAX_ROWS") + 1
    width = limit("IMPORT_MAX_COLUMNS")
    count = CellCount()
    row_tag, cell_tag = f"{_MAIN}row", f"{_MAIN}c"
    value_tag, formula_tag, inline_tag = f"{_MAIN}v", f"{_MAIN}f", f"{_MAIN}is"
    columns = {}  # "AB" -> 27, computed (and checked against the limit) once per column
    number = 0
    for _event, row in _events(archive, sheet):
        if row.tag != row_tag:
            continue
        number = int(row.get("r") or number + 1)
        if number < 1:
            raise ValueError(number)
        cells = []
        for cell in row:
            if cell.tag != cell_tag:
                continue
            kind = cell.get("t", "n")
            if cell.find(formula_tag) is not None:
                value = Formula(f"={cell.findtext(formula_tag)}")
            elif kind == "inlineStr":
                inline = cell.find(inline_tag)
                value = "".join(t.text or "" for t in _texts(inline)) if inline is not None else ""
            else:
                value = cell.findtext(value_tag)
                if value is None:
                    pass
                elif kind == "s":
                    index = int(value)
                    if index < 0:  # Python would read the list from its end
                        raise IndexError(index)
                    value = strings[index]
                elif kind == "n":
                    number_value = float(value)
                    style = int(cell.get("s", "0"))
                    if style in dates:
                        value = _excel_date(number_value, dates[style], mac)
                    else:
                        value = int(number_value) if number_value.is_integer() else number_value
                elif kind == "b":
                    value = value == "1"
                elif kind == "e":
                    value = Formula(value)
                elif kind == "d":
                    value = PartialDate(datetime.date.fromisoformat(value[:10]), Precision.DAY)
            if value is None or value == "":
                # An empty cell takes no room, however far it stands: only a value is
                # placed at its column.
                continue
            reference = cell.get("r")
            if reference:
                letters = reference.rstrip("0123456789")
                index = columns.get(letters)
                if index is None:
                    index = _column_index(letters)
                    if index >= width:
                        raise too_far(reference)
                    columns[letters] = index
                if index > len(cells):
                    cells.extend([None] * (index - len(cells)))
                elif index < len(cells):
                    raise ValueError(reference)  # a cell before, or on, the one already read
            elif len(cells) >= width:
                raise too_far(f"{column_letters(len(cells))}{number}")
            cells.append(value)
        row.clear()
        if cells:
            if number > maximum:
                raise _too_many_rows()
            count.take(len(cells))
            yield number, cells


# ODS -------------------------------------------------------------------------------------

_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
# LibreOffice pads sheets with "1,048,000 blank rows" and "1,000 blank cells", which mean
# nothing: empty repeats are counted, never expanded, and a repeated value is expanded only
# within the limits.
_MAX_SPACES = 10_000


def _ods_text(element):
    """The text of a cell: its paragraphs, one a line, with ODF's space and tab marks."""
    parts = []

    def walk(node):
        if node.text:
            parts.append(node.text)
        for child in node:
            if child.tag == _TEXT + "s":
                spaces = int(child.get(_TEXT + "c", "1"))
                if not 0 <= spaces <= _MAX_SPACES:  # a few bytes that claim gigabytes
                    raise ValueError(spaces)
                parts.append(" " * spaces)
            elif child.tag == _TEXT + "tab":
                parts.append("\t")
            elif child.tag == _TEXT + "line-break":
                parts.append("\n")
            elif child.tag != _OFFICE + "annotation":
                walk(child)
            if child.tail:
                parts.append(child.tail)

    lines = []
    for paragraph in element.iter(_TEXT + "p"):
        parts = []
        walk(paragraph)
        lines.append("".join(parts))
    return "\n".join(lines)


def _ods_value(cell):
    if cell.get(_TABLE + "formula"):
        return Formula(cell.get(_TABLE + "formula"))
    kind = cell.get(_OFFICE + "value-type")
    if kind in ("float", "percentage", "currency"):
        number = float(cell.get(_OFFICE + "value"))
        return int(number) if number.is_integer() else number
    if kind == "date":
        shown = _ods_text(cell).strip()
        try:
            # The cell's display ("11.1996", "1996") says how precise the date is.
            return PartialDate.parse(shown)
        except ValueError:
            value = cell.get(_OFFICE + "date-value")
            return PartialDate(datetime.date.fromisoformat(value[:10]), Precision.DAY)
    if kind == "boolean":
        return cell.get(_OFFICE + "boolean-value") == "true"
    text = _ods_text(cell)
    return text if text != "" else None


def ods_rows(archive):
    yield from _ods_table(_events(archive, "content.xml", ("start", "end")))


def _ods_table(events):
    maximum = limit("IMPORT_MAX_ROWS") + 1
    width = limit("IMPORT_MAX_COLUMNS")
    count = CellCount()
    number, depth = 0, 0
    for event, element in events:
        if element.tag == _TABLE + "table":
            if event == "start":
                depth += 1
                continue
            return  # only the first sheet is read
        if depth == 0 or event != "end" or element.tag != _TABLE + "table-row":
            continue
        cells, empty = [], 0  # empty: the blank cells since the last value, not yet placed
        for cell in element:
            if cell.tag not in (_TABLE + "table-cell", _TABLE + "covered-table-cell"):
                continue
            value = _ods_value(cell)
            repeat = int(cell.get(_TABLE + "number-columns-repeated", "1"))
            if repeat < 1:
                raise ValueError(repeat)
            if value is None or value == "":
                empty += repeat
                continue
            if len(cells) + empty + repeat > width:
                column = column_letters(max(len(cells) + empty, width))
                raise too_far(f"{column}{number + 1}")
            cells.extend([None] * empty)
            cells.extend([value] * repeat)
            empty = 0
        repeat = int(element.get(_TABLE + "number-rows-repeated", "1"))
        element.clear()
        if repeat < 1:
            raise ValueError(repeat)
        if not cells:
            number += repeat
            continue
        if number + repeat > maximum:
            raise _too_many_rows()
        count.take(len(cells) * repeat)
        for _repeat in range(repeat):
            number += 1
            yield number, list(cells)
