"""Export, then import the file back: for each sheet, in XLSX and CSV, on the seed catalogue,
on a generated one and on one holding awkward values, the preview finds nothing to change and
confirming writes nothing: no citation, version, timestamp, history row, import row or
catalogue version. One changed cell changes exactly its record."""

import csv
import datetime
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from openpyxl import load_workbook

from actors.models import Actor, ActorAlias
from agreements.imports import TARGETS
from agreements.models import Agreement, AgreementCitation
from rkst import imports
from rkst.imports.forms import export_sheet
from rkst.models import CatalogueVersion, ImportRow, Source, Transition
from tests.sheets import csv_bytes, xlsx

pytestmark = pytest.mark.django_db

FIXTURES = sorted(str(path) for path in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
SHEETS = ["agreements", "actors", "sources", "citations"]
FORMATS = ["xlsx", "csv"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def seed():
    call_command("loaddata", *FIXTURES, verbosity=0)


def generated():
    call_command(
        "generate_catalogue", agreements=40, actors=15, citations=160, seed=7, stdout=io.StringIO()
    )


def awkward():
    """The seed with values as other paths than the admin's forms may have left them."""
    seed()
    agreement = Agreement.objects.get(key="baikonur-lease-1994")
    Agreement.objects.filter(pk=agreement.pk).update(
        title_en="'=not a formula",
        summary_ru="Line one\r\nline two\r\n\r\nthree",
        summary_en="spaces after ",
        # A month stored on another day than the first.
        signed_on=datetime.date(1994, 12, 10),
        signed_on_precision="month",
    )
    citation = AgreementCitation.objects.filter(record=agreement).order_by("pk").first()
    AgreementCitation.objects.filter(pk=citation.pk).update(
        quote="quote\r\nacross lines", locator="'+5", note="''-note"
    )
    Source.objects.filter(key="article").update(pages="'-12", volume="007")
    actor = Actor.objects.filter(aliases__isnull=False).order_by("pk").first()
    ActorAlias.objects.create(actor=actor, name=" spaced ")
    Actor.objects.filter(pk=actor.pk).update(
        founded_on=datetime.date(1854, 6, 15), founded_on_precision="year"
    )


CATALOGUES = {"seed": seed, "generated": generated, "awkward": awkward}


def _models():
    catalogue = [m for m in apps.get_models() if m._meta.app_label in ("actors", "agreements")]
    histories = [
        m
        for m in apps.get_models()
        if m._meta.app_label in ("actors", "agreements", "rkst")
        and m.__name__.startswith("Historical")
    ]
    records = [m for m in catalogue if m not in histories] + [Source, Transition, ImportRow]
    return records, histories


RECORDS, HISTORIES = _models()
CITATIONS = [citation_model for _model, citation_model, _lookup in TARGETS.values()]
CURATED = [m for m in RECORDS if {"version", "updated_at"} <= {f.name for f in m._meta.fields}]


def state():
    """What a re-import must leave as it is."""
    return {
        "citations": {m.__name__: m.objects.count() for m in CITATIONS},
        "versions": {
            m.__name__: list(m.objects.order_by("pk").values_list("pk", "version", "updated_at"))
            for m in CURATED
        },
        "history": {m.__name__: m.objects.count() for m in HISTORIES},
        "catalogue": CatalogueVersion.current(),
        "rows": {m.__name__: {row["id"]: row for row in m.objects.values()} for m in RECORDS},
    }


@pytest.fixture
def catalogue(request, django_capture_on_commit_callbacks):
    # The catalogue version counts changes when their transaction commits, which a test's
    # never does: run them now, the curator's account included, as if each had committed.
    with django_capture_on_commit_callbacks(execute=True):
        request.getfixturevalue("curator")
        CATALOGUES[request.param]()
    assert Agreement.objects.exists()
    return request.param


def exported(sheet, fmt):
    response = export_sheet(sheet, fmt)
    assert response.status_code == 200
    return response.content


def reimport(sheet, content, fmt, user, callbacks):
    """Preview and confirm a batch, as the admin and the import_sheet command do."""
    batch = imports.new_batch(sheet, f"{sheet}.{fmt}", ContentFile(content), user=user)
    preview = imports.preview(batch)
    assert preview.ok, preview.lines()
    with callbacks(execute=True):
        report = imports.confirm(batch)
    assert report.ok, report.lines()
    batch.refresh_from_db()
    return preview, batch


@pytest.mark.parametrize("catalogue", list(CATALOGUES), indirect=True)
@pytest.mark.parametrize("sheet", SHEETS)
def test_an_exported_sheet_imports_back_as_no_change(
    catalogue, sheet, curator, django_capture_on_commit_callbacks
):
    before = state()
    # Both files are exported from the catalogue as it was before either import.
    files = {fmt: exported(sheet, fmt) for fmt in FORMATS}
    for fmt, content in files.items():
        preview, batch = reimport(sheet, content, fmt, curator, django_capture_on_commit_callbacks)
        assert preview.rows_total > 0, fmt
        changed = [row for row in preview.rows if row["action"] != "unchanged"]
        assert changed == [], fmt
        assert preview.counts == {"unchanged": preview.rows_total}, fmt
        assert (batch.status, batch.created, batch.updated) == ("imported", 0, 0), fmt
        assert batch.unchanged == preview.rows_total, fmt
        assert not ImportRow.objects.exists(), fmt
        after = state()
        for part in before:
            assert after[part] == before[part], (fmt, part)


def edit_cell(content, fmt, column, value):
    """The file with `column` of its first row set to `value`, and that row's cells."""
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    else:
        rows = [
            list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows(values_only=True)
        ]
    header, first = rows[0], rows[1]
    cells = dict(zip(header, first, strict=True))
    first[header.index(column)] = value
    return (csv_bytes(rows) if fmt == "csv" else xlsx(rows)), cells


def record_of(sheet, cells):
    if sheet != "citations":
        model = {"agreements": Agreement, "actors": Actor, "sources": Source}[sheet]
        return model.objects.get(key=cells["key"])
    citation_model = TARGETS[cells["record_type"]][1]
    return citation_model.objects.get(
        record__key=cells["record"],
        source__key=cells["source"],
        field=cells["field"] or "",
        locator=cells["locator"] or "",
    )


@pytest.mark.parametrize("catalogue", ["seed"], indirect=True)
@pytest.mark.parametrize(
    "sheet, column, fmt",
    [("agreements", "title_en", "xlsx"), ("actors", "name_en", "csv"),
     ("sources", "title", "xlsx"), ("citations", "note", "csv")],
)  # fmt: skip
def test_one_changed_cell_updates_exactly_its_record(
    catalogue, sheet, column, fmt, curator, django_capture_on_commit_callbacks
):
    content, cells = edit_cell(exported(sheet, fmt), fmt, column, "Changed in the sheet")
    record = record_of(sheet, cells)
    before = state()
    preview, batch = reimport(sheet, content, fmt, curator, django_capture_on_commit_callbacks)
    assert preview.counts == {"update": 1, "unchanged": preview.rows_total - 1}
    assert [row["changes"] for row in preview.rows if row["action"] == "update"] == [
        [(column, cells[column] or "", "Changed in the sheet")]
    ]
    after = state()
    model = type(record)
    changed = {
        (name, pk)
        for name, rows in after["rows"].items()
        for pk in rows.keys() | before["rows"][name].keys()
        if rows.get(pk) != before["rows"][name].get(pk)
    }
    assert changed == {(model.__name__, record.pk), ("ImportRow", ImportRow.objects.get().pk)}
    assert getattr(model.objects.get(pk=record.pk), column) == "Changed in the sheet"
    history = {name: after["history"][name] - count for name, count in before["history"].items()}
    # One history row, with its snapshot of the record's many-to-many links.
    history = {name: n for name, n in history.items() if n and "_" not in name}
    assert history == {f"Historical{model.__name__}": 1}
    assert ImportRow.objects.get().action == "update"
    assert after["catalogue"] == before["catalogue"] + 1
    if model in CURATED:
        old, new = (
            before["rows"][model.__name__][record.pk],
            after["rows"][model.__name__][record.pk],
        )
        assert new["version"] == old["version"] + 1
        assert new["updated_at"] > old["updated_at"]
