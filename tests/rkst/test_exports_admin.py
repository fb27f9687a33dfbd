"""The admin's exports through django-import-export: the export page (columns and formats
chosen), the "export selected" action, `manage.py export`, the permission, and files that
import back through our import with nothing to change."""

import csv
import io
import json
from pathlib import Path

import pytest
import tablib
from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from agreements.models import Agreement
from rkst import imports
from rkst.models import Source
from tests.conftest import PASSWORD

pytestmark = pytest.mark.django_db

FIXTURES = sorted(str(path) for path in (Path(settings.BASE_DIR) / "fixtures").glob("*.json"))
FORMAT_INDEX = {"xlsx": "0", "csv": "1", "ods": "2", "json": "3"}
ADMINS = {"agreements": "agreements_agreement", "actors": "actors_actor", "sources": "rkst_source"}


@pytest.fixture
def seed():
    call_command("loaddata", *FIXTURES, verbosity=0)


def rows_of(content, fmt):
    """The file's rows as lists of text, heading first."""
    if fmt == "csv":
        assert content.startswith("\ufeff".encode())
        return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline="")))
    if fmt == "xlsx":
        sheet = load_workbook(io.BytesIO(content)).active
        return [
            ["" if v is None else str(v) for v in row] for row in sheet.iter_rows(values_only=True)
        ]
    if fmt == "ods":
        dataset = tablib.Dataset().load(content, format="ods")
        return [list(dataset.headers)] + [["" if v is None else str(v) for v in r] for r in dataset]
    data = json.loads(content)
    return [list(data[0])] + [["" if v is None else str(v) for v in row.values()] for row in data]


def export_url(sheet):
    return reverse(f"admin:{ADMINS[sheet]}_export")


def post_export(client, sheet, fmt="csv", columns=None, resource=0, items=None, query=""):
    """The export page's form as a curator submits it: every column ticked unless `columns`."""
    resource_class = _admin(sheet).get_export_resource_classes(None)[resource]
    codes = columns or resource_class().get_export_order()
    prefix = resource_class.__name__.lower()
    data = {"format": FORMAT_INDEX[fmt], "resource": str(resource)}
    data |= {f"{prefix}_{code}": "on" for code in codes}
    if items is not None:
        data["export_items"] = [str(pk) for pk in items]
    return client.post(export_url(sheet) + query, data)


def _admin(sheet):
    from django.contrib import admin

    model = {"agreements": Agreement, "sources": Source}.get(sheet)
    if model is None:
        from actors.models import Actor

        model = Actor
    return admin.site._registry[model]


def test_the_export_page_offers_the_columns_and_formats_without_inline_script(seed, curator_client):
    response = curator_client.get(export_url("agreements"))
    assert response.status_code == 200
    html = response.content.decode()
    for label in (
        "Название (по-русски) (title_ru)",
        "Стороны (parties)",
        "Дословный текст (quote)",
    ):
        assert label in html
    # The citations sheet of the chosen agreements is the other resource.
    assert "Столбцы листа «Соглашения»" in html and "Столбцы листа «Цитаты»" in html
    for fmt in ("xlsx", "csv", "ods", "json"):
        assert f">{fmt}</option>" in html
    assert "onchange=" not in html and "style=" not in html and "<script>" not in html


@pytest.mark.parametrize("fmt", ["xlsx", "csv", "ods", "json"])
def test_the_export_page_writes_the_chosen_columns_in_each_format(seed, curator_client, fmt):
    response = post_export(curator_client, "agreements", fmt, columns=["key", "title_ru", "kind"])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith('attachment; filename="agreements-')
    rows = rows_of(response.content, fmt)
    assert rows[0] == ["key", "title_ru", "kind"]
    expected = sorted(Agreement.objects.values_list("key", "title_ru", "kind"))
    assert sorted(tuple(row) for row in rows[1:]) == expected


def test_the_export_page_exports_the_filtered_list(seed, curator_client):
    kind = Agreement.objects.values_list("kind", flat=True).first()
    response = post_export(curator_client, "agreements", "csv", ["key"], query=f"?kind={kind}")
    keys = [row[0] for row in rows_of(response.content, "csv")[1:]]
    assert sorted(keys) == sorted(Agreement.objects.filter(kind=kind).values_list("key", flat=True))
    assert len(keys) < Agreement.objects.count()


def test_the_export_action_exports_exactly_the_ticked_rows(seed, curator_client):
    ticked = list(Agreement.objects.order_by("key").values_list("pk", flat=True)[1:4])
    changelist = reverse("admin:agreements_agreement_changelist")
    page = curator_client.get(changelist).content.decode()
    assert 'value="export_admin_action"' in page
    response = curator_client.post(
        changelist, {"action": "export_admin_action", "_selected_action": ticked}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Экспортировать 3 выбранных элемента." in html
    for pk in ticked:
        assert f'name="export_items" value="{pk}"' in html
    assert "onchange=" not in html
    response = post_export(curator_client, "agreements", "xlsx", ["key"], items=ticked)
    keys = [row[0] for row in rows_of(response.content, "xlsx")[1:]]
    assert sorted(keys) == sorted(
        Agreement.objects.filter(pk__in=ticked).values_list("key", flat=True)
    )


def test_the_citations_of_ticked_agreements_export_as_the_citations_sheet(seed, curator_client):
    agreement = Agreement.objects.filter(citations__isnull=False).order_by("key").first()
    response = post_export(curator_client, "agreements", "csv", resource=1, items=[agreement.pk])
    rows = rows_of(response.content, "csv")
    assert response["Content-Disposition"].startswith('attachment; filename="citations-')
    assert rows[0] == imports.get_sheet("citations").codes()
    assert {row[1] for row in rows[1:]} == {agreement.key}
    assert len(rows) - 1 == agreement.citations.count()


def test_cells_that_look_like_formulas_are_escaped_in_spreadsheets_only(seed, curator_client):
    agreement = Agreement.objects.order_by("key").first()
    Agreement.objects.filter(pk=agreement.pk).update(title_en="=HYPERLINK(1)")
    for fmt, expected in (("csv", "'=HYPERLINK(1)"), ("xlsx", "'=HYPERLINK(1)"),
                          ("ods", "'=HYPERLINK(1)"), ("json", "=HYPERLINK(1)")):  # fmt: skip
        response = post_export(curator_client, "agreements", fmt, ["key", "title_en"])
        rows = dict(rows_of(response.content, fmt)[1:])
        assert rows[agreement.key] == expected, fmt


@pytest.mark.parametrize("sheet", ["agreements", "actors", "sources", "citations"])
@pytest.mark.parametrize("fmt", ["xlsx", "csv", "ods"])
def test_an_admin_export_imports_back_with_nothing_to_change(seed, curator_client, sheet, fmt):
    if sheet == "citations":
        # The citations of every agreement, from the agreements' list.
        response = post_export(curator_client, "agreements", fmt, resource=1)
    else:
        response = post_export(curator_client, sheet, fmt)
    assert response.status_code == 200
    report = imports.run_import(sheet, io.BytesIO(response.content), f"{sheet}.{fmt}")
    assert report.ok, report.lines()
    assert report.rows_total > 0
    assert dict(report.counts) == {"unchanged": report.rows_total}


def _command(*args):
    out = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    call_command("export", *args, stdout=out)
    out.flush()
    return out.buffer.getvalue()


@pytest.mark.parametrize(
    "fmt, resource",
    [("CSV", "agreements"), ("xlsx", "actors.Actor"), ("ods", "sources"), ("csv", "citations"),
     ("rkst.imports.exporting.CSV", "rkst.imports.exporting.AgreementsResource")],
)  # fmt: skip
def test_manage_py_export_writes_a_sheet_that_imports_back_unchanged(seed, fmt, resource):
    content = _command(fmt, resource)
    sheet = {"actors.Actor": "actors", "rkst.imports.exporting.AgreementsResource": "agreements"}
    sheet = sheet.get(resource, resource)
    extension = fmt.rsplit(".", 1)[-1].lower()
    rows = rows_of(content, extension)
    assert rows[0] == imports.get_sheet(sheet).codes()
    report = imports.run_import(sheet, io.BytesIO(content), f"{sheet}.{extension}")
    assert report.ok, report.lines()
    assert report.rows_total == len(rows) - 1 > 0
    assert dict(report.counts) == {"unchanged": report.rows_total}


@pytest.fixture
def viewer_client(db, django_user_model):
    """A staff account that may view every record but not export."""
    group = Group.objects.create(name="viewers")
    group.permissions.set(Permission.objects.filter(codename__startswith="view_"))
    user = django_user_model.objects.create_user("viewer", password=PASSWORD, is_staff=True)
    user.groups.add(group)
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("sheet", ["agreements", "actors", "sources"])
def test_without_the_export_permission_there_is_no_export(seed, viewer_client, sheet):
    changelist = viewer_client.get(reverse(f"admin:{ADMINS[sheet]}_changelist"))
    assert changelist.status_code == 200
    html = changelist.content.decode()
    assert "export_admin_action" not in html
    assert export_url(sheet) not in html
    assert viewer_client.get(export_url(sheet)).status_code == 403
    assert post_export(viewer_client, sheet, "csv").status_code == 403
    pks = list(_admin(sheet).model.objects.values_list("pk", flat=True)[:2])
    response = viewer_client.post(
        reverse(f"admin:{ADMINS[sheet]}_changelist"),
        {"action": "export_admin_action", "_selected_action": pks},
    )
    assert b"export_items" not in response.content
