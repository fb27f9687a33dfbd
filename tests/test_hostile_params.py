"""Whatever a reader puts in the address of a public list, the answer is a page, never a server
error: a value out of range or malformed is dropped with a note in the page's language, a
search is cut to its limits, and on PostgreSQL a statement that runs too long gets the 503 page."""

import re
from urllib.parse import quote_from_bytes

import pytest
from django.db import connection
from hypothesis import HealthCheck, given
from hypothesis import settings as examples
from hypothesis import strategies as st

from agreements.filters import AgreementListing
from agreements.models import Agreement
from rkst.search import search_q
from tests.factories import make_actor, make_agreement, make_project, make_source, make_topic

pytestmark = pytest.mark.django_db

COMMON = ["q", "kind", "sort", "page", "per_page", "export"]
LISTS = {
    "/agreements/": COMMON
    + [
        *("level", "status", "topic", "party", "country", "region", "organisation"),
        *("year_from", "year_to"),
    ],
    "/actors/": [*COMMON, "country", "region"],
    "/projects/": [*COMMON, "participant"],
    "/sources/": [*COMMON, "reliability"],
    "/": [*COMMON, "year_from", "year_to", "party"],
    "/feed/": COMMON,
}
# A list's feed takes the list's parameters.
LISTS["/agreements/feed/"] = LISTS["/agreements/"]
HOSTILE = [
    *("0", "-5", "10000", "1e9", "0.1", "2147483648", "-0", "NaN", "inf", "9" * 5000),
    *("\x00", "a\x00b", "x" * 5000, " 1998 ", "١٩٩٨", "'; DROP TABLE x; --", "%", "1998"),
    *("csv", "json", "xlsx", "-signed", "relevance", "russia", "omsk", "RU", "20", "100"),
]


@pytest.fixture
def catalogue():
    russia = make_actor(key="russia", kind="state", country="RU", state="published")
    omsk = make_actor(key="omsk", kind="region", country="RU", state="published")
    make_topic(code="space")
    make_source(key="article", state="published")
    make_project(key="baikonur", state="published")
    make_agreement(key="sti", parties=[russia, omsk], signed="25.11.1996", state="published")
    make_agreement(key="memo", parties=[russia], signed="2004", state="published")


def notes(response):
    return response.context["listing"].notes if "listing" in response.context else []


@pytest.mark.parametrize("value", ["0", "-5", "10000", "1e9", "0.1", "2147483648"])
@pytest.mark.parametrize("name", ["year_from", "year_to"])
def test_a_year_out_of_range_is_dropped_with_a_note(client, catalogue, name, value):
    response = client.get("/agreements/", {name: value})
    assert response.status_code == 200
    assert len(response.context["page"].object_list) == 2
    page = response.content.decode()
    assert f"«{value}»" in page
    assert "год — целое число от 1000 до 2100" in page

    response = client.get("/en/agreements/", {name: value})
    assert response.status_code == 200
    assert f"“{value}”" in response.content.decode()
    assert "a year is a whole number from 1000 to 2100" in response.content.decode()


def test_a_year_in_range_filters(client, catalogue):
    response = client.get("/agreements/", {"year_from": "2000", "year_to": "2100"})
    assert [a.key for a in response.context["page"].object_list] == ["memo"]
    assert notes(response) == []


def test_a_long_search_is_cut_with_a_note(client, catalogue):
    words = " ".join(f"слово{n}" for n in range(495))
    response = client.get("/agreements/", {"q": words})
    assert response.status_code == 200
    assert response.context["listing"].query.split() == [f"слово{n}" for n in range(10)]
    assert "Поиск учитывает не более 10 слов и 200 символов" in response.content.decode()

    response = client.get("/en/actors/", {"q": "а" * 5000})
    assert response.status_code == 200
    assert "A search takes at most 10 words and 200 characters" in response.content.decode()


def test_a_short_search_is_left_as_it_is(client, catalogue):
    response = client.get("/agreements/", {"q": "соглашение о сотрудничестве"})
    assert response.context["listing"].query == "соглашение о сотрудничестве"
    assert notes(response) == []


def test_the_search_itself_never_builds_too_large_a_query(catalogue):
    """SQLite refuses an expression tree of about 500 OR-ed words; the search keeps 10."""
    words = " ".join(f"w{n}" for n in range(1300))
    assert Agreement.objects.filter(search_q(words)).count() == 0


def test_the_home_page_takes_no_parameters(client, catalogue):
    assert client.get("/", {"year_from": "0", "q": "x" * 5000}).status_code == 200
    assert client.get("/?party=%ff").status_code == 200


values = st.one_of(
    st.sampled_from(HOSTILE).map(str.encode),
    st.text(max_size=300).map(str.encode),
    st.integers().map(lambda n: str(n).encode()),
    st.floats().map(lambda x: repr(x).encode()),
    st.binary(max_size=50),  # non-UTF-8 percent-encoding among them
)


def is_year(text):
    """Whether a form's whole number field reads `text` as a year in the documented range
    (or as nothing: an empty value is no filter)."""
    if not text.strip():
        return True
    try:
        return 1000 <= int(re.sub(r"\.0*\s*$", "", text.strip())) <= 2100
    except ValueError:
        return False


def query_string(pairs):
    return "&".join(f"{name}={quote_from_bytes(value)}" for name, value in pairs)


def assert_answers(client, url, names, data):
    language = data.draw(st.sampled_from(["", "/en"]), label="language")
    # Repeated names too: the last value is the one a filter reads.
    pairs = data.draw(st.lists(st.tuples(st.sampled_from(names), values), max_size=5))
    response = client.get(f"{language}{url}?{query_string(pairs)}")
    assert response.status_code < 500
    if url == "/" or "listing" not in (response.context or {}):  # an export has no context
        return
    listing = response.context["listing"]
    for name, value in dict(pairs).items():
        if name.startswith("year_") and not is_year(value.decode(errors="replace")):
            assert name not in listing.params
            assert any(str(listing.filterset.filters[name].label) in note for note in listing.notes)


@pytest.mark.parametrize("url", LISTS)
@examples(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_parameter_gives_a_server_error(client, catalogue, url, data, settings):
    settings.PAGE_CACHE_SECONDS = 0  # every example renders its page and its notes
    assert_answers(client, url, LISTS[url], data)


@pytest.mark.django_db(transaction=True)
def test_a_public_statement_that_runs_too_long_gets_the_503_page(client, monkeypatch, settings):
    """PostgreSQL cancels a public page's statement after PUBLIC_STATEMENT_TIMEOUT and the
    reader gets the 503 page; the setting ends with the page. SQLite has no statement timeout:
    the setting is ignored there and the page renders."""
    settings.PUBLIC_STATEMENT_TIMEOUT = 0.05
    postgres = connection.vendor == "postgresql"
    seen = {}

    def slow_facets(listing):
        with connection.cursor() as cursor:
            if postgres:
                cursor.execute("SHOW statement_timeout")
                seen["timeout"] = cursor.fetchone()[0]
                cursor.execute("SELECT pg_sleep(1)")
        seen["in_transaction"] = connection.in_atomic_block
        return []

    monkeypatch.setattr(AgreementListing, "facets", slow_facets)
    response = client.get("/agreements/")
    if postgres:
        assert seen["timeout"] == "50ms"
        assert response.status_code == 503
        assert response["Retry-After"] == "30"
        assert "The catalogue is temporarily unavailable" in response.content.decode()
        with connection.cursor() as cursor:
            cursor.execute("SHOW statement_timeout")
            assert cursor.fetchone()[0] != "50ms"  # the admin and commands are not bounded
    else:
        assert response.status_code == 200
        assert seen["in_transaction"] is False
