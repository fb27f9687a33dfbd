"""Reading spreadsheets safely (formats, encodings, limits, XML bombs), the sources sheet, the
import_sheet command, templates and permissions."""

import io
import re
import zipfile

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import translation

from rkst import imports
from rkst.imports import ImportRefused, read_table
from rkst.models import ImportBatch, Source
from tests.sheets import check, csv_bytes, load, ods, rewrite_zip, xlsx

pytestmark = pytest.mark.django_db

SOURCES = ["key", "kind", "authors", "title", "container", "year", "volume", "issue", "pages",
           "url", "doi", "language"]  # fmt: skip


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def source(**values):
    base = {"key": "", "kind": "article", "title": "Сотрудничество России и Казахстана"}
    base.update(values)
    return [base.get(column, "") for column in SOURCES]


def rows_of(content, name="sheet.xlsx"):
    return list(read_table(io.BytesIO(content), name).rows)


def refusal(content, name="sheet.xlsx", sheet="sources"):
    with translation.override("en"):
        report = check(sheet, content, name)
    assert not report.ok
    return report.refused


# Formats and encodings -----------------------------------------------------------------------


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp1251"])
@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_it_reads_csv_in_each_encoding_and_delimiter(encoding, delimiter):
    content = csv_bytes(
        [SOURCES, source(key="a", title="Ёлки; «палки», ещё", authors="Иванов И. И.; Пётр")],
        encoding,
        delimiter,
    )
    load("sources", content, name="sources.csv")
    record = Source.objects.get(key="a")
    assert record.title == "Ёлки; «палки», ещё"
    assert record.authors == "Иванов И. И.; Пётр"


@pytest.mark.parametrize(
    "content",
    [
        "key,title\r\nа,Соглашение о сотрудничестве в области науки и техники\r\n".encode("koi8-r"),
        "key,title\r\nx,Соглашение\r\n".encode("utf-16-le"),
        bytes(range(128, 256)) * 4,
    ],
    ids=["koi8-r", "utf-16 without BOM", "binary"],
)
def test_a_file_that_cannot_be_decoded_is_refused_not_imported_as_mojibake(content):
    assert refusal(content, "sources.csv") == (
        "The file cannot be read as text in UTF-8 or Windows-1251: save it as CSV UTF-8, "
        "or as .xlsx or .ods."
    )
    assert not Source.objects.exists()


def test_it_reads_ods_values_and_dates():
    content = ods([SOURCES, source(key="a", year=2021, volume="12")])
    load("sources", content, name="sources.ods")
    assert Source.objects.get(key="a").year == 2021


def test_it_reads_every_row_of_an_xlsx_that_declares_a_wrong_dimension():
    content = xlsx([SOURCES, *[source(key=f"s-{n}", year=2000) for n in range(300)]])
    content = rewrite_zip(
        content,
        "xl/worksheets/sheet1.xml",
        lambda xml: re.sub(rb'<dimension ref="[A-Z0-9:]+"', b'<dimension ref="A1:B2"', xml),
    )
    assert b'ref="A1:B2"' in zipfile.ZipFile(io.BytesIO(content)).read("xl/worksheets/sheet1.xml")
    _batch, report = load("sources", content)
    assert report.counts == {"create": 300}
    assert Source.objects.count() == 300


def test_trailing_blank_rows_are_ignored_in_every_format():
    body = [SOURCES, source(key="a"), ["", "", ""], source(key="b"), *[[""] * 12] * 50]
    for content, name in [
        (xlsx(body), "a.xlsx"),
        (ods(body), "a.ods"),
        (csv_bytes(body), "a.csv"),
        (csv_bytes(body) + b"\r\n\r\n,,,\r\n", "b.csv"),
    ]:
        report = check("sources", content, name)
        assert report.ok and report.rows_total == 2, name
        assert [r["row"] for r in report.rows] == [2, 4], name


def test_libreoffices_million_blank_rows_are_not_expanded():
    content = ods([SOURCES, source(key="a")])
    content = rewrite_zip(
        content,
        "content.xml",
        lambda xml: xml.replace(
            b"</table:table>",
            b'<table:table-row table:number-rows-repeated="1048000"><table:table-cell '
            b'table:number-columns-repeated="1024"/></table:table-row></table:table>',
        ),
    )
    report = check("sources", content, "big.ods")
    assert report.ok and report.rows_total == 1


def test_escaped_formula_cells_are_restored_and_real_formulas_refused():
    content = xlsx([SOURCES, source(key="a", title="'=1+1", authors="'-Минус; '@at", pages="'+5")])
    load("sources", content)
    record = Source.objects.get(key="a")
    assert (record.title, record.authors, record.pages) == ("=1+1", "-Минус; '@at", "+5")
    report = check("sources", xlsx([SOURCES, source(key="b", title="=A1&B1")]))
    with translation.override("en"):
        report = check("sources", xlsx([SOURCES, source(key="b", title="=A1&B1")]))
    assert report.problems == [
        {
            "row": 2,
            "column": "title",
            "value": "=A1&B1",
            "message": "The cell holds a formula (=A1&B1): put its value instead.",
        }
    ]


BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
)
REFUSED_XML = (
    "The file holds XML entity declarations, which are refused: they can be used to attack "
    "the server."
)


@pytest.mark.parametrize("member", ["xl/worksheets/sheet1.xml", "xl/workbook.xml", "xl/styles.xml"])
def test_an_xml_bomb_in_an_xlsx_is_refused(member):
    def explode(xml):
        body = xml.split(b"?>", 1)[1] if xml.startswith(b"<?xml") else xml
        return BOMB + body.replace(b"<sheetData>", b"<sheetData>&lol3;", 1)

    content = rewrite_zip(xlsx([SOURCES, source(key="a")]), member, explode)
    assert refusal(content) == REFUSED_XML


def test_an_xml_bomb_in_an_ods_is_refused():
    content = rewrite_zip(
        ods([SOURCES, source(key="a")]),
        "content.xml",
        lambda xml: BOMB + xml.split(b"?>", 1)[1],
    )
    assert refusal(content, "a.ods") == REFUSED_XML


def test_an_oversized_file_is_refused_before_it_is_read(settings):
    settings.IMPORT_MAX_FILE_SIZE = 1000
    content = csv_bytes([SOURCES, *[source(key=f"s-{n}") for n in range(50)]])
    assert re.fullmatch(
        r"The file is 4.4\sKB; at most 1000\sbytes may be imported.", refusal(content, "a.csv")
    )


def test_a_file_too_big_unpacked_is_refused(settings):
    settings.IMPORT_MAX_UNCOMPRESSED_SIZE = 20_000
    content = xlsx([SOURCES, *[source(key=f"s-{n}", title="Текст " * 50) for n in range(40)]])
    assert re.fullmatch(
        r"Unpacked, the file would take [\d.]+\sKB; at most 19.5\sKB is allowed.", refusal(content)
    )


@pytest.mark.parametrize("name, build", [("a.xlsx", xlsx), ("a.ods", ods), ("a.csv", csv_bytes)])
def test_a_sheet_with_too_many_rows_is_refused(settings, name, build):
    settings.IMPORT_MAX_ROWS = 5
    content = build([SOURCES, *[source(key=f"s-{n}") for n in range(6)]])
    assert refusal(content, name) == "The sheet has more than 5 rows: split it into several files."
    settings.IMPORT_MAX_ROWS = 6
    assert check("sources", content, name).ok


def test_old_excel_files_and_damaged_files_are_refused():
    assert refusal(b"\xd0\xcf\x11\xe0" + b"\x00" * 100, "a.xls") == (
        "Old Excel .xls files are not read: save the sheet as .xlsx, .ods or .csv."
    )
    assert refusal(b"PK\x03\x04garbage", "a.xlsx") == "The file is damaged: it cannot be opened."
    assert refusal(b"", "a.csv") == "The file is empty."


# Headers -------------------------------------------------------------------------------------


def test_unknown_or_repeated_columns_are_refused_by_name():
    assert refusal(xlsx([["key", "titel", "kind", "kind"], ["a", "x", "book", "book"]])) == (
        "Unknown columns: “titel”. The columns of this sheet are: key, kind, authors, title, "
        "container, year, volume, issue, pages, url, doi, language. Columns given twice: “kind”."
    )


def test_columns_may_be_headed_in_russian_or_english_in_any_case():
    with translation.override("ru"):
        russian = [str(imports.get_sheet("sources").column(c).heading) for c in SOURCES]
    english = ["KEY", "Kind", "Authors", "title", "Journal or series", "year", "volume", "issue",
               "pages", "URL", "doi", "language"]  # fmt: skip
    for header in (russian, [h.upper() for h in russian], english):
        report = check("sources", xlsx([header, source(key="a")]))
        assert report.ok, (header, report.refused)


# The sources sheet -------------------------------------------------------------------------------


def test_the_sources_sheet_creates_updates_and_leaves_alone():
    Source.objects.create(key="old", kind="book", title="Книга")
    content = xlsx(
        [
            SOURCES,
            source(key="old", kind="Книга", title="Книга, 2-е изд.", year=2019),
            source(title="Научно-техническое сотрудничество", year=2021, doi="10.1234/abc"),
            source(key="web", kind="веб-страница", title="Страница", url="https://example.org"),
        ]
    )
    _batch, report = load("sources", content)
    assert report.counts == {"update": 1, "create": 2}
    assert Source.objects.get(key="old").title == "Книга, 2-е изд."
    assert Source.objects.get(key="nauchno-tekhnicheskoe-sotrudnichestvo-2021").doi == "10.1234/abc"
    assert Source.objects.get(key="web").kind == "web"
    assert check("sources", content).counts == {"unchanged": 3}


def test_the_sources_sheet_reports_bad_values():
    content = xlsx(
        [
            SOURCES,
            source(key="a", doi="doi:10/1", year="MMXX"),
            source(key="b", kind="web", url=""),
            source(key="c", kind="статейка"),
        ]
    )
    with translation.override("en"):
        report = check("sources", content)
    assert [(p["row"], p["column"], p["value"], p["message"]) for p in report.problems][:3] == [
        (2, "year", "MMXX", "“MMXX” is not a year."),
        (2, "doi", "doi:10/1", "A DOI looks like 10.1234/abc."),
        (3, "url", "", "A web page needs its URL."),
    ]
    assert report.problems[3]["message"].startswith("“статейка” is not one of: article (")


# The command ---------------------------------------------------------------------------------


def write(tmp_path, content, name="sources.xlsx"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_the_command_imports_and_a_second_run_changes_nothing(tmp_path, capsys):
    path = write(tmp_path, xlsx([SOURCES, source(key="a"), source(key="b")]))
    call_command("import_sheet", "sources", str(path))
    out = capsys.readouterr().out
    assert "sources.xlsx: 2 rows; created 2, updated 0, unchanged 0. Import #" in out
    assert Source.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.created, batch.file_name) == ("imported", 2, "sources.xlsx")
    call_command("import_sheet", "sources", str(path))
    assert "created 0, updated 0, unchanged 2" in capsys.readouterr().out


def test_the_command_dry_run_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, xlsx([SOURCES, source(key="a")]))
    call_command("import_sheet", "sources", str(path), "--dry-run")
    assert "to create 1" in capsys.readouterr().out
    assert not Source.objects.exists() and not ImportBatch.objects.exists()


def test_the_command_fails_listing_the_errors_and_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, xlsx([SOURCES, source(key="a"), source(key="b", year="soon")]))
    with translation.override("en"), pytest.raises(CommandError) as raised:
        call_command("import_sheet", "sources", str(path))
    assert "1 problem(s): nothing was written." in str(raised.value)
    assert "Row 3, column “year”, value “soon”: “soon” is not a year." in capsys.readouterr().err
    assert not Source.objects.exists() and not ImportBatch.objects.exists()


def test_the_command_says_when_the_connection_is_lost_and_writes_nothing(tmp_path, monkeypatch):
    from tests.factories import connection_lost

    def lost(*args, **kwargs):
        raise connection_lost()

    monkeypatch.setattr(imports.writing, "note_rows", lost)
    path = write(tmp_path, xlsx([SOURCES, source(key="a"), source(key="b")]))
    with pytest.raises(CommandError) as raised:
        call_command("import_sheet", "sources", str(path))
    assert str(raised.value) == (
        "The connection to the database was lost during the import (server closed the "
        "connection unexpectedly): nothing was written. Run the import again."
    )
    assert not Source.objects.exists() and not ImportBatch.objects.exists()


def test_the_command_exits_non_zero_on_a_bad_file(tmp_path):
    import subprocess
    import sys

    path = write(tmp_path, b"\x00\x01\x02", "bad.csv")
    done = subprocess.run(
        [sys.executable, "manage.py", "import_sheet", "sources", str(path), "--dry-run"],
        capture_output=True,
        text=True,
    )
    assert done.returncode != 0
    assert "nothing was written" in done.stderr


# Templates, exports, permissions ---------------------------------------------------------------


def test_every_sheet_has_a_template_in_each_format(curator_client):
    for sheet in imports.sheets():
        url = reverse("admin:rkst_importbatch_template", args=[sheet.name])
        response = curator_client.get(url, {"format": "csv"})
        assert response.content.decode("utf-8-sig").strip() == ",".join(sheet.codes())
        response = curator_client.get(url)
        report = check(sheet.name, response.content)
        assert report.ok and report.rows_total == 0, sheet.name


def test_the_committed_templates_match_the_sheets():
    from pathlib import Path

    folder = Path(__file__).resolve().parents[2] / "static" / "sheets"
    for sheet in imports.sheets():
        header = (folder / f"{sheet.name}.csv").read_text(encoding="utf-8-sig").strip()
        assert header == ",".join(sheet.codes()), sheet.name


def test_exporting_needs_the_export_permission(curator, curator_client, django_user_model, client):
    url = reverse("admin:rkst_importbatch_export", args=["sources"])
    assert curator_client.get(url).status_code == 200
    viewer = django_user_model.objects.create_user("viewer", password="x", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_source"))
    client.force_login(viewer)
    assert client.get(url).status_code == 403
    assert client.get(reverse("admin:rkst_source_export_sheet")).status_code == 403


def test_the_groups_hold_the_import_permissions(curator, editor):
    assert curator.has_perm("rkst.import_sheets") and curator.has_perm("rkst.export_sheets")
    assert not curator.has_perm("rkst.undo_importbatch")
    assert editor.has_perm("rkst.import_sheets") and editor.has_perm("rkst.undo_importbatch")
    assert editor.has_perm("agreements.publish_agreement")
    assert not curator.has_perm("agreements.publish_agreement")


def test_an_upload_that_is_not_a_spreadsheet_is_refused_in_the_form(curator_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with translation.override("en"):
        url = reverse("admin:rkst_importbatch_upload")
    response = curator_client.post(
        url, {"sheet": "sources", "file": SimpleUploadedFile("notes.docx", b"PK\x03\x04")}
    )
    assert "Upload an .xlsx, .ods or .csv file, not “notes.docx”." in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_a_refused_file_shows_why_in_the_preview(curator_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with translation.override("en"):
        url = reverse("admin:rkst_importbatch_upload")
    response = curator_client.post(
        url, {"sheet": "sources", "file": SimpleUploadedFile("a.csv", b"\x00\x01")}, follow=True
    )
    page = response.content.decode()
    assert 'id="refused"' in page and "cannot be read as text" in page
    assert 'id="confirm_form"' not in page


def test_a_batch_page_lists_its_records_and_keeps_its_file(curator, curator_client):
    content = xlsx([SOURCES, source(key="a")])
    batch, _report = load("sources", content, user=curator)
    page = curator_client.get(reverse("admin:rkst_importbatch_change", args=[batch.pk]))
    assert page.status_code == 200
    assert reverse("admin:rkst_source_change", args=[Source.objects.get().pk]) in (
        page.content.decode()
    )
    response = curator_client.get(reverse("admin:rkst_importbatch_file", args=[batch.pk]))
    assert response.content == content


def test_stale_previews_and_their_files_are_removed():
    import datetime

    from django.core.files.base import ContentFile
    from django.utils import timezone

    batch = imports.new_batch("sources", "old.csv", ContentFile(b"key\r\na\r\n"))
    ImportBatch.objects.filter(pk=batch.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=3)
    )
    storage, name = batch.file.storage, batch.file.name
    assert storage.exists(name)
    imports.remove_stale_previews()
    assert not ImportBatch.objects.exists() and not storage.exists(name)


def test_reading_a_file_refused_raises_with_its_message():
    with pytest.raises(ImportRefused):
        rows_of(b"\x00\x01", "a.csv")


# The other messages, each by its text ----------------------------------------------------------


@pytest.mark.parametrize(
    "content, name, message",
    [
        (b"key,title\r\na,b\r\n", "a.xlsx", "The file is not a valid .xlsx file."),
        (
            b"zip:readme.txt",
            "a.xlsx",
            "The file is neither an .xlsx nor an .ods spreadsheet.",
        ),
        (
            rewrite_zip(xlsx([["key"], ["a"]]), "xl/worksheets/sheet1.xml", lambda xml: xml[:-40]),
            "a.xlsx",
            "The file is damaged: it cannot be read.",
        ),
        (b"\r\n\r\n", "a.csv", "The sheet is empty."),
        (
            csv_bytes([["kind", "year"], ["book", "2001"]]),
            "a.csv",
            "The sheet needs one of the columns key, title.",
        ),
        (
            b'key,title\r\na,"' + b"x" * 200_000 + b'"\r\n',
            "a.csv",
            "The CSV file is malformed near line 2: field larger than field limit (131072)",
        ),
    ],
    ids=["not-a-zip", "zip-not-a-sheet", "cut-short", "empty", "no-key-column", "csv-field"],
)
def test_each_file_refusal_has_its_message(content, name, message):
    if content.startswith(b"zip:"):
        content = zip_with({content[4:].decode(): b"hello"})
    assert refusal(content, name) == message


def zip_with(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for member, data in members.items():
            archive.writestr(member, data)
    return buffer.getvalue()


def test_a_batch_is_imported_once():
    from django.core.files.base import ContentFile

    batch = imports.new_batch(
        "sources", "a.csv", ContentFile(csv_bytes([SOURCES, source(key="a")]))
    )
    assert imports.confirm(batch).ok
    with translation.override("en"):
        again = imports.confirm(batch)
    assert again.refused == "This file has already been imported."
    assert Source.objects.count() == 1


def test_undo_is_refused_for_a_preview_or_a_record_deleted_since(editor):
    from django.core.files.base import ContentFile

    pending = imports.new_batch(
        "sources", "a.csv", ContentFile(csv_bytes([SOURCES, source(key="a")]))
    )
    batch, _report = load("sources", xlsx([SOURCES, source(key="b")]), user=editor)
    Source.objects.get(key="b").delete()
    with translation.override("en"):
        assert imports.undo_problems(pending) == [
            "Only an import that was carried out can be undone."
        ]
        assert imports.undo_problems(batch) == ["Row 2: the source it imported was deleted since."]


def test_an_undone_batch_says_so_in_the_admin(editor, editor_client):
    batch, _report = load("sources", xlsx([SOURCES, source(key="a")]), user=editor)
    with translation.override("en"):
        url = reverse("admin:rkst_importbatch_undo", args=[batch.pk])
    page = editor_client.get(url).content.decode()
    assert 'id="undo_form"' in page
    response = editor_client.post(url, follow=True)
    assert "The import was undone." in response.content.decode()
    assert not Source.objects.exists()


def test_only_publishable_sheets_may_be_published_on_import(editor_client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    with translation.override("en"):
        url = reverse("admin:rkst_importbatch_upload")
    response = editor_client.post(
        url,
        {
            "sheet": "citations",
            "file": SimpleUploadedFile("c.csv", b"record_type,record\r\n"),
            "publish": "on",
        },
    )
    assert "You may not publish these records." in response.content.decode()
