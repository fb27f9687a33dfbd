"""Reading the spreadsheets curators upload: XLSX, ODS and CSV, within limits, safely.

Each reader yields `(row number, [cells])` for the rows that hold anything, numbered as the
spreadsheet numbers them, so that an error can say "row 12". Cells are text, numbers,
PartialDate (a date cell, as precise as its display format), or Formula.

What the libraries get wrong is handled here (see shared/PITFALLS.md):
- openpyxl's read-only mode trusts the sheet's declared dimension, and is slow; the sheet's
  XML is read here row by row, whatever it declares, and LibreOffice's million trailing blank
  rows are skipped, never expanded;
- tablib's ODS format decodes the binary file as text; ODS is read here from its XML;
- no XML part may declare a DTD (the small parts are parsed by defusedxml, the large ones are
  checked before the C parser reads them), so entity expansion ("billion laughs") is refused;
  zip members are measured before anything is unpacked, so a zip bomb is refused too;
- CSV is decoded as UTF-8 (with or without BOM) or Windows-1251, and refused when neither
  reads as text; the delimiter (comma, semicolon or tab) is detected from the header.
"""

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

XLSX, ODS, CSV = "xlsx", "ods", "csv"
EXTENSIONS = (XLSX, ODS, CSV, "txt", "tsv")
ODS_MIMETYPE = b"application/vnd.oasis.opendocument.spreadsheet"


class ImportRefused(Exception):
    """The file as a whole cannot be imported; the message says why, for the curator."""


class Formula(str):
    """A cell that holds a formula (or a spreadsheet error) rather than a value."""


def limit(name):
    return getattr(settings, name, DEFAULTS[name])


DEFAULTS = {
    "IMPORT_MAX_FILE_SIZE": 20 * 1024 * 1024,
    "IMPORT_MAX_UNCOMPRESSED_SIZE": 200 * 1024 * 1024,
    "IMPORT_MAX_ROWS": 100_000,
    "IMPORT_MAX_COLUMNS": 1_000,
    "IMPORT_MAX_CELLS": 5_000_000,
    "IMPORT_QUEUE_PREVIEW_SIZE": 1024 * 1024,
}

# What the readers (zipfile, zlib, the XML parser's callers, int(), float(), dates, indexes)
# raise on a malformed file. They are turned into one refusal here rather than at each call:
# a file can be broken in more ways than call sites can foresee.
_DAMAGE = (
    zipfile.BadZipFile,
    zlib.error,
    struct.error,
    EOFError,
    OSError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    OverflowError,
)


def _damaged(after=0):
    if after:
        return ImportRefused(
            _("The file is damaged after row %(row)s: it cannot be read.") % {"row": after}
        )
    return ImportRefused(_("The file is damaged: it cannot be read."))


def _guarded(rows):
    number = 0
    try:
        for number, cells in rows:  # the last number says where the file broke
            yield number, cells
    except _DAMAGE as error:
        raise _damaged(number) from error


@dataclass
class Table:
    format: str
    rows: object  # an iterator of (row number, list of cells)
    estimated_rows: int | None = None


def read_table(fileobj, name=""):
    """Open an uploaded or stored file as a Table, or raise ImportRefused, as reading its
    rows does for a malformed file."""
    try:
        table = _open_table(fileobj, name)
    except _DAMAGE as error:
        raise _damaged() from error
    table.rows = _guarded(table.rows)
    return table


def _open_table(fileobj, name):
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    fileobj.seek(0)
    if size > limit("IMPORT_MAX_FILE_SIZE"):
        raise ImportRefused(
            _("The file is %(size)s; at most %(limit)s may be imported.")
            % {"size": filesizeformat(size), "limit": filesizeformat(limit("IMPORT_MAX_FILE_SIZE"))}
        )
    if size == 0:
        raise ImportRefused(_("The file is empty."))
    head = fileobj.read(8)
    fileobj.seek(0)
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if head.startswith(b"PK\x03\x04"):
        return _read_zip(fileobj)
    if head.startswith(b"\xd0\xcf\x11\xe0") or extension == "xls":
        raise ImportRefused(
            _("Old Excel .xls files are not read: save the sheet as .xlsx, .ods or .csv.")
        )
    if extension in (XLSX, ODS):
        raise ImportRefused(
            _("The file is not a valid .%(extension)s file.") % {"extension": extension}
        )
    return _read_csv(fileobj.read())


def _zip(fileobj):
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError) as error:
        raise ImportRefused(_("The file is damaged: it cannot be opened.")) from error
    unpacked = sum(member.file_size for member in archive.infolist())
    if unpacked > limit("IMPORT_MAX_UNCOMPRESSED_SIZE"):
        raise ImportRefused(
            _("Unpacked, the file would take %(size)s; at most %(limit)s is allowed.")
            % {
                "size": filesizeformat(unpacked),
                "limit": filesizeformat(limit("IMPORT_MAX_UNCOMPRESSED_SIZE")),
            }
        )
    return archive


def _too_many_rows():
    return ImportRefused(
        _("The sheet has more than %(limit)s rows: split it into several files.")
        % {"limit": limit("IMPORT_MAX_ROWS")}
    )


def column_letters(index):
    """The spreadsheet name of the column `index` (0-based): 0 is A, 27 is AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def too_far(reference):
    return ImportRefused(
        _(
            "Cell %(cell)s lies beyond column %(last)s, the last of the %(limit)s columns "
            "read: delete what stands there, or split the sheet."
        )
        % {
            "cell": reference,
            "last": column_letters(limit("IMPORT_MAX_COLUMNS") - 1),
            "limit": limit("IMPORT_MAX_COLUMNS"),
        }
    )


class CellCount:
    """The cells a sheet's rows take once read, against IMPORT_MAX_CELLS: rows times columns
    can be far more than the file holds."""

    def __init__(self):
        self.left = limit("IMPORT_MAX_CELLS")

    def take(self, count):
        self.left -= count
        if self.left < 0:
            raise ImportRefused(
                _(
                    "The sheet has more than %(limit)s cells (rows times columns): split it "
                    "into several files, or delete the columns it does not need."
                )
                % {"limit": limit("IMPORT_MAX_CELLS")}
            )


def _xml_refused(error):
    return ImportRefused(
        _(
            "The file holds XML entity declarations, which are refused: they can be used "
            "to attack the server."
        )
    )


def _read_zip(fileobj):
    from .workbooks import ods_rows, read_xlsx

    archive = _zip(fileobj)
    names = set(archive.namelist())
    if "mimetype" in names and archive.read("mimetype").strip() == ODS_MIMETYPE:
        return Table(ODS, ods_rows(archive))
    if "xl/workbook.xml" in names:
        return read_xlsx(archive)
    raise ImportRefused(_("The file is neither an .xlsx nor an .ods spreadsheet."))


# XML parts -------------------------------------------------------------------------------
# The parts that grow with the rows are read with the C XML parser, after a check that they
# declare no DTD: without a DTD there is no entity to expand.

_PROLOG = re.compile(rb"\s*(?:<\?.*?\?>|<!--.*?-->)", re.DOTALL)
_CHUNK = 1 << 16


def _no_dtd(stream):
    """The first bytes of an XML part, once sure that its prolog declares no DTD."""
    data = stream.read(_CHUNK)
    while True:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or data[1:2] == b"\x00":
            raise _damaged()
        position = 3 if data.startswith(codecs.BOM_UTF8) else 0
        while match := _PROLOG.match(data, position):
            position = match.end()
        rest = data[position:].lstrip()
        if rest.startswith(b"<!"):
            raise _xml_refused(None)
        if rest.startswith(b"<") and len(rest) > 1:
            return data
        more = stream.read(_CHUNK)
        if not more or len(data) > 16 * _CHUNK:
            raise _damaged()
        data += more


def _events(archive, name, events=("end",)):
    """The parser events of the part `name`, read a chunk at a time."""
    from xml.etree.ElementTree import ParseError, XMLPullParser

    parser = XMLPullParser(events=events)
    try:
        with archive.open(name) as stream:
            chunk = _no_dtd(stream)
            while chunk:
                parser.feed(chunk)
                yield from parser.read_events()
                chunk = stream.read(_CHUNK)
        parser.close()
    except ParseError as error:
        raise _damaged() from error


def _elements(archive, name, tag):
    """Each `tag` element of the part `name`, complete, then emptied to keep memory flat."""
    for _event, element in _events(archive, name):
        if element.tag == tag:
            yield element
            element.clear()


# CSV -------------------------------------------------------------------------------------

# What a Russian CSV file from Windows holds beyond ASCII: Cyrillic, Ukrainian and
# Belarusian letters, typographic punctuation and a few signs.
_CP1251_TEXT = set(
    "АБВГДЕЁЖЗИЙКЛМНОПРСТУФХЦЧШЩЪЫЬЭЮЯабвгдеёжзийклмнопрстуфхцчшщъыьэюя"
    "ЄєІіЇїҐґЎў№«»–—‘’‚“”„…•€™°±§©®\u00a0"
)


def decode(data):
    """The text of a CSV file, or ImportRefused when it is in no encoding we accept."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[3:].decode("utf-8")
        except UnicodeDecodeError as error:
            raise _undecodable() from error
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise _undecodable() from error
    if b"\x00" in data:
        raise _undecodable()
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1251")
    except UnicodeDecodeError as error:
        raise _undecodable() from error
    if not _reads_as_russian(text):
        raise _undecodable()
    return text


def _reads_as_russian(text):
    upper = lower = 0
    for char in text:
        if char.isascii():
            continue
        if char not in _CP1251_TEXT:
            return False
        if char.isupper():
            upper += 1
        elif char.islower():
            lower += 1
    # KOI8-R read as Windows-1251 swaps the case of every letter: "пРИВЕТ".
    return not (upper + lower >= 20 and upper > 2 * lower)


def _undecodable():
    return ImportRefused(
        _(
            "The file cannot be read as text in UTF-8 or Windows-1251: save it as CSV UTF-8, "
            "or as .xlsx or .ods."
        )
    )


def detect_delimiter(header_line):
    """The delimiter the header line uses most, outside quotes: ";" for Russian Excel."""
    counts = {";": 0, "\t": 0, ",": 0}
    quoted = False
    for char in header_line:
        if char == '"':
            quoted = not quoted
        elif not quoted and char in counts:
            counts[char] += 1
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_csv(data):
    text = decode(data)
    lines = text.count("\n") + 1
    header = text.lstrip("\r\n").split("\n", 1)[0]
    delimiter = detect_delimiter(header)
    return Table(CSV, _csv_rows(text, delimiter), estimated_rows=lines)


def _csv_rows(text, delimiter):
    maximum = limit("IMPORT_MAX_ROWS") + 1
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for cells in reader:
            number += 1  # a record is one spreadsheet row, even with line breaks inside
            if any(cell.strip() for cell in cells):
                if number > maximum:
                    raise _too_many_rows()
                yield number, cells
    except csv.Error as error:
        raise ImportRefused(
            _("The CSV file is malformed near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": error}
        ) from error
