"""An editor in a real browser: publishes with the button on the change page, reads the
dashboard, the history with its differences, and the revert page; no page breaks the
Content-Security-Policy."""

import re

import pytest
from playwright.sync_api import expect

from agreements.models import Agreement
from tests.browser.test_admin_browser import log_in
from tests.factories import make_actor, make_agreement, make_source

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def ready():
    source = make_source(key="article", title="Статья о сотрудничестве", state="published")
    russia = make_actor(key="russia", name_ru="Россия", kind="state", state="published")
    agreement = make_agreement(key="ready", title_ru="Соглашение о науке", parties=[russia])
    agreement.citations.create(source=source, locator="с. 161")
    agreement.title_en = "Agreement on science"
    agreement.save()
    return agreement


def test_an_editor_publishes_from_the_change_page(page, violations, ready, editor):  # noqa: F811
    log_in(page, editor.username)
    page.goto(f"/admin/agreements/agreement/{ready.pk}/change/")
    panel = page.locator("#workflow")
    expect(panel).to_contain_text("Черновик")
    panel.get_by_label("Комментарий").fill("Сверено с текстом")
    panel.get_by_role("button", name="Опубликовать").click()
    expect(page).to_have_url(re.compile(rf"/admin/agreements/agreement/{ready.pk}/change/$"))
    expect(page.locator(".messagelist")).to_contain_text("Опубликовано: 1.")
    expect(page.locator("#workflow")).to_contain_text("Опубликовано")
    assert Agreement.objects.get(pk=ready.pk).state == "published"

    for path in (
        "/admin/dashboard/",
        f"/admin/agreements/agreement/{ready.pk}/history/",
        f"/admin/agreements/agreement/{ready.pk}/history/{ready.history.last().history_id}/revert/",
    ):
        response = page.goto(path, wait_until="networkidle")
        assert response.ok, path
    history = page.goto(f"/admin/agreements/agreement/{ready.pk}/history/")
    assert history.ok
    expect(page.locator("#change-history")).to_contain_text("Agreement on science")
    expect(page.locator("#transitions")).to_contain_text("Сверено с текстом")
    assert violations == []
