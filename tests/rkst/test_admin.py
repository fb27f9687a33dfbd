"""The curators' admin: every page opens within a query budget, changes are recorded with
their author and reason, and search understands Cyrillic and transliteration."""

import pytest
from django.urls import reverse

from actors.models import Actor, ActorAlias, ActorCitation
from agreements.models import Agreement, AgreementParty, AgreementRelation, Project, Topic
from rkst.models import Source
from tests.factories import (
    make_actor,
    make_agreement,
    make_project,
    make_source,
    make_topic,
)
from tests.forms import post_form

pytestmark = pytest.mark.django_db

# Changelists paginate, so a fuller catalogue must not cost more queries.
QUERY_BUDGET = 25


@pytest.fixture
def catalogue():
    """A little of everything, each record with the parts its admin page shows."""
    source = make_source()
    russia = make_actor(key="russia", kind="state", country="RU", name_ru="Россия")
    kazakhstan = make_actor(key="kazakhstan", kind="state", country="KZ", name_ru="Казахстан")
    for actor in (russia, kazakhstan):
        ActorAlias.objects.create(actor=actor, name=f"{actor.name_ru}-alias", kind="other")
        ActorCitation.objects.create(record=actor, source=source, quote="…")
    topic = make_topic()
    agreements = []
    for n in range(3):
        agreement = make_agreement(parties=[russia, kazakhstan])
        agreement.topics.add(topic)
        agreement.citations.create(source=source, field="signed_on", locator=f"с. {n}")
        agreements.append(agreement)
    relation = AgreementRelation.objects.create(
        source=agreements[1], target=agreements[0], type="supplements"
    )
    relation.citations.create(source=source)
    project = make_project(place=kazakhstan)
    project.agreements.add(agreements[0])
    project.participant_set.create(actor=russia, role="operator")
    project.figures.create(
        measure="capital", label_ru="Капитал", label_en="Capital", value=100_000_000, unit="USD"
    )
    project.citations.create(source=source, field="figures")
    return {
        Source: source,
        Actor: russia,
        Topic: topic,
        Agreement: agreements[0],
        AgreementRelation: relation,
        Project: project,
    }


MODELS = [Source, Actor, Topic, Agreement, AgreementRelation, Project]


def admin_url(model, view, *args):
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__name__)
def test_a_curator_opens_every_page_within_the_query_budget(
    model, catalogue, curator_client, django_assert_max_num_queries
):
    record = catalogue[model]
    for url in (
        admin_url(model, "changelist"),
        admin_url(model, "add"),
        admin_url(model, "change", record.pk),
        admin_url(model, "history", record.pk),
    ):
        with django_assert_max_num_queries(QUERY_BUDGET):
            response = curator_client.get(url)
        assert response.status_code == 200, url
    assert str(record) in curator_client.get(admin_url(model, "changelist")).content.decode()


def test_the_admin_speaks_russian(curator_client):
    page = curator_client.get(admin_url(Agreement, "add")).content.decode()
    assert "Добавить соглашение" in page
    assert "Название (по-русски)" in page
    assert "Причина изменения" in page


def test_an_anonymous_visitor_is_sent_to_the_login_page(client, catalogue):
    for model in MODELS:
        url = admin_url(model, "changelist")
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("admin:login"))


def test_a_curator_cannot_manage_accounts(curator_client):
    from django.contrib.auth import get_user_model

    assert curator_client.get(admin_url(get_user_model(), "changelist")).status_code == 403


def test_a_curator_may_not_delete_a_record_but_an_editor_may(
    curator_client, editor_client, catalogue
):
    agreement = catalogue[Agreement]
    url = admin_url(Agreement, "delete", agreement.pk)
    assert curator_client.get(url).status_code == 403
    assert editor_client.get(url).status_code == 200


def test_a_change_in_the_admin_is_recorded_with_its_author_and_reason(
    curator, curator_client, catalogue
):
    agreement = catalogue[Agreement]
    url = admin_url(Agreement, "change", agreement.pk)
    response = post_form(
        curator_client,
        url,
        {
            "title_en": "Agreement on science",
            "signed_on": "07.1998",
            "change_reason": "Сверено с текстом соглашения",
        },
        form_id="agreement_form",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    agreement.refresh_from_db()
    assert agreement.title_en == "Agreement on science"
    assert agreement.signed.iso() == "1998-07"
    latest = agreement.history.latest()
    assert latest.history_user == curator
    assert latest.history_change_reason == "Сверено с текстом соглашения"
    history_page = curator_client.get(admin_url(Agreement, "history", agreement.pk))
    assert "Сверено с текстом соглашения" in history_page.content.decode()


def test_a_party_added_in_the_admin_is_in_the_agreements_history(
    curator, curator_client, catalogue
):
    agreement = catalogue[Agreement]
    uzbekistan = make_actor(kind="state", country="other", name_ru="Узбекистан")
    url = admin_url(Agreement, "change", agreement.pk)
    response = post_form(
        curator_client,
        url,
        {
            "party_set-TOTAL_FORMS": "3",
            "party_set-2-actor": str(uzbekistan.pk),
            "party_set-2-role": "party",
            "party_set-2-side": "third",
            "party_set-2-order": "2",
            "change_reason": "Третья сторона",
        },
        form_id="agreement_form",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    party = AgreementParty.objects.get(agreement=agreement, actor=uzbekistan)
    assert party.history.get().history_user == curator
    page = curator_client.get(admin_url(Agreement, "history", agreement.pk)).content.decode()
    assert "Узбекистан" in page
    assert "Третья сторона" in page


def test_a_citation_added_in_the_admin_records_who_added_it(curator, curator_client, catalogue):
    actor = catalogue[Actor]
    source = catalogue[Source]
    response = post_form(
        curator_client,
        admin_url(Actor, "change", actor.pk),
        {
            "citations-TOTAL_FORMS": "2",
            "citations-1-source": str(source.pk),
            "citations-1-field": "founded_on",
            "citations-1-locator": "с. 161",
            "citations-1-rank": "normal",
            "citations-1-quote": "основана в 1991 году",
        },
        form_id="actor_form",
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    citation = actor.citations.get(locator="с. 161")
    assert citation.added_by == curator


def test_a_bad_date_is_refused_in_russian_and_nothing_is_saved(curator_client, catalogue):
    agreement = catalogue[Agreement]
    response = post_form(
        curator_client,
        admin_url(Agreement, "change", agreement.pk),
        {"signed_on": "31.02.1996", "title_en": "Changed"},
        form_id="agreement_form",
    )
    assert response.status_code == 200
    assert "«31.02.1996»: в этом месяце нет 31-го числа." in response.content.decode()
    agreement.refresh_from_db()
    assert agreement.title_en != "Changed"


def test_a_duplicate_party_is_refused_in_the_admin_with_a_message(curator_client, catalogue):
    agreement = catalogue[Agreement]
    russia = catalogue[Actor]
    response = post_form(
        curator_client,
        admin_url(Agreement, "change", agreement.pk),
        {
            "party_set-TOTAL_FORMS": "3",
            "party_set-2-actor": str(russia.pk),
            "party_set-2-role": "signatory",
            "party_set-2-side": "RU",
            "party_set-2-order": "3",
        },
        form_id="agreement_form",
    )
    assert response.status_code == 200
    assert "Этот актор уже указан стороной соглашения." in response.content.decode()
    assert agreement.party_set.count() == 2


@pytest.mark.parametrize(
    ("query", "expected"),
    [("меморандум", "Меморандум о взаимопонимании"), ("baikonur", "Байконур")],
)
def test_admin_search_ignores_case_and_reads_latin(curator_client, query, expected):
    make_agreement(title_ru="Меморандум о взаимопонимании", kind="memorandum")
    make_agreement(title_ru="Соглашение о сотрудничестве")
    make_actor(name_ru="Байконур", kind="city", country="KZ")
    make_actor(name_ru="Астана", kind="city", country="KZ")
    model = Agreement if expected.startswith("Меморандум") else Actor
    page = curator_client.get(admin_url(model, "changelist"), {"q": query}).content.decode()
    assert expected in page
    other = "Соглашение о сотрудничестве" if model is Agreement else "Астана"
    assert other not in page


def test_autocomplete_finds_actors_by_transliteration(curator_client):
    make_actor(name_ru="Усть-Каменогорск", kind="city", country="KZ")
    response = curator_client.get(
        reverse("admin:autocomplete"),
        {
            "term": "ust-kameno",
            "app_label": "agreements",
            "model_name": "agreement",
            "field_name": "signed_place",
        },
    )
    assert [r["text"] for r in response.json()["results"]] == ["Усть-Каменогорск"]
