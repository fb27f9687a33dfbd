import pytest
from django.urls import reverse

from tests.factories import make_actor, make_agreement, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def sources():
    article = make_source(
        key="article",
        title="Научно-техническое сотрудничество",
        title_supplied=True,
        complete=False,
        state="published",
    )
    book = make_source(
        key="book", title="Книга", kind="book", authors="Иванов И. И.", year=2010, state="published"
    )
    make_source(key="draft-source", title="Черновой источник")
    agreement = make_agreement(title_ru="Соглашение 1996", state="published", key="sti-1996")
    agreement.citations.create(
        source=book,
        locator="с. 159",
        found_in=article,
        found_in_locator="с. 3",
        quote="цитата из книги",
    )
    hidden = make_agreement(title_ru="Черновое соглашение")
    hidden.citations.create(source=book, quote="скрытая цитата")
    actor = make_actor(name_ru="Актор", state="published")
    actor.citations.create(source=article, quote="цитата из статьи")
    return article, book


def test_the_source_list_shows_published_sources(client, sources):
    response = client.get("/sources/")
    assert [s.key for s in response.context["page"].object_list] == ["article", "book"]


def test_a_source_page_lists_what_cites_it_with_locators(client, sources):
    page = client.get(reverse("sources:detail", args=["book"])).content.decode()
    assert "Соглашение 1996" in page
    assert "с. 159" in page
    assert "Черновое соглашение" not in page
    assert "Иванов И. И. Книга" in page  # GOST


def test_the_relaying_work_lists_what_it_relays(client, sources):
    page = client.get(reverse("sources:detail", args=["article"])).content.decode()
    assert "[Научно-техническое сотрудничество]" in page
    assert "Соглашение 1996" in page
    assert "цитата из статьи" in page


def test_a_draft_source_is_not_found(client, sources):
    assert client.get(reverse("sources:detail", args=["draft-source"])).status_code == 404


def test_the_home_page_counts_published_records(client, sources):
    response = client.get("/")
    assert response.context["counts"] == {
        "agreements": 1,
        "actors": 1,
        "projects": 0,
        "sources": 2,
    }
    assert "<svg" in response.content.decode() or response.context["timeline"] is None


def test_an_unknown_address_gets_a_friendly_page_in_its_language(client, sources):
    response = client.get("/en/agreements/nothing-here/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
