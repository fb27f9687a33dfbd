"""The API (/api/v1/) gives what the HTML lists and pages give: the same records, in the same
order and count, for the same parameters, with the same notes; in a number of queries a page
that does not grow with the page; with weak ETags, open CORS for reading, and a throttle."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from rkst.workflow import writing
from tests.factories import (
    make_actor,
    make_agreement,
    make_project,
    make_relation,
    make_source,
    make_topic,
)
from tests.test_visibility import build_catalogue, filter_values

pytestmark = pytest.mark.django_db

# HTML list -> API list
LISTS = {
    "/agreements/": "/api/v1/agreements/",
    "/actors/": "/api/v1/actors/",
    "/projects/": "/api/v1/projects/",
    "/sources/": "/api/v1/sources/",
}
RUSSIAN = {"HTTP_ACCEPT_LANGUAGE": "ru"}


@pytest.fixture
def markers(settings):
    settings.PAGE_CACHE_SECONDS = 0
    return build_catalogue()


def html(client, url, params):
    response = client.get(url, params)
    assert response.status_code == 200
    page = response.context["page"]
    keys = [record.key for record in page.object_list]
    return keys, page.paginator.count, [str(note) for note in response.context["listing"].notes]


def api(client, url, params, **headers):
    response = client.get(url, params, **headers)
    assert response.status_code == 200, response.content
    data = response.json()
    return [item["key"] for item in data["results"]], data["count"], data["notes"]


def assert_same(client, url, params):
    """The API list answers `params` with the HTML list's rows, count and notes (in Russian
    when asked, as the page at / gives them)."""
    shown = html(client, url, params)
    given = api(client, LISTS[url], params, **RUSSIAN)
    assert given == shown, (url, params)
    return shown


def list_parameters(client, url):
    """Every value each filter of the list offers, the keys it must not know (drafts),
    a value that names nothing, every sort, searches, and malformed pages and sizes."""
    listing = client.get(url).context["listing"]
    offered, unknown = filter_values(listing)
    cases = [{}]
    for name in listing.filterset.filters:
        values = offered.get(name, []) + unknown.get(name, []) + ["no-such-value", ""]
        cases += [{name: value} for value in values]
    cases += [{"sort": sort} for sort in [*listing.sorts, "relevance", "nonsense"]]
    cases += [{"q": q} for q in ("Соглашение", "soglashenie", "россия", "zz", "x " * 30)]
    cases += [{"q": "соглашение", "sort": "relevance"}, {"q": "соглашение", "sort": "title"}]
    cases += [{"page": page} for page in ("2", "0", "-1", "abc", "99")]
    cases += [{"per_page": size} for size in ("20", "100", "7.5", "abc")]
    if "year_from" in listing.filterset.filters:
        cases += [{"year_from": "1990", "year_to": "2000"}, {"year_from": "0"}]
        cases += [{"year_to": "10000"}, {"year_from": "abc"}]
    return cases


@pytest.mark.parametrize("url", LISTS)
def test_every_filter_finds_what_the_html_list_finds(client, markers, url):
    found = 0
    for params in list_parameters(client, url):
        keys, count, _notes = assert_same(client, url, params)
        found += count
    assert found > 0  # the lists are not empty, nor the comparison vacuous


@pytest.mark.parametrize("url", LISTS)
def test_two_filters_together_find_what_the_html_list_finds(client, markers, url):
    # Each pair of filters, with the value of each that finds the most (its facet's first).
    facets = client.get(url).context["facets"]
    chosen = {facet.name: facet.values[0].value for facet in facets}
    for first, a in chosen.items():
        for second, b in chosen.items():
            if first < second:
                assert_same(client, url, {first: a, second: b, "q": "о"})


def test_the_pages_of_a_long_list_are_those_of_the_html_list(client, settings):
    settings.PAGE_CACHE_SECONDS = 0
    for n in range(45):
        make_agreement(signed=str(1990 + n % 20), state="published")
    seen = []
    for page in ("1", "2", "3"):
        keys, count, notes = assert_same(client, "/agreements/", {"per_page": "20", "page": page})
        assert count == 45 and notes == []
        seen += keys
    assert len(set(seen)) == 45
    # Past the end: the last page, with the page's note.
    keys, _count, notes = assert_same(client, "/agreements/", {"per_page": "20", "page": "4"})
    assert len(keys) == 5 and notes
    data = client.get("/api/v1/agreements/", {"per_page": 20, "page": 2}).json()
    assert data["page"] == 2 and data["pages"] == 3 and data["per_page"] == 20
    assert data["next"].endswith("page=3&per_page=20")
    assert data["previous"] == "http://testserver/api/v1/agreements/?per_page=20"


def test_the_api_takes_any_page_size_up_to_its_cap(client, settings):
    for _ in range(12):
        make_agreement(state="published")
    assert len(client.get("/api/v1/agreements/", {"per_page": 7}).json()["results"]) == 7
    data = client.get("/api/v1/agreements/", {"per_page": 101}).json()
    assert data["per_page"] == 50 and len(data["results"]) == 12
    assert data["notes"] == ["Page size “101” was ignored."]


def test_a_dropped_value_is_noted_in_english_unless_russian_is_asked(client, markers):
    params = {"kind": "nonsense", "year_from": "0", "q": "слово " * 12}
    english = client.get("/api/v1/agreements/", params).json()["notes"]
    assert len(english) == 3
    assert "“nonsense” is not a value of “kind” and was ignored" in english[1]
    assert english[2].startswith("“0” is not a value of “signed from (year)”")
    assert english[0].startswith("A search takes at most 10 words")
    russian = client.get("/api/v1/agreements/", params, HTTP_ACCEPT_LANGUAGE="ru-RU")
    russian = russian.json()["notes"]
    assert russian == html(client, "/agreements/", params)[2] != english


def test_every_public_record_has_its_api_record_and_no_other(client, markers):
    for url, api_url in LISTS.items():
        keys, count, _notes = html(client, url, {"per_page": "100"})
        for key in keys:
            assert client.get(f"{api_url}{key}/").json()["key"] == key
        assert client.get(f"{api_url}no-such-key/").status_code == 404
        assert client.get(f"{api_url}No Such Key/").status_code == 404


def test_topics_are_those_the_agreement_list_offers(client, markers):
    topics = [item["code"] for item in client.get("/api/v1/topics/").json()["results"]]
    offered = client.get("/agreements/").context["listing"].filterset.filters["topic"].queryset
    assert topics == ["space"] == [t.code for t in offered]
    assert client.get("/api/v1/topics/space/").json()["name_en"] == "Space"
    # A topic only drafts carry is unknown.
    assert client.get("/api/v1/topics/zzmark13-topic/").status_code == 404


def test_a_record_gives_its_parts_and_citations(client, settings):
    source = make_source(key="article", state="published")
    found_in = make_source(key="book", state="published")
    russia = make_actor(key="russia", kind="state", state="published")
    omsk = make_actor(key="omsk", kind="region", state="published", name_en="Omsk Oblast")
    agreement = make_agreement([russia, omsk], "07.1998", key="sti", state="published")
    agreement.topics.add(make_topic(code="space", name_ru="Космос", name_en="Space"))
    agreement.citations.create(
        source=source, field="signed_on", locator="с. 3", quote="в июле 1998 г.", rank="normal"
    )
    agreement.citations.create(
        source=source,
        field="signed_on",
        claim="1999",
        rank="preferred",
        found_in=found_in,
        found_in_locator="с. 9",
    )
    later = make_agreement([russia], "2001", key="later", state="published")
    make_relation(later, agreement, "amends", note="изменяет").citations.create(
        source=source, locator="с. 5"
    )
    project = make_project(key="baikonur", state="published", place=omsk)
    project.agreements.add(agreement)
    project.participant_set.create(actor=russia, role="operator")
    project.figures.create(
        measure="rent", label_ru="Аренда", label_en="Rent", value=115, unit="USD"
    )

    data = client.get("/api/v1/agreements/sti/").json()
    assert data["signed_on"] == "1998-07" and data["signed_place"] is None
    assert [(p["actor"]["key"], p["role"], p["side"]) for p in data["parties"]] == [
        ("russia", "party", "RU"),
        ("omsk", "party", "RU"),
    ]
    assert data["topics"] == [{"code": "space", "name_ru": "Космос", "name_en": "Space"}]
    assert data["page_url"] == "http://testserver/agreements/sti/"
    # The preferred claim first, as the page numbers them; the relaying work named.
    assert [(c["claim"], c["rank"], c["found_in"], c["locator"]) for c in data["citations"]] == [
        ("1999", "preferred", "book", ""),
        ("", "normal", None, "с. 3"),
    ]
    assert data["citations"][1]["quote"] == "в июле 1998 г."
    [relation] = data["relations"]
    assert (relation["source"]["key"], relation["type"], relation["target"]["key"]) == (
        "later",
        "amends",
        "sti",
    )
    assert relation["note"] == "изменяет" and relation["citations"][0]["locator"] == "с. 5"
    assert data["projects"] == [{"key": "baikonur", "name_ru": project.name_ru, "name_en": ""}]
    assert client.get("/api/v1/agreements/later/").json()["signed_on"] == "2001"

    data = client.get("/api/v1/projects/baikonur/").json()
    assert data["place"]["key"] == "omsk" and data["place"]["name_en"] == "Omsk Oblast"
    assert data["participants"][0]["actor"]["key"] == "russia"
    assert data["figures"] == [
        {"measure": "rent", "label_ru": "Аренда", "label_en": "Rent", "value": "115"}
        | {"unit": "USD", "order": 0}
    ]
    assert [a["key"] for a in data["agreements"]] == ["sti"]


def build_large_catalogue(n=105):
    """`n` published records of each kind, each with its parts, so that a query a row would
    show at every page size."""
    source = make_source(key="article", state="published")
    topic = make_topic(code="space")
    actors = [make_actor(state="published", kind="university") for _ in range(n)]
    previous = first = None
    for index, actor in enumerate(actors):
        make_source(state="published")
        agreement = make_agreement(
            [actor, actors[index - 1]], str(1990 + index % 30), state="published"
        )
        agreement.topics.add(topic)
        agreement.citations.create(source=source, locator=f"с. {index}")
        actor.citations.create(source=source, locator=f"с. {index}")
        actor.aliases.create(name=f"Alias {index}", kind="acronym")
        if previous:
            make_relation(agreement, previous).citations.create(source=source)
        previous, first = agreement, first or agreement
        project = make_project(state="published", place=actor)
        project.agreements.add(agreement)
        project.participant_set.create(actor=actor)
        project.figures.create(
            measure="cost", label_ru="Цена", label_en="Cost", value=1, unit="USD"
        )
        project.citations.create(source=source)
    # A ring: every agreement relates to one and is related to by one.
    make_relation(first, previous, "amends").citations.create(source=source)


def test_the_queries_of_a_page_do_not_grow_with_the_page(client, settings):
    build_large_catalogue()
    for url in [*LISTS.values(), "/api/v1/topics/", "/api/v1/agreements/?q=soglashenie"]:
        queries = {}
        for size in (1, 10, 100):
            page = f"{url}{'&' if '?' in url else '?'}per_page={size}"
            client.get(page)  # the count is cached by the catalogue's version, as on the pages
            with CaptureQueriesContext(connection) as captured:
                response = client.get(page)
            assert response.status_code == 200
            assert len(response.json()["results"]) == (1 if url.endswith("topics/") else size)
            queries[size] = len(captured.captured_queries)
        assert queries[1] == queries[10] == queries[100], (url, queries)


def test_a_record_reads_a_fixed_number_of_queries(client, settings, django_assert_max_num_queries):
    build_large_catalogue(3)
    for kind in ("agreements", "actors", "projects", "sources"):
        key = client.get(f"/api/v1/{kind}/").json()["results"][0]["key"]
        with django_assert_max_num_queries(12):
            assert client.get(f"/api/v1/{kind}/{key}/").status_code == 200


def test_an_unchanged_answer_is_not_sent_again(client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        agreement = make_agreement(key="sti", state="published")
    for url in ("/api/v1/agreements/", "/api/v1/agreements/sti/", "/api/v1/topics/"):
        first = client.get(url)
        etag = first["ETag"]
        assert etag.startswith('W/"')
        again = client.get(url, HTTP_IF_NONE_MATCH=etag)
        assert again.status_code == 304 and again.content == b""
        # Another language of the notes is another answer.
        assert client.get(url, HTTP_IF_NONE_MATCH=etag, **RUSSIAN).status_code == 200
        assert "no-cache" in first["Cache-Control"]
    etag = client.get("/api/v1/agreements/sti/")["ETag"]
    agreement.title_ru = "Новое заглавие"
    with django_capture_on_commit_callbacks(execute=True):
        writing.save(agreement, reason="a test")
    changed = client.get("/api/v1/agreements/sti/", HTTP_IF_NONE_MATCH=etag)
    assert changed.status_code == 200 and changed.json()["title_ru"] == "Новое заглавие"
    assert changed["ETag"] != etag


def test_any_site_may_read_but_not_write(client, settings):
    make_agreement(key="sti", state="published")
    origin = {"HTTP_ORIGIN": "https://notebook.example.org"}
    response = client.get("/api/v1/agreements/sti/", **origin)
    assert response["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in response
    preflight = client.options(
        "/api/v1/agreements/", HTTP_ACCESS_CONTROL_REQUEST_METHOD="DELETE", **origin
    )
    assert preflight["Access-Control-Allow-Methods"] == "GET, HEAD, OPTIONS"
    for method in (client.post, client.put, client.patch, client.delete):
        assert method("/api/v1/agreements/sti/").status_code == 405
    # Nor may another site's page send a form to it: no view of the API is exempt from CSRF.
    checked = Client(enforce_csrf_checks=True)
    assert checked.post("/api/v1/agreements/sti/", **origin).status_code == 403
    # The pages are not shared with other sites.
    assert "Access-Control-Allow-Origin" not in client.get("/agreements/", **origin)


def test_a_client_asking_too_often_is_told_to_wait(client, settings):
    settings.API_THROTTLE_RATE = "3/minute"
    for _ in range(3):
        assert client.get("/api/v1/topics/").status_code == 200
    response = client.get("/api/v1/topics/")
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert "throttled" in response.json()["detail"].lower()
    settings.API_THROTTLE_RATE = ""  # the bound is read at each request
    assert client.get("/api/v1/topics/").status_code == 200


def test_the_index_schema_and_documentation_are_linked(client, settings):
    index = client.get("/api/v1/").json()
    assert index["agreements"] == "http://testserver/api/v1/agreements/"
    assert index["schema"] == "http://testserver/api/v1/schema/"
    schema = client.get("/api/v1/schema/", {"format": "json"}).json()
    assert schema["openapi"] == "3.1.0"
    assert set(schema["paths"]) >= {
        f"/api/v1/{kind}/{{{lookup}}}/"
        for kind, lookup in [
            ("agreements", "key"),
            ("actors", "key"),
            ("projects", "key"),
            ("sources", "key"),
            ("topics", "code"),
        ]
    }
    parameters = {p["name"] for p in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]}
    assert parameters == {
        *("q", "kind", "level", "status", "topic", "party", "country", "region", "with_region"),
        *("organisation", "year_from", "year_to", "sort", "page", "per_page"),
    }
    assert "Records a page" in client.get("/api/v1/schema/").content.decode()
    for path in ("/", "/en/agreements/", "/api/v1/docs/"):
        page = client.get(path).content.decode()
        assert 'href="/api/v1/docs/"' in page and 'href="/api/v1/schema/"' in page
    docs = client.get("/api/v1/docs/").content.decode()
    assert "swagger-ui-bundle.js" in docs and "<script>" not in docs
