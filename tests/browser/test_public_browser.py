"""A reader in a real browser: search, narrow, read, follow a source, switch language, download."""

import csv
import io
import re

import pytest
from playwright.sync_api import expect

from rkst.dates import set_partial_date
from tests.factories import make_actor, make_agreement, make_source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def baikonur_catalogue():
    source = make_source(
        key="article",
        title="Научно-техническое сотрудничество России и Казахстана",
        title_supplied=True,
        complete=False,
        state="published",
    )
    russia = make_actor(
        key="russia",
        name_ru="Российская Федерация",
        name_en="Russian Federation",
        kind="state",
        country="RU",
        state="published",
    )
    kazakhstan = make_actor(
        key="kazakhstan",
        name_ru="Республика Казахстан",
        name_en="Republic of Kazakhstan",
        kind="state",
        country="KZ",
        state="published",
    )
    lease = make_agreement(
        key="baikonur-lease-1994",
        title_ru="Договор аренды комплекса «Байконур»",
        title_en="Baikonur Complex Lease Agreement",
        kind="lease",
        level="interstate",
        state="published",
        parties=[russia, kazakhstan],
    )
    set_partial_date(lease, "signed_on", "10.12.1994")
    lease.save()
    lease.citations.create(
        source=source,
        field="signed_on",
        locator="с. 5",
        quote="договор аренды комплекса «Байконур» от 10.12.1994",
    )
    make_agreement(
        key="baikonur-memo",
        title_ru="Меморандум о комплексе «Байконур»",
        kind="memorandum",
        level="intergovernmental",
        state="published",
        parties=[russia, kazakhstan],
    )
    make_agreement(
        key="other", title_ru="Соглашение о науке", state="published", parties=[russia, kazakhstan]
    )


def test_a_reader_finds_reads_cites_and_downloads(page, baikonur_catalogue):
    page.goto("/")
    page.get_by_label("Искать в соглашениях").fill("Байконур")
    page.get_by_label("Искать в соглашениях").press("Enter")
    results = page.locator("ul.results > li")
    expect(results).to_have_count(2)

    page.locator(".facets").get_by_role("link", name=re.compile("^аренда")).click()
    expect(results).to_have_count(1)
    expect(page.locator(".active-filters")).to_contain_text("Вид: аренда")

    page.get_by_role("link", name="Договор аренды комплекса «Байконур»").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Договор аренды")
    expect(page.locator("dl.facts")).to_contain_text("10 декабря 1994")

    page.locator("sup.cite a").first.click()
    expect(page.locator("#note-1")).to_contain_text("от 10.12.1994")
    page.locator("#note-1").get_by_role("link").first.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "[Научно-техническое сотрудничество России и Казахстана]"
    )
    expect(page.locator("body")).to_contain_text("с. 5")

    # Back to the filtered list: from the source, the note anchor and the agreement.
    for _ in range(3):
        page.go_back()
    expect(page).to_have_url(re.compile(r"/agreements/\?q=.*kind=lease"))
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/agreements/\?q=.*kind=lease"))
    expect(page.locator("ul.results > li")).to_contain_text("Baikonur Complex Lease Agreement")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    body = open(download.value.path(), encoding="utf-8-sig").read()
    header, *rows = csv.reader(io.StringIO(body))
    assert [row[header.index("key")] for row in rows] == ["baikonur-lease-1994"]


def test_the_catalogue_works_without_javascript(browser, live_server, baikonur_catalogue):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False)
    page = context.new_page()
    page.goto("/en/")
    page.get_by_label("Search the agreements").fill("Baikonur")
    page.locator("#main").get_by_role("button", name="Search").click()
    expect(page.locator("ul.results > li")).to_have_count(2)
    page.locator(".facets").get_by_role("link", name=re.compile("^memorandum")).click()
    expect(page.locator("ul.results > li")).to_have_count(1)
    expect(page.locator("ul.results")).to_contain_text("Memorandum · intergovernmental")
    expect(page.locator(".active-filters")).to_contain_text("memorandum")
    context.close()


@pytest.mark.parametrize(
    "path", ["/", "/agreements/?q=Байконур", "/agreements/baikonur-lease-1994/"]
)
def test_pages_fit_a_phone_screen(browser, live_server, baikonur_catalogue, path):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 360, "height": 740}, is_mobile=True
    )
    page = context.new_page()
    page.goto(path)
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"{path} scrolls sideways by {overflow}px on a phone"
    expect(page.get_by_role("navigation").first).to_be_visible()
    context.close()
