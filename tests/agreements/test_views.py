"""The public agreement pages: rows, facets, notes, drafts never shown, query budgets."""

import csv
import io
import json

import pytest
from django.urls import reverse

from actors.models import Actor
from agreements.models import Agreement, AgreementRelation
from rkst.dates import set_partial_date
from tests.factories import make_actor, make_agreement, make_source, make_topic

pytestmark = pytest.mark.django_db

LIST = "/agreements/"


def published_agreement(title, signed=None, parties=(), **kwargs):
    agreement = make_agreement(title_ru=title, parties=parties, state="published", **kwargs)
    if signed:
        set_partial_date(agreement, "signed_on", signed)
        agreement.save()
    return agreement


@pytest.fixture
def catalogue():
    source = make_source(state="published", key="article", title="Статья")
    russia = make_actor(
        key="russia",
        name_ru="Российская Федерация",
        name_en="Russia",
        kind="state",
        country="RU",
        state="published",
    )
    kazakhstan = make_actor(
        key="kazakhstan",
        name_ru="Республика Казахстан",
        name_en="Kazakhstan",
        kind="state",
        country="KZ",
        state="published",
    )
    omsk = make_actor(
        key="omsk-oblast",
        name_ru="Омская область",
        name_en="Omsk Oblast",
        kind="region",
        country="RU",
        state="published",
    )
    secret = make_actor(key="secret", name_ru="Черновой актор", kind="company", country="RU")
    space = make_topic(code="space", name_ru="Космос", name_en="Space")
    sco = make_actor(
        key="sco",
        name_ru="Шанхайская организация сотрудничества",
        kind="organisation",
        country="intl",
        state="published",
    )
    framework = published_agreement(
        "Соглашение о научно-техническом сотрудничестве",
        "25.11.1996",
        [russia, kazakhstan],
        title_en="Agreement on scientific and technical cooperation",
        key="sti-1996",
    )
    framework.topics.add(space)
    framework.citations.create(
        source=source, field="signed_on", locator="с. 3", quote="25.11.1996 г."
    )
    memorandum = published_agreement(
        "Меморандум о взаимопонимании",
        "2004",
        [russia, omsk],
        kind="memorandum",
        level="interregional",
        key="memo-2004",
    )
    published_agreement(
        "Соглашение ШОС",
        "15.06.2001",
        [russia, kazakhstan],
        level="multilateral",
        organisation=sco,
        key="sco-2001",
    )
    draft = make_agreement(
        title_ru="Черновик соглашения о Байконуре", key="draft", parties=[russia, secret]
    )
    AgreementRelation.objects.create(source=memorandum, target=framework, type="supplements")
    AgreementRelation.objects.create(source=draft, target=framework, type="amends")
    return {"framework": framework, "memorandum": memorandum, "draft": draft, "secret": secret}


def titles(response):
    return [a.title_ru for a in response.context["page"].object_list]


def test_the_list_shows_published_agreements_newest_first(client, catalogue):
    response = client.get(LIST)
    assert response.status_code == 200
    assert titles(response) == [
        "Меморандум о взаимопонимании",
        "Соглашение ШОС",
        "Соглашение о научно-техническом сотрудничестве",
    ]
    assert "Черновик" not in response.content.decode()


def test_search_ignores_case_and_word_forms(client, catalogue):
    assert titles(client.get(LIST, {"q": "меморандуму"})) == ["Меморандум о взаимопонимании"]
    assert titles(client.get(LIST, {"q": "байконур"})) == []


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"kind": "memorandum"}, ["Меморандум о взаимопонимании"]),
        ({"level": "multilateral"}, ["Соглашение ШОС"]),
        ({"topic": "space"}, ["Соглашение о научно-техническом сотрудничестве"]),
        (
            {"party": "kazakhstan"},
            ["Соглашение ШОС", "Соглашение о научно-техническом сотрудничестве"],
        ),
        ({"country": "KZ"}, ["Соглашение ШОС", "Соглашение о научно-техническом сотрудничестве"]),
        ({"region": "omsk-oblast"}, ["Меморандум о взаимопонимании"]),
        ({"organisation": "sco"}, ["Соглашение ШОС"]),
        ({"year_from": "2000", "year_to": "2003"}, ["Соглашение ШОС"]),
        (
            {"year_to": "2001", "sort": "signed"},
            ["Соглашение о научно-техническом сотрудничестве", "Соглашение ШОС"],
        ),
    ],
)
def test_each_filter_keeps_the_matching_rows(client, catalogue, params, expected):
    assert titles(client.get(LIST, params)) == expected


def test_facets_count_the_current_results(client, catalogue):
    facets = {
        f.name: {v.value: v.count for v in f.values}
        for f in client.get(LIST, {"party": "russia"}).context["facets"]
    }
    assert facets["kind"] == {"agreement": 2, "memorandum": 1}
    assert facets["country"] == {"RU": 3, "KZ": 2}
    assert facets["party"] == {"russia": 3, "kazakhstan": 2, "omsk-oblast": 1}
    assert facets["region"] == {"omsk-oblast": 1}
    assert "secret" not in facets["party"]


def test_a_bad_parameter_is_ignored_with_a_visible_note(client, catalogue):
    response = client.get(LIST, {"year_from": "abc", "kind": "treaty-ish", "party": "secret"})
    assert response.status_code == 200
    assert len(titles(response)) == 3
    page = response.content.decode()
    assert "«abc»" in page
    assert "«treaty-ish»" in page
    assert "«secret»" in page  # a draft actor is unknown to the public


def test_an_unknown_page_shows_the_last_one_with_a_note(client, catalogue):
    response = client.get(LIST, {"page": "99"})
    assert titles(response) == titles(client.get(LIST))
    assert "страницы «99» нет" in response.content.decode().lower()


def test_active_filters_are_shown_and_removable(client, catalogue):
    page = client.get(LIST, {"kind": "memorandum", "party": "russia"}).content.decode()
    assert "Вид: меморандум" in page
    assert 'href="?party=russia"' in page


def test_export_returns_exactly_the_filtered_rows(client, catalogue):
    response = client.get(LIST, {"party": "kazakhstan", "export": "json", "per_page": "20"})
    assert response["Content-Disposition"].startswith('attachment; filename="agreements-')
    rows = json.loads(response.content)
    assert [row["key"] for row in rows] == ["sco-2001", "sti-1996"]
    framework = rows[1]
    assert framework["signed_on"] == "1996-11-25"
    assert framework["parties"][0] == {
        "key": "russia",
        "name_ru": "Российская Федерация",
        "name_en": "Russia",
        "role": "party",
    }
    assert framework["topics"] == ["space"]
    assert framework["citations"] == [
        {"source": "article", "field": "signed_on", "locator": "с. 3", "quote": "25.11.1996 г."}
    ]
    assert framework["url"].endswith("/agreements/sti-1996/")


def test_csv_export_is_formula_safe(client, catalogue):
    published_agreement('=HYPERLINK("http://evil")', "2010", key="formula")
    body = client.get(LIST, {"export": "csv", "q": "hyperlink"}).content.decode("utf-8-sig")
    header, *rows = csv.reader(io.StringIO(body))
    assert header[:3] == ["key", "url", "title_ru"]
    assert [row[2] for row in rows] == ['\'=HYPERLINK("http://evil")']


def test_xlsx_export_opens_with_the_same_rows(client, catalogue):
    from openpyxl import load_workbook

    response = client.get(LIST, {"export": "xlsx", "kind": "memorandum"})
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "key"
    assert [row[0] for row in rows[1:]] == ["memo-2004"]


def test_the_detail_page_shows_facts_with_numbered_sources(client, catalogue):
    response = client.get(reverse("agreements:detail", args=["sti-1996"]))
    page = response.content.decode()
    assert "25 ноября 1996" in page
    assert 'href="#note-1"' in page
    assert "25.11.1996 г." in page
    assert "Меморандум о взаимопонимании" in page  # supplements this agreement
    assert "Черновик" not in page  # a draft relation is not shown
    assert "application/ld+json" in page
    assert "Каталог российско-казахстанского" in page  # cite this record


def test_a_draft_is_not_found(client, catalogue):
    assert client.get(reverse("agreements:detail", args=["draft"])).status_code == 404
    assert client.get(reverse("actors:detail", args=["secret"])).status_code == 404


def test_english_pages_show_english_titles(client, catalogue):
    response = client.get("/en/agreements/sti-1996/")
    page = response.content.decode()
    assert "<h1>Agreement on scientific and technical cooperation" in page
    assert 'href="/agreements/sti-1996/"' in page  # the switch back to Russian


def test_the_language_switch_keeps_the_filters(client, catalogue):
    page = client.get(LIST, {"kind": "memorandum"}).content.decode()
    assert 'href="/en/agreements/?kind=memorandum"' in page


@pytest.mark.parametrize("size", [1, 30])
def test_every_page_costs_a_fixed_number_of_queries(
    client, catalogue, size, django_assert_max_num_queries
):
    russia = Actor.objects.get(key="russia")
    for n in range(size):
        published_agreement(f"Соглашение {n}", f"{2000 + n % 20}", [russia])
    for url in (LIST, LIST + "?party=russia&q=соглашение", "/", "/agreements/sti-1996/"):
        with django_assert_max_num_queries(20):
            assert client.get(url).status_code == 200


def test_the_sitemap_lists_published_records_only(client, catalogue):
    page = client.get("/sitemap.xml").content.decode()
    assert "/agreements/sti-1996/" in page
    assert "/en/agreements/sti-1996/" in page
    assert "/agreements/draft/" not in page


def test_the_home_page_offers_entry_points_by_level_topic_and_region(client, catalogue):
    make_actor(key="draft-region", name_ru="Черновая область", kind="region", country="KZ")
    page = client.get("/").content.decode()
    assert (
        '<a href="/agreements/?region=omsk-oblast">Омская область</a> <span class="count">1' in page
    )
    assert '<a href="/agreements/?topic=space">Космос</a> <span class="count">1' in page
    assert "?level=interregional" in page
    assert "Черновая область" not in page
    assert "Черновик соглашения" not in page


def test_a_relation_reads_right_from_both_agreements(client, catalogue):
    framework = client.get("/en/agreements/sti-1996/").content.decode()
    assert 'This agreement is supplemented by: <a href="/en/agreements/memo-2004/">' in framework
    memorandum = client.get("/en/agreements/memo-2004/").content.decode()
    assert 'This agreement supplements: <a href="/en/agreements/sti-1996/">' in memorandum
    # The draft that amends the framework is not shown.
    assert "amended" not in framework


@pytest.mark.parametrize("sort", ["-signed", "signed"])
def test_undated_agreements_come_last_in_either_order(client, catalogue, sort):
    published_agreement("Соглашение без даты", key="undated")
    rows = titles(client.get(LIST, {"sort": sort}))
    assert rows[-1] == "Соглашение без даты"
    assert len(rows) == 4


def test_pages_follow_one_another_in_the_chosen_order(client, catalogue):
    for n in range(42):
        published_agreement(f"Протокол {n:02d}", key=f"protocol-{n:02d}", kind="protocol")
    everything = sorted(
        Agreement.objects.published().values_list("title_ru", "key"), key=lambda t: (t[0], t[1])
    )
    shown = []
    for number in (1, 2, 3):
        response = client.get(LIST, {"sort": "title", "per_page": "20", "page": number})
        assert f"<strong>{len(everything)}</strong>" in response.content.decode()
        shown += titles(response)
    assert shown == [title for title, _key in everything]
    # A search ranks its rows; the page still shows them with their parties.
    response = client.get(LIST, {"q": "протокол 07"})
    assert titles(response)[0] == "Протокол 07"
