"""Facet counts, home figures and whole public pages are cached, and a committed change shows
on the next request."""

import re

import pytest

from tests.factories import make_actor, make_agreement

pytestmark = pytest.mark.django_db


def kind_counts(client):
    """The kind facet as the reader sees it: {value: count}."""
    page = client.get("/agreements/").content.decode()
    return {
        value: int(count)
        for value, count in re.findall(
            r'href="\?kind=([a-z_]+)"><span>[^<]*</span> <span class="count">(\d+)', page
        )
    }


def home_count(client):
    page = client.get("/").content.decode()
    return int(re.search(r"<strong>(\d+)</strong> соглашени", page).group(1))


@pytest.fixture
def parties(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        russia = make_actor(key="russia", kind="state", country="RU", state="published")
        kazakhstan = make_actor(key="kazakhstan", kind="state", country="KZ", state="published")
        make_agreement(key="memo", kind="memorandum", state="published", parties=[russia])
    return russia, kazakhstan


def test_publishing_a_record_updates_the_facets_and_the_home_counts(
    client, parties, django_capture_on_commit_callbacks
):
    assert kind_counts(client) == {"memorandum": 1}
    assert home_count(client) == 1
    with django_capture_on_commit_callbacks(execute=True):
        draft = make_agreement(key="protocol", kind="protocol", parties=parties)
    assert kind_counts(client) == {"memorandum": 1}
    with django_capture_on_commit_callbacks(execute=True):
        draft.state = "published"
        draft.save()
    assert kind_counts(client) == {"memorandum": 1, "protocol": 1}
    assert home_count(client) == 2


def test_a_change_that_is_rolled_back_leaves_the_cache_alone(client, parties):
    from django.db import transaction

    from rkst.models import CatalogueVersion

    before = CatalogueVersion.current()
    kind_counts(client)
    with pytest.raises(RuntimeError), transaction.atomic():
        make_agreement(key="lost", kind="protocol", state="published", parties=parties)
        raise RuntimeError
    assert CatalogueVersion.current() == before
    assert kind_counts(client) == {"memorandum": 1}


def test_an_anonymous_reader_gets_the_page_from_the_cache(
    client, parties, django_assert_max_num_queries
):
    first = client.get("/agreements/?kind=memorandum").content
    # The catalogue's version is all that is read: the page itself comes from the cache.
    with django_assert_max_num_queries(1):
        again = client.get("/agreements/?kind=memorandum")
    assert again.content == first
    assert again["ETag"]


def test_a_signed_in_curator_always_gets_a_fresh_page(admin_client, parties):
    admin_client.get("/agreements/")
    memo = parties[0].agreement_parties.get().agreement
    memo.title_ru = "Меморандум (исправленный)"
    memo.save()  # not committed yet: the version is unchanged
    assert "Меморандум (исправленный)" in admin_client.get("/agreements/").content.decode()


def test_an_export_is_never_served_from_the_page_cache(client, parties):
    client.get("/agreements/?export=json")
    memo = parties[0].agreement_parties.get().agreement
    memo.title_ru = "Меморандум (исправленный)"
    memo.save()
    rows = client.get("/agreements/?export=json").json()
    assert [row["title_ru"] for row in rows] == ["Меморандум (исправленный)"]


def test_the_number_found_follows_a_publication(
    client, parties, django_capture_on_commit_callbacks
):
    def found():
        page = client.get("/agreements/", {"kind": "protocol"}).content.decode()
        return int(re.search(r"<strong>(\d+)</strong> найдено", page).group(1))

    assert found() == 0
    with django_capture_on_commit_callbacks(execute=True):
        make_agreement(key="protocol", kind="protocol", state="published", parties=parties)
    assert found() == 1


def test_readers_asking_at_once_wait_for_one_computation(rf):
    import threading
    import time

    from rkst.listing import cached

    request = rf.get("/agreements/")
    request.catalogue_version = 7
    computed = []

    def facet_counts():
        computed.append(threading.get_ident())
        time.sleep(0.3)
        return {"protocol": 3}

    answers = []
    readers = [
        threading.Thread(target=lambda: answers.append(cached(request, "at-once", facet_counts)))
        for _ in range(4)
    ]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join()
    assert answers == [{"protocol": 3}] * 4
    assert len(computed) == 1


def test_when_the_computing_reader_fails_the_next_one_computes(rf):
    from django.core.cache import cache

    from rkst.listing import cached

    request = rf.get("/agreements/")
    request.catalogue_version = 8

    def broken():
        raise RuntimeError("the database went away")

    with pytest.raises(RuntimeError):
        cached(request, "failing", broken)
    assert cache.get("rkst:8:ru:failing:computing") is None
    assert cached(request, "failing", lambda: {"treaty": 1}) == {"treaty": 1}
