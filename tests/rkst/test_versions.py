"""Versions and permalinks: every published state of a record stays readable at
/<kind>/<key>/v<N>/, drafts never; a published record's changed key keeps answering with a
301; the JSON-LD of a detail page, read as JSON-LD, has the types that fit and sameAs."""

import json
import re

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.urls import reverse
from pyld import jsonld

from actors.models import Actor
from agreements.models import Agreement, AgreementParty
from rkst.models import KeyRedirect, Source
from rkst.workflow import writing
from tests.factories import make_actor, make_agreement, make_project, make_source
from tests.forms import form_data

pytestmark = pytest.mark.django_db


def change(record, **fields):
    for name, value in fields.items():
        setattr(record, name, value)
    writing.save(record, None, "test")
    return record


@pytest.fixture
def agreement():
    """Written as a draft, published as "Первое", drafted as "Черновик", republished as
    "Второе": two published versions, with a draft between them."""
    record = make_agreement(key="science", title_ru="Набросок")
    change(record, state="published", title_ru="Первое")
    change(record, state="draft", title_ru="Черновик")
    change(record, state="published", title_ru="Второе")
    return record


def test_each_version_shows_the_record_as_it_was_published_then(client, agreement):
    first = client.get("/agreements/science/v1/").content.decode()
    second = client.get("/agreements/science/v2/").content.decode()
    assert "Первое" in first and "Второе" not in first
    assert "Второе" in second and "Первое" not in second


def test_a_draft_state_is_never_a_version(client, agreement):
    pages = [client.get(f"/agreements/science/v{n}/") for n in range(0, 5)]
    assert [page.status_code for page in pages] == [404, 200, 200, 404, 404]
    assert not any("Черновик" in page.content.decode() for page in pages)
    assert not any("Набросок" in page.content.decode() for page in pages)


def test_a_record_that_is_a_draft_now_has_no_versions(client, agreement):
    change(agreement, state="draft")
    assert client.get("/agreements/science/v1/").status_code == 404


def test_an_old_version_links_the_current_one_and_the_page_names_its_version(client, agreement):
    old = client.get("/en/agreements/science/v1/").content.decode()
    assert "You are reading version 1 of" in old
    assert 'href="/en/agreements/science/">Read the current version (2)' in old
    page = client.get("/en/agreements/science/").content.decode()
    assert "Version 2 of" in page
    assert 'href="/en/agreements/science/v2/"' in page


def test_a_version_in_russian(client, agreement):
    old = client.get("/agreements/science/v1/").content.decode()
    assert "Вы читаете версию 1 от" in old


def test_the_citation_names_the_version_its_date_and_permalink_in_every_format(client, agreement):
    page = client.get("/en/agreements/science/").content.decode()
    box = page[page.index("cite-box") :]
    date = re.search(r"Version 2 of (\d+ \w+ \d{4})", page).group(1)
    assert f"Version 2. Updated: {date}" in box
    assert "version = {2}" in box
    assert "ET  - Version 2" in box
    assert "&quot;version&quot;: &quot;2&quot;" in box
    assert "http://testserver/en/agreements/science/v2/" in box


def test_parts_are_shown_as_they_stood_then(client):
    russia = make_actor(key="russia", name_ru="Россия", state="published")
    kazakhstan = make_actor(key="kazakhstan", name_ru="Казахстан", state="published")
    record = make_agreement(key="pact", parties=[russia], state="published")
    change(record, title_ru="Договор")  # version 2
    AgreementParty.objects.create(agreement=record, actor=kazakhstan, side="KZ", order=1)
    change(record, title_ru="Договор двух сторон")  # version 3
    second = client.get("/agreements/pact/v2/").content.decode()
    third = client.get("/agreements/pact/v3/").content.decode()
    assert "Россия" in second and "Казахстан" not in second
    assert "Россия" in third and "Казахстан" in third
    change(kazakhstan, state="draft")
    cache.clear()  # the page cache follows the catalogue version, counted at commit
    assert "Казахстан" not in client.get("/agreements/pact/v3/").content.decode()


@pytest.mark.parametrize(
    "make, prefix, name",
    [
        (lambda **kw: make_actor(name_ru="Имя", **kw), "/actors/", "name_ru"),
        (lambda **kw: make_project(name_ru="Имя", **kw), "/projects/", "name_ru"),
        (lambda **kw: make_source(title="Имя", **kw), "/sources/", "title"),
    ],
)
def test_every_kind_of_record_has_its_versions(client, make, prefix, name):
    record = make(key="thing", state="published")
    change(record, **{name: "Новое имя"})
    assert "Новое имя" not in client.get(f"{prefix}thing/v1/").content.decode()
    assert "Новое имя" in client.get(f"{prefix}thing/v2/").content.decode()
    assert client.get(f"{prefix}thing/v3/").status_code == 404
    assert "Version 2 of" in client.get(f"/en{prefix}thing/").content.decode()


def test_the_api_names_each_records_current_version(client, django_assert_max_num_queries):
    first = make_agreement(key="first", title_ru="Первое", state="published")
    change(first, title_ru="Первое, исправленное")
    make_agreement(key="second", state="published")
    detail = client.get("/api/v1/agreements/first/").json()
    assert detail["version"] == 2 and detail["version_date"]
    assert "Первое, исправленное" in client.get(f"{detail['page_url']}v2/").content.decode()
    listed = {a["key"]: a["version"] for a in client.get("/api/v1/agreements/").json()["results"]}
    assert listed == {"first": 2, "second": 1}
    actor = make_actor(key="seeded", state="published")
    actor.history.all().delete()
    assert client.get("/api/v1/actors/seeded/").json()["version"] is None


def test_records_loaded_without_history_get_their_first_version(client):
    record = make_agreement(key="seeded", title_ru="Из фикстуры", state="published")
    record.history.all().delete()
    assert client.get("/agreements/seeded/v1/").status_code == 404
    call_command("record_first_history", stdout=open("/dev/null", "w"))
    call_command("record_first_history", stdout=open("/dev/null", "w"))
    assert record.history.count() == 1
    assert "Из фикстуры" in client.get("/agreements/seeded/v1/").content.decode()


# Key changes


def test_a_published_records_changed_key_answers_with_a_301_in_both_languages(client):
    record = make_agreement(key="old", state="published")
    change(record, key="new")
    response = client.get("/agreements/old/")
    assert (response.status_code, response["Location"]) == (301, "/agreements/new/")
    response = client.get("/en/agreements/old/")
    assert (response.status_code, response["Location"]) == (301, "/en/agreements/new/")
    response = client.get("/en/agreements/old/v1/")
    assert (response.status_code, response["Location"]) == (301, "/en/agreements/new/v1/")
    assert client.get("/agreements/new/v1/").status_code == 200


@pytest.mark.parametrize(
    "make, prefix",
    [(make_actor, "/actors/"), (make_project, "/projects/"), (make_source, "/sources/")],
)
def test_every_detail_page_follows_a_changed_key(client, make, prefix):
    record = make(key="old", state="published")
    change(record, key="new")
    assert client.get(f"{prefix}old/")["Location"] == f"{prefix}new/"


@pytest.mark.parametrize(
    "make, kind",
    [
        (make_agreement, "agreements"),
        (make_actor, "actors"),
        (make_project, "projects"),
        (make_source, "sources"),
    ],
)
def test_the_api_follows_a_changed_key_to_its_own_address(client, make, kind):
    record = make(key="old", state="published")
    change(record, key="new")
    response = client.get(f"/api/v1/{kind}/old/")
    assert response.status_code == 301
    assert response["Location"] == f"http://testserver/api/v1/{kind}/new/"
    assert client.get(response["Location"]).json()["key"] == "new"
    change(record, state="draft")
    assert client.get(f"/api/v1/{kind}/old/").status_code == 404


def test_chains_of_key_changes_lead_to_the_last_key(client):
    record = make_actor(key="first", state="published")
    change(record, key="second")
    change(record, key="third")
    assert client.get("/actors/first/")["Location"] == "/actors/third/"
    assert client.get("/actors/second/")["Location"] == "/actors/third/"
    change(record, key="first")
    assert client.get("/actors/first/").status_code == 200
    assert client.get("/actors/third/")["Location"] == "/actors/first/"


def test_a_drafts_key_change_keeps_nothing(client):
    record = make_agreement(key="draft-old")
    change(record, key="draft-new")
    assert not KeyRedirect.objects.exists()


def test_a_key_that_leads_to_a_record_the_public_cannot_see_is_a_404(client):
    record = make_agreement(key="old", state="published")
    change(record, key="new")
    change(record, state="draft")
    assert client.get("/agreements/old/").status_code == 404
    assert client.get("/en/agreements/old/v1/").status_code == 404


def test_a_bulk_update_of_keys_keeps_the_old_ones(client):
    record = make_source(key="old", state="published")
    record.key = "new"
    writing.update_records(Source, [record], ["key"])
    assert client.get("/sources/old/")["Location"] == "/sources/new/"


# Linked data

SCHEMA = "https://schema.org/"


def local_loader(url, options=None):
    """schema.org's context, reduced to what these pages use: no network."""
    if url.rstrip("/") != "https://schema.org":
        raise jsonld.JsonLdError("unexpected context", "jsonld.LoadDocumentError", {"url": url})
    context = {"@vocab": SCHEMA, "sameAs": {"@type": "@id"}, "url": {"@type": "@id"}}
    return {"contextUrl": None, "documentUrl": url, "document": {"@context": context}}


def linked_data(client, url):
    page = client.get(url).content.decode()
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    (node,) = jsonld.expand(json.loads(block.group(1)), {"documentLoader": local_loader})
    return node


def test_json_ld_types_sameas_and_version_of_each_kind_of_record(client):
    russia = make_actor(key="russia", kind=Actor.Kind.STATE, wikidata="Q159", state="published")
    change(russia, name_en="Russia")
    make_actor(key="omsk", kind=Actor.Kind.REGION, state="published")
    make_actor(key="kaznu", kind=Actor.Kind.UNIVERSITY, state="published")
    make_agreement(key="pact", kind=Agreement.Kind.AGREEMENT, state="published")
    make_source(key="paper", kind=Source.Kind.ARTICLE, state="published")
    make_source(key="site", kind=Source.Kind.WEB_PAGE, state="published")

    node = linked_data(client, "/actors/russia/")
    assert node["@type"] == [f"{SCHEMA}GovernmentOrganization"]
    assert node[f"{SCHEMA}sameAs"] == [{"@id": "https://www.wikidata.org/wiki/Q159"}]
    assert node[f"{SCHEMA}version"] == [{"@value": "2"}]
    assert node["@id"] == "http://testserver/actors/russia/"
    assert linked_data(client, "/actors/omsk/")["@type"] == [f"{SCHEMA}Place"]
    kaznu = linked_data(client, "/actors/kaznu/")
    assert kaznu["@type"] == [f"{SCHEMA}Organization"]
    assert f"{SCHEMA}sameAs" not in kaznu
    assert linked_data(client, "/agreements/pact/")["@type"] == [f"{SCHEMA}Legislation"]
    assert linked_data(client, "/sources/paper/")["@type"] == [f"{SCHEMA}ScholarlyArticle"]
    assert linked_data(client, "/en/sources/site/")["@type"] == [f"{SCHEMA}CreativeWork"]


def test_a_key_changed_in_the_admin_keeps_the_old_one(client, editor_client):
    source = make_source(key="article-old", state="published")
    url = reverse("admin:rkst_source_change", args=[source.pk])
    data = form_data(editor_client.get(url), "source_form")
    data["key"] = ["article-new"]
    assert editor_client.post(url, data).status_code == 302
    assert client.get("/sources/article-old/")["Location"] == "/sources/article-new/"
    assert "Version 2 of" in client.get("/en/sources/article-new/").content.decode()
