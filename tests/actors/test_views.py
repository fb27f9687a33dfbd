import json

import pytest
from django.urls import reverse

from actors.models import ActorAlias
from tests.factories import make_actor, make_agreement, make_project, make_source

pytestmark = pytest.mark.django_db

LIST = "/actors/"


@pytest.fixture
def actors():
    source = make_source(state="published", key="article")
    kazakhstan = make_actor(
        key="kazakhstan",
        name_ru="Республика Казахстан",
        kind="state",
        country="KZ",
        state="published",
    )
    east = make_actor(
        key="east-kz",
        name_ru="Восточно-Казахстанская область",
        name_en="East Kazakhstan Region",
        kind="region",
        country="KZ",
        state="published",
        located_in=kazakhstan,
    )
    city = make_actor(
        key="oskemen",
        name_ru="Усть-Каменогорск",
        name_en="Oskemen",
        kind="city",
        country="KZ",
        state="published",
        located_in=east,
    )
    university = make_actor(
        key="vktu",
        name_ru="Восточно-Казахстанский технический университет",
        kind="university",
        country="KZ",
        state="published",
        located_in=city,
    )
    branch = make_actor(
        key="vktu-branch",
        name_ru="Филиал ВКТУ",
        kind="branch",
        country="KZ",
        state="published",
        parent=university,
    )
    make_actor(
        key="hidden-branch",
        name_ru="Скрытый филиал",
        kind="branch",
        country="KZ",
        parent=university,
    )
    msu = make_actor(
        key="msu",
        name_ru="Московский государственный университет",
        kind="university",
        country="RU",
        state="published",
    )
    ActorAlias.objects.create(actor=msu, name="МГУ", kind="acronym")
    university.citations.create(source=source, field="founded_on", quote="основан в 1958 году")
    agreement = make_agreement(
        title_ru="Договор о сотрудничестве вузов", state="published", parties=[university, msu]
    )
    make_agreement(title_ru="Черновой договор", parties=[university])
    project = make_project(name_ru="Совместная лаборатория", state="published")
    project.participant_set.create(actor=university, role="partner")
    return {"university": university, "branch": branch, "agreement": agreement}


def names(response):
    return [a.name_ru for a in response.context["page"].object_list]


def test_the_list_shows_published_actors_by_name(client, actors):
    assert names(client.get(LIST)) == [
        "Восточно-Казахстанская область",
        "Восточно-Казахстанский технический университет",
        "Московский государственный университет",
        "Республика Казахстан",
        "Усть-Каменогорск",
        "Филиал ВКТУ",
    ]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "МГУ"}, ["Московский государственный университет"]),
        ({"q": "Ust-Kamenogorsk"}, ["Усть-Каменогорск"]),
        (
            {"kind": "university", "country": "KZ"},
            ["Восточно-Казахстанский технический университет"],
        ),
        ({"region": "east-kz"}, ["Восточно-Казахстанская область", "Усть-Каменогорск"]),
    ],
)
def test_filters_and_search(client, actors, params, expected):
    assert names(client.get(LIST, params)) == expected


def test_facets_count_kinds_and_countries(client, actors):
    facets = {
        f.name: {v.value: v.count for v in f.values} for f in client.get(LIST).context["facets"]
    }
    assert facets["country"] == {"KZ": 5, "RU": 1}
    assert facets["kind"]["university"] == 2


def test_an_actor_page_lists_its_agreements_projects_and_branches(client, actors):
    page = client.get(reverse("actors:detail", args=["vktu"])).content.decode()
    assert "Договор о сотрудничестве вузов" in page
    assert "Черновой договор" not in page
    assert "Совместная лаборатория" in page
    assert "Филиал ВКТУ" in page
    assert "Скрытый филиал" not in page
    assert "основан в 1958 году" in page
    assert "Усть-Каменогорск" in page  # located in


def test_export_json_has_the_actors_of_the_filter(client, actors):
    rows = json.loads(client.get(LIST, {"kind": "branch", "export": "json"}).content)
    assert [row["key"] for row in rows] == ["vktu-branch"]
    assert rows[0]["parent"] == "vktu"


def test_every_page_costs_a_fixed_number_of_queries(client, actors, django_assert_max_num_queries):
    for n in range(30):
        make_actor(name_ru=f"Институт {n}", state="published", parent=actors["university"])
    for url in (LIST, LIST + "?q=институт&country=RU", "/actors/vktu/"):
        with django_assert_max_num_queries(15):
            assert client.get(url).status_code == 200
