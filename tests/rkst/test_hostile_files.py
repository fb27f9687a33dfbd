"""Files built to hurt: far cells and huge repeats, malformed zips and XML, control characters.
Each is refused with its message, within a memory and time bound, and leaves nothing behind:
no batch, no stored file, no record. And choices as curators write them."""

import io
import struct
import time
import tracemalloc
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation
from openpyxl import load_workbook

from rkst import imports
from rkst.imports import read_table
from rkst.models import ImportBatch, Source, StoredFile
from tests.factories import make_source
from tests.sheets import check, csv_bytes

pytestmark = pytest.mark.django_db

MEGABYTE = 1024 * 1024
HEADER = '<row r="1"><c r="A1" t="inlineStr"><is><t>key</t></is></c></row>'


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


# Files, built by hand --------------------------------------------------------------------------

_WORKBOOK = (
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="s" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_RELATIONS = (
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    "</Relationships>"
)
SHEET = "xl/worksheets/sheet1.xml"


def xlsx_of(rows, strings=None, compression=zipfile.ZIP_DEFLATED):
    """An XLSX whose first sheet's rows are the XML `rows` (after the header row)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _RELATIONS)
        sheet = (
            '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            f"<sheetData>{HEADER}{rows}</sheetData></worksheet>"
        )
        archive.writestr(SHEET, sheet)
        if strings is not None:
            items = "".join(f"<si><t>{text}</t></si>" for text in strings)
            archive.writestr(
                "xl/sharedStrings.xml",
                '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
                f"{items}</sst>",
            )
    return buffer.getvalue()


def ods_of(rows):
    """An ODS whose first table's rows are the XML `rows` (after a header row)."""
    table = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
    office = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
    text = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"
    content = (
        f'<office:document-content xmlns:office="{office}" xmlns:table="{table}" '
        f'xmlns:text="{text}"><office:body><office:spreadsheet><table:table table:name="s">'
        '<table:table-row><table:table-cell office:value-type="string"><text:p>key</text:p>'
        f"</table:table-cell></table:table-row>{rows}</table:table></office:spreadsheet>"
        "</office:body></office:document-content>"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        archive.writestr("content.xml", content)
    return buffer.getvalue()


def text_cell(reference, text="a"):
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


def ods_cell(text="a", repeat=1):
    return (
        f'<table:table-cell table:number-columns-repeated="{repeat}" '
        f'office:value-type="string"><text:p>{text}</text:p></table:table-cell>'
    )


def ods_row(cells, repeat=1):
    return f'<table:table-row table:number-rows-repeated="{repeat}">{cells}</table:table-row>'


def lying_size(content, member, size):
    """The zip `content` whose central directory says `member` unpacks to `size` bytes."""
    data = bytearray(content)
    position = data.find(b"PK\x01\x02")
    while position >= 0:
        length = struct.unpack_from("<H", data, position + 28)[0]
        if data[position + 46 : position + 46 + length] == member.encode():
            struct.pack_into("<I", data, position + 24, size)
        position = data.find(b"PK\x01\x02", position + 4)
    return bytes(data)


def bad_crc():
    # Stored, not deflated, so that one changed byte of text reads but fails its checksum.
    content = xlsx_of(f'<row r="2">{text_cell("A2", "hello")}</row>', None, zipfile.ZIP_STORED)
    return content.replace(b"hello", b"hellp")


DAMAGED = "The file is damaged: it cannot be read."
AFTER_HEADER = "The file is damaged after row 1: it cannot be read."
FAR = (
    "Cell {} lies beyond column ALL, the last of the 1000 columns read: delete what stands "
    "there, or split the sheet."
)

HOSTILE = {
    # name: (file name, the file, its refusal)
    "cell at column ZZZZZZ": (
        "far.xlsx",
        lambda: xlsx_of(f'<row r="2">{text_cell("ZZZZZZ2")}</row>'),
        FAR.format("ZZZZZZ2"),
    ),
    "cells with no reference past the last column": (
        "wide.xlsx",
        lambda: xlsx_of('<row r="2">' + "<c><v>1</v></c>" * 1001 + "</row>"),
        FAR.format("ALM2"),
    ),
    "ODS cell repeated a million columns": (
        "columns.ods",
        lambda: ods_of(ods_row(ods_cell(repeat=1_000_000))),
        FAR.format("ALM2"),
    ),
    "ODS row repeated a billion times": (
        "rows.ods",
        lambda: ods_of(ods_row(ods_cell(), repeat=1_000_000_000)),
        "The sheet has more than 100000 rows: split it into several files.",
    ),
    "ODS rows times columns past the cells limit": (
        "cells.ods",
        lambda: ods_of(ods_row(ods_cell(repeat=900), repeat=90_000)),
        "The sheet has more than 5000000 cells (rows times columns): split it into several "
        "files, or delete the columns it does not need.",
    ),
    "ODS run of spaces claiming a gigabyte": (
        "spaces.ods",
        lambda: ods_of(ods_row(ods_cell('a<text:s text:c="1000000000"/>b'))),
        AFTER_HEADER,
    ),
    "bad CRC": ("crc.xlsx", bad_crc, DAMAGED),
    "lying size": (
        "size.xlsx",
        lambda: lying_size(xlsx_of(f'<row r="2">{text_cell("A2")}</row>'), SHEET, 40),
        DAMAGED,
    ),
    "non-numeric value": (
        "value.xlsx",
        lambda: xlsx_of('<row r="2"><c r="A2"><v>x</v></c></row>'),
        AFTER_HEADER,
    ),
    "shared string out of range": (
        "string.xlsx",
        lambda: xlsx_of('<row r="2"><c r="A2" t="s"><v>7</v></c></row>', ["a"]),
        AFTER_HEADER,
    ),
    "negative shared string": (
        "negative.xlsx",
        lambda: xlsx_of('<row r="2"><c r="A2" t="s"><v>-1</v></c></row>', ["a"]),
        AFTER_HEADER,
    ),
    "bad date": (
        "date.xlsx",
        lambda: xlsx_of('<row r="2"><c r="A2" t="d"><v>1996-13-45</v></c></row>'),
        AFTER_HEADER,
    ),
    "reference without letters": (
        "reference.xlsx",
        lambda: xlsx_of(f'<row r="2">{text_cell("12")}</row>'),
        AFTER_HEADER,
    ),
    "bad row number": (
        "row.xlsx",
        lambda: xlsx_of(f'<row r="x">{text_cell("A2")}</row>'),
        AFTER_HEADER,
    ),
}


def refusal_of(name, content):
    with translation.override("en"):
        report = check("sources", content, name)
    assert not report.ok
    return report.refused


@pytest.mark.parametrize("shape", HOSTILE)
def test_a_hostile_file_is_refused_quickly_in_little_memory(shape):
    name, build, message = HOSTILE[shape]
    content = build()
    assert len(content) < 64 * 1024
    tracemalloc.start()
    started = time.perf_counter()
    try:
        refused = refusal_of(name, content)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert refused == message
    assert peak < 300 * MEGABYTE, f"{peak / MEGABYTE:.0f} MB"
    assert seconds < 5, f"{seconds:.1f} s"


def test_blank_repeats_and_far_blank_cells_are_never_expanded():
    trailing = '<table:table-cell table:number-columns-repeated="1000000"/>'
    content = ods_of(ods_row(ods_cell("a") + trailing) + ods_row(trailing, repeat=1_000_000_000))
    tracemalloc.start()
    try:
        rows = list(read_table(io.BytesIO(content), "blank.ods").rows)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert rows == [(1, ["key"]), (2, ["a"])]
    assert peak < 50 * MEGABYTE
    far_blank = xlsx_of(f'<row r="2">{text_cell("A2")}<c r="ZZZZZZ2" s="1"/></row>')
    assert list(read_table(io.BytesIO(far_blank), "a.xlsx").rows)[1] == (2, ["a"])


def nothing_written():
    return not (
        ImportBatch.objects.exists() or StoredFile.objects.exists() or Source.objects.exists()
    )


@pytest.mark.parametrize("shape", HOSTILE)
def test_a_hostile_file_leaves_nothing_in_the_admin(curator_client, shape):
    name, build, message = HOSTILE[shape]
    with translation.override("en"):
        url = reverse("admin:rkst_importbatch_upload")
    response = curator_client.post(
        url, {"sheet": "sources", "file": SimpleUploadedFile(name, build())}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="refused"' in page and 'id="confirm_form"' not in page
    assert nothing_written()


@pytest.mark.parametrize("shape", HOSTILE)
def test_a_hostile_file_leaves_nothing_from_the_command(tmp_path, capsys, shape):
    name, build, message = HOSTILE[shape]
    path = tmp_path / name
    path.write_bytes(build())
    with translation.override("en"), pytest.raises(CommandError):
        call_command("import_sheet", "sources", str(path))
    assert message in capsys.readouterr().err
    assert nothing_written()


def test_the_refusal_is_in_the_curators_language():
    name, build, _message = HOSTILE["cell at column ZZZZZZ"]
    with translation.override("ru"):
        report = check("sources", build(), name)
    assert report.refused.startswith("Ячейка ZZZZZZ2")


# Control characters ----------------------------------------------------------------------------


SOURCES = ["key", "kind", "title"]


def test_a_control_character_is_refused_naming_its_row_and_column():
    content = csv_bytes([SOURCES, ["a", "book", "Звонок\x07"], ["b", "book", "\x1b[31m"]])
    with translation.override("en"):
        report = check("sources", content, "a.csv")
    assert [(p["row"], p["column"]) for p in report.problems] == [(2, "title"), (3, "title")]
    assert report.problems[0]["message"] == (
        "The text holds a control character (U+0007): delete it."
    )
    assert report.problems[0]["value"] == "Звонок\u2407"
    assert "\x07" not in report.lines()[0]


def test_a_heading_with_a_control_character_is_refused():
    content = csv_bytes([["key", "ti\x07tle"], ["a", "b"]])
    with translation.override("en"):
        assert check("sources", content, "a.csv").refused == (
            "Row 1, column B: The text holds a control character (U+0007): delete it."
        )


def test_the_control_characters_an_import_allows():
    content = csv_bytes([SOURCES, ["a", "book", "Строка\tи\r\nещё"]])
    assert check("sources", content, "a.csv").ok


@pytest.fixture
def stored_control_text():
    return make_source(key="bell", title="Звонок\x07 и \x1b", state="published")


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_stored_control_characters_export_in_every_public_format(client, stored_control_text, fmt):
    response = client.get("/sources/", {"export": fmt})
    assert response.status_code == 200
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(response.content)).active
        assert "Звонок\u2407 и \u241b" in [cell.value for row in sheet.iter_rows() for cell in row]
    else:
        assert "Звонок" in response.content.decode("utf-8-sig")


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_stored_control_characters_export_in_the_curators_sheets(
    curator_client, stored_control_text, fmt
):
    response = curator_client.get(
        reverse("admin:rkst_importbatch_export", args=["sources"]), {"format": fmt}
    )
    assert response.status_code == 200
    if fmt == "xlsx":
        values = [
            c.value
            for row in load_workbook(io.BytesIO(response.content)).active.iter_rows()
            for c in row
        ]  # noqa: E501
        assert "Звонок\u2407 и \u241b" in values


# Choices ---------------------------------------------------------------------------------------


def choice_columns():
    return [
        pytest.param(column, id=f"{sheet.name}.{column.code}")
        for sheet in imports.sheets()
        for column in sheet.columns
        if isinstance(column, imports.ChoiceColumn)
    ]


@pytest.mark.parametrize("column", choice_columns())
def test_every_code_and_label_of_every_choice_reads_as_its_own_code(column):
    parser = imports.Choices(column.choices)
    for code, label in parser.pairs:
        for language in ("en", "ru"):
            with translation.override(language):
                text = str(label)
                for written in (code, text, text.upper(), text.replace(" ", "-")):
                    assert parser.parse(written) == code, (written, code)


@pytest.mark.parametrize(
    "written",
    [
        "inter-academy",
        "Inter academy",
        "межакадемический",
        "МЕЖАКАДЕМИЧЕСКИЙ И межвузовский",
        "interacademy",
    ],
)
def test_a_choice_is_read_in_the_forms_curators_write(written):
    from agreements.models import Agreement

    assert imports.Choices(Agreement.Level).parse(written) == "interacademy"


def test_an_ambiguous_choice_names_its_candidates():
    from agreements.models import Agreement

    with translation.override("en"), pytest.raises(imports.CellError) as error:
        imports.Choices(Agreement.Level).parse("inter")
    assert str(error.value) == (
        "“inter” could be any of: interacademy (inter-academy and inter-university), interagency "
        "(interagency), intergovernmental (intergovernmental), interregional (interregional), "
        "interstate (interstate). Write the code."
    )


def test_two_codes_whose_labels_normalise_alike_are_an_error_not_a_guess():
    parser = imports.Choices([("a", "Co-op"), ("b", "coop")])
    with translation.override("en"), pytest.raises(imports.CellError, match="could be any of: a"):
        parser.parse("CO OP")
    assert parser.parse("a") == "a" and parser.parse("b") == "b"
