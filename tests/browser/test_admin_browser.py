"""A curator in a real browser: logs in, finds records by Cyrillic and Latin search."""

import re

import pytest
from playwright.sync_api import expect

from tests.conftest import PASSWORD
from tests.factories import make_actor, make_agreement

pytestmark = pytest.mark.django_db(transaction=True)


def log_in(page, username):
    page.goto("/admin/")
    page.get_by_label("Имя пользователя").fill(username)
    page.get_by_label("Пароль").fill(PASSWORD)
    page.get_by_role("button", name="Войти").click()
    expect(page).to_have_url(re.compile(r"/admin/$"))


def test_a_curator_logs_in_and_finds_a_memorandum_by_lowercase_search(page, curator):
    make_agreement(title_ru="Меморандум о взаимопонимании", kind="memorandum")
    make_agreement(title_ru="Соглашение о сотрудничестве")
    log_in(page, curator.username)
    page.goto("/admin/agreements/agreement/")
    page.locator("#searchbar").fill("меморандум")
    page.locator("#searchbar").press("Enter")
    page.wait_for_url(re.compile(r"[?]q="))
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Меморандум о взаимопонимании")


def test_a_curator_finds_baikonur_by_its_latin_name(page, curator):
    make_actor(name_ru="Байконур", kind="city", country="KZ")
    make_actor(name_ru="Астана", kind="city", country="KZ")
    log_in(page, curator.username)
    page.goto("/admin/actors/actor/?q=baikonur")
    rows = page.locator("#result_list tbody tr")
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text("Байконур")


def test_an_anonymous_visitor_sees_the_login_form(page):
    page.goto("/admin/agreements/agreement/")
    assert "/admin/login/" in page.url
    assert page.get_by_label("Пароль").is_visible()
