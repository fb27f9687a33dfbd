"""Bulk edit (a curator) and merge (an editor) in a real browser, at a desktop's 1366 px and
a phone's 390 px: each step works, keeps the Content-Security-Policy and does not scroll
sideways."""

import re

import pytest
from playwright.sync_api import expect

from actors.models import Actor, ActorAlias
from agreements.models import Agreement
from tests.browser.conftest import assert_translated
from tests.browser.test_admin_browser import log_in
from tests.factories import make_actor, make_agreement

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = (1366, 390)
OVERFLOW = "document.documentElement.scrollWidth - document.documentElement.clientWidth"


def assert_fits(page):
    assert page.evaluate(OVERFLOW) <= 0, f"{page.url} scrolls sideways"


def run_action(page, path, names, action):
    page.goto(path)
    for name in names:
        page.locator("#result_list tr", has_text=name).locator("input.action-select").check()
    page.locator("select[name=action]").select_option(action)
    page.locator("button[name=index]").click()


@pytest.mark.parametrize("width", WIDTHS)
def test_a_curator_changes_the_level_of_two_agreements(page, violations, curator, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    make_agreement(title_ru="Соглашение о космосе", level="interstate")
    make_agreement(title_ru="Соглашение об энергетике", level="interagency")
    make_agreement(title_ru="Соглашение о культуре", level="interagency")
    log_in(page, curator.username)
    run_action(
        page,
        "/admin/agreements/agreement/",
        ["Соглашение о космосе", "Соглашение об энергетике"],
        "bulk_edit",
    )
    expect(page.locator("h1")).to_contain_text("Изменить поле выбранных записей")
    page.locator("#id_field").select_option("level")
    # The script shows the chosen field's value only.
    expect(page.locator(".bulk-value[data-field=topics]")).to_be_hidden()
    page.locator("#id_value_level").select_option("multilateral")
    page.get_by_label("Причина изменения").fill("Уровень по тексту соглашений")
    assert_fits(page)
    assert_translated(page, ["curator"])
    page.get_by_role("button", name="Предпросмотр изменения").click()
    preview = page.locator("#bulk-preview")
    expect(preview).to_contain_text("межгосударственный")
    expect(preview).to_contain_text("многосторонний")
    assert_fits(page)
    assert_translated(page, ["curator"])
    page.get_by_role("button", name="Да, изменить").click()
    expect(page).to_have_url(re.compile(r"/admin/agreements/agreement/$"))
    expect(page.locator(".messagelist")).to_contain_text("Изменено: 2; без изменений: 0.")
    assert_translated(page, ["curator"])
    assert sorted(Agreement.objects.values_list("level", flat=True)) == [
        "interagency",
        "multilateral",
        "multilateral",
    ]
    assert violations == []


@pytest.mark.parametrize("width", WIDTHS)
def test_an_editor_merges_two_actors(page, violations, editor, width):  # noqa: F811
    page.set_viewport_size({"width": width, "height": 900})
    kept = make_actor(key="kaznu", name_ru="КазНУ им. аль-Фараби", country="KZ", kind="university")
    make_actor(
        key="kaznu-2",
        name_ru="Казахский национальный университет имени аль-Фараби (дубликат из импорта)",
        country="KZ",
        kind="university",
    )
    make_agreement(
        title_ru="Соглашение о подготовке кадров", parties=[Actor.objects.get(key="kaznu-2")]
    )
    log_in(page, editor.username)
    run_action(page, "/admin/actors/actor/", ["КазНУ им. аль-Фараби", "дубликат"], "merge")
    expect(page.locator("h1")).to_contain_text("Объединение дубликатов")
    page.get_by_label(re.compile(r"КазНУ им\. аль-Фараби \(kaznu;")).check()
    page.get_by_label("Причина изменения").fill("Один университет")
    assert_fits(page)
    own = ["editor", "kaznu-2", "kaznu"]
    assert_translated(page, own)
    page.get_by_role("button", name="Предпросмотр объединения").click()
    moves = page.locator("#merge-moves")
    expect(moves).to_contain_text("Соглашение о подготовке кадров")
    expect(moves).to_contain_text("«kaznu-2» будет вести на «kaznu»")
    assert_fits(page)
    assert_translated(page, own)
    page.get_by_role("button", name="Да, объединить").click()
    expect(page).to_have_url(re.compile(rf"/admin/actors/actor/{kept.pk}/change/$"))
    expect(page.locator(".messagelist")).to_contain_text("Объединено в «КазНУ им. аль-Фараби»")
    assert_translated(page, own)
    assert list(Actor.objects.values_list("key", flat=True)) == ["kaznu"]
    assert ActorAlias.objects.filter(actor=kept, name__contains="дубликат из импорта").exists()
    assert violations == []
