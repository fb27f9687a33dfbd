"""Import with preview and the preview of a draft in Chromium, as a curator and an editor, at a
desktop's 1366 px and a phone's 390 px: each page keeps the Content-Security-Policy and shows
no English interface words."""

import re

import pytest
from playwright.sync_api import expect

from rkst.models import Source
from tests.browser.conftest import assert_translated, untranslated
from tests.browser.test_admin_browser import log_in
from tests.factories import make_agreement
from tests.rkst.test_imports import SOURCES as COLUMNS
from tests.sheets import csv_bytes, xlsx

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1366, 390)
VALUES = {
    "key": "kuznetsov-2021",
    "kind": "article",
    "authors": "Кузнецов И. П.",
    "title": "Научно-техническое сотрудничество России и Казахстана",
    "container": "Вестник науки",
    "year": "2021",
    "volume": "12",
    "issue": "3",
    "pages": "45–67",
    "url": "https://example.org/kuznetsov",
    "doi": "10.1234/rkst.2021",
    "language": "ru",
}
# What the test wrote in Latin letters, the users' names and the names of the formats.
OWN = [VALUES[c] for c in ("key", "url", "doi")] + ["curator", "editor", "XLSX", "CSV", "ODS"]


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def sheet(name):
    rows = [COLUMNS, [VALUES[column] for column in COLUMNS]]
    return xlsx(rows) if name.endswith(".xlsx") else csv_bytes(rows)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize(("who", "name"), [("curator", "sources.xlsx"), ("editor", "sources.csv")])
def test_a_file_is_previewed_with_every_value_then_imported(
    request, page, violations, who, name, width
):
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, request.getfixturevalue(who).username)
    page.goto("/admin/rkst/importbatch/upload/?sheet=sources")
    assert_translated(page, OWN + COLUMNS)
    page.locator("#id_sheet").select_option("sources")
    page.locator("#id_file").set_input_files(
        files=[{"name": name, "mimeType": "application/octet-stream", "buffer": sheet(name)}]
    )
    page.locator("#upload_form input[type=submit]").click()
    preview = page.locator("#rows")
    expect(preview).to_be_visible()
    created = preview.locator("tr.import-create")
    expect(created).to_have_count(1)
    for value in VALUES.values():
        expect(created).to_contain_text(value)
    expect(created.locator("ul.import-changes li")).to_have_count(len(VALUES) - 1)
    assert not Source.objects.exists()
    assert_translated(page, OWN + [name])
    page.locator("#confirm_form input[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/admin/rkst/importbatch/\d+/change/$"))
    expect(page.locator("#content")).to_contain_text(VALUES["title"])
    record = page.locator("#content a", has_text=VALUES["title"])
    expect(record.first).to_be_visible()
    assert_translated(page, OWN + [name])
    source = Source.objects.get()
    assert (source.key, source.title, source.doi) == (
        VALUES["key"],
        VALUES["title"],
        VALUES["doi"],
    )
    # The record, its history and the list of imports speak Russian too.
    record.first.click()
    expect(page).to_have_url(re.compile(rf"/admin/rkst/source/{source.pk}/change/$"))
    assert_translated(page, OWN)
    for url in (f"/admin/rkst/source/{source.pk}/history/", "/admin/rkst/importbatch/"):
        page.goto(url)
        assert_translated(page, OWN + [name])
    assert violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_a_curator_views_a_draft_on_the_site_with_its_banner(page, violations, curator, width):
    page.set_viewport_size({"width": width, "height": 900})
    draft = make_agreement(title_ru="Соглашение о сотрудничестве в области космоса")
    log_in(page, curator.username)
    page.goto(f"/admin/agreements/agreement/{draft.pk}/change/")
    assert_translated(page, ["curator", draft.key, draft.title_en])
    page.locator("a.viewsitelink").click()
    expect(page).to_have_url(re.compile(re.escape(draft.get_absolute_url()) + "$"))
    expect(page.locator(".draft-banner")).to_be_visible()
    expect(page.locator("h1")).to_contain_text(draft.title_ru)
    assert_translated(page, ["curator", draft.key])
    assert violations == []


def test_the_check_finds_the_english_interface_words_of_the_english_admin(page, curator):
    log_in(page, curator.username)
    page.goto("/en/admin/rkst/importbatch/upload/?sheet=sources")
    found = untranslated(page, OWN + COLUMNS)
    assert {"Home", "LOG OUT", "Sheet", "File"} <= set(found), found
    page.goto("/admin/rkst/importbatch/upload/?sheet=sources")
    assert untranslated(page, OWN + COLUMNS) == {}
