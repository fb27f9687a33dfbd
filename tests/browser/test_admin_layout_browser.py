"""The admin in Chromium at 1366 and 390 px, as a curator and an editor: no page scrolls
sideways, the buttons leave the headings readable, the agreement list shows the publication
state, the export page's scripts run under the CSP, and a draft's preview carries its banner."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import assert_translated
from tests.browser.test_admin_browser import log_in
from tests.factories import make_actor, make_agreement

pytestmark = pytest.mark.django_db(transaction=True)

LONG_TITLE = (
    "Соглашение между Правительством Российской Федерации и Правительством Республики "
    "Казахстан о научно-техническом сотрудничестве в области исследования космоса"
)


@pytest.fixture
def agreement():
    government = make_actor(key="ru-gov", name_ru="Правительство Российской Федерации")
    for n in range(3):
        make_agreement(title_ru=f"Меморандум о взаимопонимании в области энергетики {n}")
    return make_agreement(title_ru=LONG_TITLE, parties=[government], signed="25.11.1996")


def overflow(page):
    return page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def overlaps(page, first, second):
    a, b = page.locator(first).first.bounding_box(), page.locator(second).first.bounding_box()
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def pages(agreement):
    pk = agreement.pk
    return {
        "list": "/admin/agreements/agreement/",
        "change": f"/admin/agreements/agreement/{pk}/change/",
        "history": f"/admin/agreements/agreement/{pk}/history/",
        "export": "/admin/agreements/agreement/export/",
        "preview": agreement.get_absolute_url(),
    }


@pytest.mark.parametrize("width", [1366, 390])
@pytest.mark.parametrize("who", ["curator", "editor"])
def test_admin_pages_fit_without_overlaps_or_csp_violations(
    request, page, violations, agreement, who, width
):
    user = request.getfixturevalue(who)
    page.set_viewport_size({"width": width, "height": 900})
    log_in(page, user.username)
    for name, url in pages(agreement).items():
        page.goto(url)
        assert overflow(page) <= 0, (name, width)
        assert_translated(page, [user.username])
        if name == "preview":
            expect(page.locator(".draft-banner")).to_be_visible()
            continue
        tools = "#content .object-tools"
        if page.locator(tools).count():
            for heading in ("#content h1", "#content h2"):
                if page.locator(heading).count():
                    assert not overlaps(page, tools, heading), (name, width, heading)
    assert violations == []


@pytest.mark.parametrize("who", ["curator", "editor"])
def test_the_agreement_list_shows_the_state_without_scrolling_at_1366(
    request, page, agreement, who
):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, request.getfixturevalue(who).username)
    page.goto("/admin/agreements/agreement/")
    state = page.locator("#result_list th.column-state").bounding_box()
    results = page.locator("#changelist .results").bounding_box()
    assert state["x"] >= results["x"]
    assert state["x"] + state["width"] <= results["x"] + results["width"]
    assert state["x"] + state["width"] <= 1366
    expect(page.locator("#result_list td.field-state").first).to_be_visible()


def test_the_export_page_scripts_work_under_the_csp(page, violations, curator, agreement):
    page.set_viewport_size({"width": 1366, "height": 900})
    log_in(page, curator.username)
    page.goto("/admin/agreements/agreement/export/")
    agreements_columns = page.locator('.export-columns[data-resource="0"]')
    citations_columns = page.locator('.export-columns[data-resource="1"]')
    expect(agreements_columns).to_be_visible()
    expect(citations_columns).to_be_hidden()
    agreements_columns.locator(".export-all-toggle").uncheck()
    boxes = agreements_columns.locator(".export-column-list input[type=checkbox]")
    assert boxes.count() == 16
    assert all(not boxes.nth(i).is_checked() for i in range(boxes.count()))
    page.locator("#id_resource").select_option("1")
    expect(citations_columns).to_be_visible()
    expect(agreements_columns).to_be_hidden()
    assert violations == []
