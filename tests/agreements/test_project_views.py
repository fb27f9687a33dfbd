import json
from decimal import Decimal

import pytest
from django.urls import reverse

from tests.factories import make_actor, make_agreement, make_project, make_source

pytestmark = pytest.mark.django_db


@pytest.fixture
def projects():
    source = make_source(state="published", key="article")
    roscosmos = make_actor(key="roscosmos", name_ru="Роскосмос", kind="ministry", state="published")
    baikonur = make_project(
        key="baikonur",
        name_ru="Космодром «Байконур»",
        name_en="Baikonur Cosmodrome",
        kind="facility",
        state="published",
    )
    baikonur.participant_set.create(actor=roscosmos, role="operator")
    baikonur.figures.create(
        measure="lease",
        label_ru="Арендная плата",
        label_en="Rent",
        value=Decimal("115000000"),
        unit="USD",
    )
    baikonur.citations.create(source=source, field="figures", quote="115 млн долл. в год")
    baikonur.agreements.add(make_agreement(title_ru="Договор аренды", state="published"))
    make_project(key="draft", name_ru="Черновой проект Байконур", kind="facility")
    make_project(key="nica", name_ru="Коллайдер NICA", kind="research", state="published")
    return baikonur


def test_the_list_finds_baikonur_in_latin_letters(client, projects):
    response = client.get("/projects/", {"q": "Baikonur"})
    assert [p.key for p in response.context["page"].object_list] == ["baikonur"]


def test_the_detail_page_shows_figures_with_units_and_sources(client, projects):
    page = client.get(reverse("projects:detail", args=["baikonur"])).content.decode()
    assert "Арендная плата" in page and "115000000" in page and "USD" in page
    assert "Роскосмос" in page
    assert "Договор аренды" in page
    assert "115 млн долл. в год" in page


def test_export_has_figures_as_numbers(client, projects):
    rows = json.loads(client.get("/projects/", {"export": "json", "kind": "facility"}).content)
    assert [r["key"] for r in rows] == ["baikonur"]
    assert rows[0]["figures"] == [{"measure": "lease", "value": "115000000", "unit": "USD"}]


def test_a_draft_project_is_not_found(client, projects):
    assert client.get(reverse("projects:detail", args=["draft"])).status_code == 404
