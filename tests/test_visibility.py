"""The visibility contract: drafts linked from published records in every way the models
allow never reach the public, by page, facet, filter, relation, export or sitemap; and every
facet counts exactly what choosing it finds.

Each draft carries a marker of its own in its key, names and titles, and each hidden citation
one in its locator and quote; no public response may hold any marker."""

import csv
import io
import json
from decimal import Decimal

import django_filters
import pytest
from django.urls import reverse

from actors.models import Actor, ActorAlias
from agreements.models import Agreement, Project, Topic
from rkst.models import KnownGap, Source
from tests.factories import (
    make_actor,
    make_agreement,
    make_gap,
    make_note,
    make_project,
    make_relation,
    make_source,
    make_topic,
)

pytestmark = pytest.mark.django_db

PUBLIC = {"state": "published"}
LISTS = ("/agreements/", "/actors/", "/projects/", "/sources/")
# Facets whose values part the list: each row has exactly one value.
SINGLE_VALUED = {
    "/agreements/": {"kind", "level", "status"},
    "/actors/": {"kind", "country"},
    "/projects/": {"kind"},
    "/sources/": {"kind", "reliability"},
}
DETAILS = {
    Agreement: "agreements:detail",
    Actor: "actors:detail",
    Project: "projects:detail",
    Source: "sources:detail",
}


class Markers(list):
    def new(self):
        marker = f"zzmark{len(self) + 1:02d}"
        self.append(marker)
        return marker


def build_catalogue():
    """A small published catalogue with a draft at every link the models allow."""
    markers = Markers()

    def draft_actor(**fields):
        m = markers.new()
        names = {"name_ru": f"Черновик {m}", "name_en": f"Draft {m}", "short_name_ru": m}
        return make_actor(key=f"{m}-actor", **names | fields)

    def draft_source():
        m = markers.new()
        return make_source(key=f"{m}-source", title=f"Источник {m}", authors=f"Автор {m}")

    def hidden_citation(record, source, **fields):
        m = markers.new()
        return record.citations.create(source=source, locator=f"с. {m}", quote=m, **fields)

    def public_actor(key, name, kind, country, **fields):
        return make_actor(key=key, name_ru=name, kind=kind, country=country, **PUBLIC, **fields)

    article = make_source(key="article", title="Статья о сотрудничестве", **PUBLIC)
    book = make_source(key="book", title="Книга", kind="book", reliability="primary", **PUBLIC)
    russia = public_actor("russia", "Россия", "state", "RU")
    kazakhstan = public_actor("kazakhstan", "Казахстан", "state", "KZ")
    omsk = public_actor("omsk", "Омская область", "region", "RU")
    east = public_actor("east-kz", "ВКО", "region", "KZ")  # only drafts lie in it
    sco = public_actor("sco", "ШОС", "organisation", "intl")

    draft_region = draft_actor(kind="region", country="KZ")
    draft_region_ru = draft_actor(kind="region", country="RU")
    draft_city = draft_actor(kind="city", country="KZ", located_in=east)
    draft_company = draft_actor(kind="company", country="other", located_in=east)
    draft_organisation = draft_actor(kind="organisation", country="intl")
    draft_participant = draft_actor(kind="company", country="RU", located_in=omsk)
    semey = public_actor("semey", "Семей", "city", "KZ", located_in=draft_region)
    institute = public_actor(
        "institute", "Институт", "research", "RU", located_in=draft_region_ru, parent=omsk
    )
    university = public_actor(
        "university", "Университет", "university", "KZ", parent=draft_organisation, located_in=semey
    )
    public_actor("akimat", "Акимат", "administration", "RU", located_in=omsk, parent=omsk)
    draft_actor(kind="branch", country="KZ", parent=university)
    draft_actor(kind="company", country="KZ", located_in=east)
    aliased = draft_actor(kind="fund", country="RU")
    ActorAlias.objects.create(actor=aliased, name=f"Псевдоним {markers.new()}", kind="acronym")
    hidden_citation(aliased, article)
    ActorAlias.objects.create(actor=university, name="УНИ", kind="acronym")

    space = make_topic(code="space", name_ru="Космос", name_en="Space")
    m = markers.new()
    draft_topic = make_topic(code=f"{m}-topic", name_ru=f"Тема {m}", name_en=f"Topic {m}")

    framework = make_agreement(
        [russia, kazakhstan, semey, institute, university, draft_company, draft_region],
        "25.11.1996",
        key="framework",
        title_ru="Соглашение о сотрудничестве",
        signed_place=draft_city,
        organisation=draft_organisation,
        **PUBLIC,
    )
    framework.topics.add(space)
    framework.citations.create(source=article, locator="с. 3", quote="видимая цитата")
    hidden_citation(framework, draft_source())
    hidden_citation(framework, book, found_in=draft_source(), found_in_locator="с. 1")
    memo = make_agreement(
        [russia, omsk], key="memo", title_ru="Меморандум", kind="memorandum", **PUBLIC
    )
    memo.level, memo.status, memo.organisation = "interregional", "in_force", sco
    memo.save()
    supplements = make_relation(memo, framework, "supplements")
    supplements.citations.create(source=book, locator="с. 7", quote="видимая связь")
    hidden_citation(supplements, draft_source())
    hidden_citation(supplements, article, found_in=draft_source())

    def draft_agreement(**fields):
        m = markers.new()
        titles = {"title_ru": f"Черновик {m}", "title_en": f"Draft {m}"}
        return make_agreement(key=f"{m}-agreement", **titles | fields)

    draft_agreement(parties=[russia])
    make_relation(draft_agreement(), framework, "supplements")
    amended = make_relation(framework, draft_agreement(parties=[kazakhstan]), "amends")
    hidden_citation(amended, article)
    carrier = draft_agreement(state="review", parties=[russia, omsk], organisation=sco)
    carrier.topics.add(draft_topic)
    hidden_citation(carrier, article)

    baikonur = make_project(
        key="baikonur", name_ru="Байконур", kind="facility", place=draft_city, **PUBLIC
    )
    baikonur.participant_set.create(actor=russia, role="operator")
    baikonur.participant_set.create(actor=draft_participant, role="partner")
    baikonur.agreements.add(framework)
    baikonur.figures.create(
        measure="lease", label_ru="Аренда", label_en="Rent", value=Decimal("115"), unit="USD"
    )
    baikonur.citations.create(source=article, quote="видимая цифра")
    hidden_citation(baikonur, draft_source())
    m = markers.new()
    hidden_project = make_project(key=f"{m}-project", name_ru=f"Проект {m}", kind="research")
    hidden_project.agreements.add(framework)
    hidden_project.participant_set.create(actor=russia, role="partner")
    hidden_project.figures.create(
        measure="cost", label_ru=f"Цена {markers.new()}", label_en="Cost", value=1, unit="USD"
    )
    hidden_citation(hidden_project, article)
    make_project(key="nica", name_ru="NICA", kind="research", place=omsk, **PUBLIC)

    hidden_citation(university, draft_source())
    hidden_citation(university, book, found_in=draft_source())
    university.citations.create(source=book, locator="с. 9", quote="основан")

    # Editorial notes: on a published record (one citation hidden), on drafts.
    note = make_note(framework, "signed_on", text_ru="видимая заметка", text_en="visible note")
    note.citations.create(source=article, locator="с. 4", quote="видимая цитата заметки")
    hidden_citation(note, draft_source())
    for draft in (carrier, aliased, hidden_project, draft_source()):
        m = markers.new()
        make_note(draft, text_ru=f"Заметка {m}", text_en=f"Note {m}")
    # Known gaps: a published one concerning published records and drafts, a draft one.
    gap = make_gap(description_ru="видимый пробел", **PUBLIC)
    gap.citations.create(source=article, locator="с. 5", quote="видимая цитата пробела")
    hidden_citation(gap, draft_source())
    gap.links.create(record=framework, role="about", field="relations")
    gap.links.create(record=memo, role="held")
    gap.links.create(record=carrier, role="held")
    gap.links.create(record=aliased, role="about")
    m = markers.new()
    hidden_gap = make_gap(key=f"{m}-gap", description_ru=f"Пробел {m}", state="review")
    hidden_gap.links.create(record=framework, role="about")
    hidden_citation(hidden_gap, article)
    return markers


@pytest.fixture
def markers(settings):
    # Each request renders its page: the test reads the list's count and facets off it.
    settings.PAGE_CACHE_SECONDS = 0
    return build_catalogue()


def body(response):
    """The response as text: spreadsheets decoded cell by cell."""
    if response["Content-Type"].startswith("application/vnd.openxmlformats"):
        from openpyxl import load_workbook

        sheet = load_workbook(io.BytesIO(response.content)).active
        return "\n".join(
            " ".join("" if cell is None else str(cell) for cell in row)
            for row in sheet.iter_rows(values_only=True)
        )
    return response.content.decode("utf-8-sig")


def assert_unmarked(response, markers, echoed=()):
    """No marker in `response`, but for the values the request itself carries."""
    text = body(response)
    for value in echoed:
        text = text.replace(value, "")
    found = [m for m in markers if m in text]
    assert not found, f"{response.wsgi_request.get_full_path()} shows {found}"


def fetch(client, markers, url, params=None, echoed=()):
    response = client.get(url, params or {})
    assert response.status_code == 200, url
    assert_unmarked(response, markers, echoed)
    return response


def count(response):
    return response.context["page"].paginator.count


def facets(response):
    found = {}
    for facet in response.context["facets"]:
        assert facet.hidden == 0  # the catalogue is small: every value is shown and counted
        found[facet.name] = {value.value: value.count for value in facet.values}
    return found


def public_urls():
    urls = ["/", "/sitemap.xml", "/robots.txt", "/coverage/", *LISTS]
    urls += ["/map/", "/network/", "/network/?export=csv", "/network/?export=gexf"]
    for model, name in DETAILS.items():
        for key in model.objects.public().values_list("key", flat=True):
            urls.append(reverse(name, args=[key]))
    return urls


def test_no_public_page_shows_a_draft(client, markers):
    for url in public_urls():
        fetch(client, markers, url)
        if url != "/robots.txt" and url != "/sitemap.xml":
            fetch(client, markers, "/en" + url)
    for model, name in DETAILS.items():
        for key in model.objects.exclude(state="published").values_list("key", flat=True):
            response = client.get(reverse(name, args=[key]))
            assert response.status_code == 404
            assert_unmarked(response, markers, echoed=[key])
    # The published parts are shown: the test does not pass by showing nothing.
    framework = client.get("/agreements/framework/").content.decode()
    assert "видимая цитата" in framework and "Меморандум" in framework
    assert "Семей" in framework and "Байконур" in framework
    assert "видимая связь" in client.get("/sources/book/").content.decode()
    baikonur = client.get("/projects/baikonur/").content.decode()
    assert "Россия" in baikonur and "Аренда" in baikonur and "видимая цифра" in baikonur
    assert "/agreements/framework/" in client.get("/sitemap.xml").content.decode()
    assert "видимая заметка" in framework and "видимая цитата заметки" in framework
    assert "visible note" in client.get("/en/agreements/framework/").content.decode()
    assert "видимый пробел" in framework and "видимый пробел" in memo_page(client)
    coverage = client.get("/coverage/").content.decode()
    assert "видимый пробел" in coverage and "видимая цитата пробела" in coverage
    # Of the records the gap says it holds, only the published one is counted.
    assert "В каталоге: 1." in coverage
    assert KnownGap.objects.public().count() == 1


def memo_page(client):
    return client.get("/agreements/memo/").content.decode()


@pytest.mark.parametrize("url", LISTS)
@pytest.mark.parametrize("fmt", ["csv", "xlsx", "json"])
def test_no_export_shows_a_draft(client, markers, url, fmt):
    shown = count(fetch(client, markers, url))
    response = fetch(client, markers, url, {"export": fmt})
    assert response["Content-Disposition"].startswith("attachment")
    if fmt == "json":
        assert len(json.loads(response.content)) == shown
    elif fmt == "csv":
        assert len(list(csv.reader(io.StringIO(body(response))))) == shown + 1
    for name, values in facets(client.get(url)).items():
        for value in values:
            fetch(client, markers, url, {name: value, "export": fmt})


FACET_OF = {"with_region": "region"}


def filter_values(listing):
    """For each filter of a list: the values it offers, and the keys of the records it must
    not know (drafts, topics only drafts carry)."""
    offered, unknown = {}, {}
    for name, filter_ in listing.filterset.filters.items():
        if isinstance(filter_, django_filters.ModelChoiceFilter):
            field = filter_.extra["to_field_name"]
            queryset = filter_.queryset
            offered[name] = list(queryset.values_list(field, flat=True))
            hidden = queryset.model._default_manager.exclude(pk__in=queryset.values("pk"))
            unknown[name] = list(hidden.values_list(field, flat=True))
        elif isinstance(filter_, django_filters.ChoiceFilter):
            offered[name] = [value for value, _label in filter_.extra["choices"]]
    return offered, unknown


@pytest.mark.parametrize("url", LISTS)
def test_every_facet_counts_what_choosing_it_finds(client, markers, url):
    response = fetch(client, markers, url)
    total, counted = count(response), facets(response)
    assert total > 0
    for name in SINGLE_VALUED[url]:
        assert sum(counted[name].values()) == total, name
    offered, _unknown = filter_values(response.context["listing"])
    for name, values in offered.items():
        for value in values:
            found = count(fetch(client, markers, url, {name: value}))
            # The second region of a pair, alone, is the region filter: its facet counts it.
            facet = FACET_OF.get(name, name)
            assert found == counted.get(facet, {}).get(value, 0), (name, value)
    # Facets count the current results, under a filter too.
    for name, values in counted.items():
        for value in values:
            filtered = fetch(client, markers, url, {name: value})
            for other, other_values in facets(filtered).items():
                if other == name:
                    continue  # a filter takes one value
                for other_value, n in other_values.items():
                    both = count(fetch(client, markers, url, {name: value, other: other_value}))
                    assert both == n, (name, value, other, other_value)


@pytest.mark.parametrize("url", LISTS)
def test_a_draft_key_filters_nothing(client, markers, url):
    response = fetch(client, markers, url)
    _offered, unknown = filter_values(response.context["listing"])
    for name, values in unknown.items():
        for value in values:
            filtered = fetch(client, markers, url, {name: value}, echoed=[value])
            # As for a key that does not exist: the filter is dropped, with a note.
            assert count(filtered) == count(response), (name, value)
            assert filtered.context["listing"].notes, (name, value)
    for marker in markers:
        assert count(client.get(url, {"q": marker})) == 0


def test_the_home_figures_count_what_the_list_finds(client, markers):
    home = fetch(client, markers, "/")
    for (name, url), n in zip(
        (("agreements", "/agreements/"), ("actors", "/actors/"), ("projects", "/projects/")),
        (home.context["counts"][k] for k in ("agreements", "actors", "projects")),
        strict=True,
    ):
        assert count(client.get(url)) == n, name
    for level, _label, n in home.context["levels"]:
        assert count(client.get("/agreements/", {"level": level})) == n
    for code, _name, n in home.context["topics"]:
        assert count(client.get("/agreements/", {"topic": code})) == n
    for value in home.context["regions"].values:
        assert count(client.get("/agreements/", {"region": value.value})) == value.count


def test_a_draft_party_places_its_agreement_in_no_region_or_country(client, markers):
    # The draft company lies in East Kazakhstan and is of another country.
    assert count(client.get("/agreements/", {"region": "east-kz"})) == 0
    assert count(client.get("/agreements/", {"country": "other"})) == 0
    listed = facets(client.get("/agreements/"))
    assert "east-kz" not in listed["region"] and "other" not in listed["country"]
    # The institute lies in a draft region but is part of Omsk Oblast.
    assert listed["region"] == {"omsk": 2}
    home = client.get("/").context["regions"]
    assert [value.value for value in home.values] == ["omsk"]  # nor on the home page


def test_a_citation_relayed_by_a_draft_is_hidden_everywhere(client, markers):
    for url in ("/sources/book/", "/sources/article/", "/agreements/framework/"):
        assert "с. 1" not in client.get(url).content.decode()
    rows = json.loads(client.get("/agreements/", {"export": "json"}).content)
    framework = next(row for row in rows if row["key"] == "framework")
    assert framework["citations"] == [
        {"source": "article", "field": "", "locator": "с. 3", "quote": "видимая цитата"}
    ]
    assert framework["signed_place"] is None and framework["organisation"] is None


def test_the_actor_region_facet_counts_what_the_filter_finds(client, markers):
    listed = facets(client.get("/actors/"))["region"]
    # Omsk Oblast itself, the institute part of it and the akimat both in it and part of it
    # (once); the draft located in it is not counted.
    assert listed == {"omsk": 3, "east-kz": 1}
    assert count(client.get("/actors/", {"region": "omsk"})) == 3


def feed_links(response):
    from defusedxml import ElementTree

    atom = "{http://www.w3.org/2005/Atom}"
    feed = ElementTree.fromstring(response.content)
    return [entry.find(f"{atom}link").get("href") for entry in feed.findall(f"{atom}entry")]


def test_no_feed_shows_a_draft(client, markers):
    everything = feed_links(fetch(client, markers, "/feed/"))
    fetch(client, markers, "/en/feed/")
    public = sum(model.objects.public().count() for model in DETAILS)
    assert len(everything) == public
    listed = fetch(client, markers, "/agreements/")
    offered, unknown = filter_values(listed.context["listing"])
    for name, values in offered.items():
        for value in values:
            found = count(fetch(client, markers, "/agreements/", {name: value}))
            fed = feed_links(fetch(client, markers, "/agreements/feed/", {name: value}))
            assert len(fed) == found, (name, value)
    for name, values in unknown.items():
        for value in values:
            fed = fetch(client, markers, "/agreements/feed/", {name: value}, echoed=[value])
            assert len(feed_links(fed)) == count(listed), (name, value)


def test_no_release_holds_a_draft(client, markers, tmp_path):
    import zipfile

    from django.core.management import call_command

    call_command("release_data", "--output", str(tmp_path), stdout=io.StringIO())
    (path,) = tmp_path.glob("*.zip")
    zipped = zipfile.ZipFile(path)
    for name in zipped.namelist():
        text = zipped.read(name).decode()
        found = [m for m in markers if m in text]
        assert not found, f"{name} holds {found}"
    for table, url in zip(("agreements", "actors", "projects", "sources"), LISTS, strict=True):
        rows = list(csv.DictReader(io.StringIO(zipped.read(f"csv/{table}.csv").decode())))
        assert len(rows) == count(client.get(url)), table
    (framework,) = [
        row
        for row in csv.DictReader(io.StringIO(zipped.read("csv/agreement_citations.csv").decode()))
        if row["quote"] == "видимая цитата"
    ]
    assert framework["record"] == "framework"


API = {Agreement: "agreements", Actor: "actors", Project: "projects", Source: "sources"}


def test_no_api_answer_shows_a_draft(client, markers):
    for kind in [*API.values(), "topics"]:
        data = fetch(client, markers, f"/api/v1/{kind}/", {"per_page": 100}).json()
        assert data["count"] == len(data["results"]) > 0
        for item in data["results"]:
            fetch(client, markers, f"/api/v1/{kind}/{item.get('key') or item['code']}/")
    for model, kind in API.items():
        for key in model.objects.exclude(state="published").values_list("key", flat=True):
            response = client.get(f"/api/v1/{kind}/{key}/")
            assert response.status_code == 404
            assert_unmarked(response, markers, echoed=[key])
    draft_topic = next(
        code for code in Topic.objects.values_list("code", flat=True) if "zz" in code
    )
    assert client.get(f"/api/v1/topics/{draft_topic}/").status_code == 404
    for url in LISTS:
        everything = fetch(client, markers, f"/api/v1{url}").json()["count"]
        _offered, unknown = filter_values(client.get(url).context["listing"])
        for name, values in unknown.items():
            for value in values:
                data = fetch(client, markers, f"/api/v1{url}", {name: value}, echoed=[value])
                assert data.json()["count"] == everything and data.json()["notes"], (name, value)
        for marker in markers:
            assert client.get(f"/api/v1{url}", {"q": marker}).json()["count"] == 0


def test_the_api_shows_the_public_parts_of_a_record(client, markers):
    framework = client.get("/api/v1/agreements/framework/").json()
    assert {p["actor"]["key"] for p in framework["parties"]} == {
        *("russia", "kazakhstan", "semey", "institute", "university"),
    }
    assert framework["signed_place"] is None and framework["organisation"] is None
    assert [(c["source"], c["locator"], c["quote"]) for c in framework["citations"]] == [
        ("article", "с. 3", "видимая цитата")
    ]
    [relation] = framework["relations"]
    assert (relation["source"]["key"], relation["type"]) == ("memo", "supplements")
    assert [c["quote"] for c in relation["citations"]] == ["видимая связь"]
    assert [p["key"] for p in framework["projects"]] == ["baikonur"]
    assert [t["code"] for t in framework["topics"]] == ["space"]
    baikonur = client.get("/api/v1/projects/baikonur/").json()
    assert [p["actor"]["key"] for p in baikonur["participants"]] == ["russia"]
    assert [f["label_ru"] for f in baikonur["figures"]] == ["Аренда"]
    assert baikonur["place"] is None and [a["key"] for a in baikonur["agreements"]] == ["framework"]
    university = client.get("/api/v1/actors/university/").json()
    assert university["parent"] is None and university["located_in"]["key"] == "semey"
    assert [(c["source"], c["locator"]) for c in university["citations"]] == [("book", "с. 9")]
    assert [a["name"] for a in university["aliases"]] == ["УНИ"]
    institute = client.get("/api/v1/actors/institute/").json()
    assert institute["located_in"] is None and institute["parent"]["key"] == "omsk"
