"""The admin reads as Russian should: history pages headed in the curator's language, no
"None" for a change without a reason, and "add another" labels that agree with their nouns."""

import html
import json
import re

import pytest
from django.urls import reverse

from tests.factories import make_actor, make_agreement, make_project

pytestmark = pytest.mark.django_db


def test_the_history_page_is_headed_in_russian_without_none(curator_client):
    agreement = make_agreement(title_ru="Соглашение о космосе")
    page = curator_client.get(reverse("admin:agreements_agreement_history", args=[agreement.pk]))
    text = page.content.decode()
    assert "<h1>История изменений: Соглашение о космосе</h1>" in text
    assert "View history" not in text
    start = text.index('id="change-history"')
    table = text[start : text.index("</table>", start)]
    assert "Создано" in table and "None" not in table


def test_the_history_page_is_headed_in_english_at_en(curator_client):
    agreement = make_agreement(title_ru="Соглашение о космосе", title_en="Space agreement")
    url = reverse("admin:agreements_agreement_history", args=[agreement.pk])
    text = curator_client.get("/en" + url).content.decode()
    assert "<h1>View history: " in text


def add_texts(text):
    return {
        json.loads(html.unescape(data))["options"]["addText"]
        for data in re.findall(r'data-inline-formset="([^"]*)"', text)
    }


@pytest.mark.parametrize(
    "url, expected",
    [
        ("admin:agreements_agreement_change", {"Добавить ещё одну сторону",
         "Добавить ещё одну связь", "Добавить ещё одну цитату"}),
        ("admin:actors_actor_change", {"Добавить ещё одно название", "Добавить ещё одну цитату"}),
        ("admin:agreements_project_change", {"Добавить ещё одного участника",
         "Добавить ещё один показатель", "Добавить ещё одну цитату"}),
    ],
)  # fmt: skip
def test_add_another_labels_agree_with_their_nouns(curator_client, url, expected):
    # Every record also takes editorial notes and the known gaps that concern it.
    expected = expected | {"Добавить ещё одну редакционную заметку", "Добавить ещё один пробел"}
    record = {
        "admin:agreements_agreement_change": make_agreement,
        "admin:actors_actor_change": make_actor,
        "admin:agreements_project_change": make_project,
    }[url]()
    text = curator_client.get(reverse(url, args=[record.pk])).content.decode()
    assert add_texts(text) == expected
    assert "Добавить еще один" not in text
