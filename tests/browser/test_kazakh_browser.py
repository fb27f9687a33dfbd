"""The Kazakh interface in a real browser: the switch keeps the filters, no CSP violation, and
the admin in Kazakh for a curator who chooses it."""

import re

import pytest
from playwright.sync_api import expect

from tests.browser.test_admin_browser import log_in
from tests.factories import make_actor, make_agreement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def catalogue():
    russia = make_actor(key="russia", name_ru="Россия", kind="state", state="published")
    omsk = make_actor(key="omsk", name_ru="Омская область", kind="region", state="published")
    make_agreement(
        key="memo-1998",
        title_ru="Меморандум о сотрудничестве",
        kind="memorandum",
        parties=[russia, omsk],
        signed="06.07.1998",
        state="published",
    )
    make_agreement(
        key="sti-1996", title_ru="Соглашение о сотрудничестве", parties=[russia], state="published"
    )


def test_the_kazakh_list_keeps_its_filter_across_the_switch(page, violations, catalogue):
    page.goto("/kk/agreements/?kind=memorandum", wait_until="networkidle")
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    expect(page.get_by_role("heading", level=1)).to_have_text("Келісімдер")
    expect(page.locator("ul.results > li")).to_have_count(1)
    expect(page.locator("ul.results > li")).to_contain_text("1998 ж. 6 шілде")

    page.get_by_role("link", name="Русский").click()
    expect(page).to_have_url(re.compile(r"/agreements/\?kind=memorandum$"))
    expect(page.locator("ul.results > li")).to_have_count(1)
    expect(page.locator("ul.results > li")).to_contain_text("6 июля 1998")

    page.get_by_role("link", name="Қазақша").click()
    expect(page).to_have_url(re.compile(r"/kk/agreements/\?kind=memorandum$"))
    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"/en/agreements/\?kind=memorandum$"))
    expect(page.locator("ul.results > li")).to_contain_text("6 July 1998")
    assert violations == []


def test_a_curator_who_chooses_kazakh_gets_the_admin_in_kazakh(page, violations, curator):
    make_agreement(key="memo-1998", title_ru="Меморандум о сотрудничестве", kind="memorandum")
    log_in(page, curator.username)
    page.locator(".admin-langs").get_by_role("link", name="Қазақша").click()
    expect(page).to_have_url(re.compile(r"/kk/admin/$"))
    expect(page.locator("html")).to_have_attribute("lang", "kk")
    page.goto("/kk/admin/agreements/agreement/", wait_until="networkidle")
    expect(page.locator("#changelist-search")).to_be_visible()
    expect(page.locator("body")).to_contain_text("Меморандум о сотрудничестве")
    expect(page.locator("#content h1")).to_contain_text("өзгерту")  # "Select … to change"
    assert "View site" not in page.content()
    page.locator(".admin-langs").get_by_role("link", name="Русский").click()
    expect(page).to_have_url(re.compile(r"/admin/agreements/agreement/$"))
    assert violations == []
