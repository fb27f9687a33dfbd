"""The Atom feeds: the whole catalogue's and a filtered agreement list's, in both languages,
the latest change first, published records only, valid Atom, cached under the catalogue's
version."""

import json
from datetime import timedelta

import pytest
from defusedxml import ElementTree
from django.utils import timezone

from agreements.models import Agreement
from rkst import workflow
from tests.factories import make_actor, make_agreement, make_project, make_source, make_topic

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
PUBLIC = {"state": "published"}


def entries(response):
    """The feed's entries as (title, link, updated, published) after checking the feed is
    Atom with every element RFC 4287 requires."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/atom+xml; charset=utf-8"
    feed = ElementTree.fromstring(response.content)
    assert feed.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert (feed.findtext(f"{ATOM}{name}") or "").strip(), name
    assert feed.find(f"{ATOM}link[@rel='self']") is not None
    found = []
    for entry in feed.findall(f"{ATOM}entry"):
        for name in ("id", "title", "updated"):
            assert (entry.findtext(f"{ATOM}{name}") or "").strip(), name
        link = entry.find(f"{ATOM}link[@rel='alternate']")
        assert link is not None and link.get("href").startswith("http://testserver/")
        found.append(
            (
                entry.findtext(f"{ATOM}title"),
                link.get("href"),
                entry.findtext(f"{ATOM}updated"),
                entry.findtext(f"{ATOM}published"),
            )
        )
    return found


def links(response):
    return [link for _title, link, _updated, _published in entries(response)]


def feed_of(response):
    return ElementTree.fromstring(response.content)


@pytest.fixture
def catalogue(django_capture_on_commit_callbacks):
    """Published records of every kind changed a day apart, and drafts linked to them."""
    with django_capture_on_commit_callbacks(execute=True):
        return build_catalogue()


def build_catalogue():
    source = make_source(key="article", title="Статья о сотрудничестве", **PUBLIC)
    russia = make_actor(key="russia", name_ru="Россия", name_en="Russia", kind="state", **PUBLIC)
    space = make_topic(code="space", name_ru="Космос", name_en="Space")
    energy = make_topic(code="energy", name_ru="Энергетика", name_en="Energy")
    memo = make_agreement(
        [russia],
        key="space-memo",
        title_ru="Меморандум о космосе",
        title_en="Memorandum on space",
        kind="memorandum",
        summary_ru="Сотрудничество в <b>космосе</b>",
        **PUBLIC,
    )
    memo.topics.add(space)
    treaty = make_agreement(
        [russia], key="energy-treaty", title_ru="Договор об энергетике", kind="treaty", **PUBLIC
    )
    treaty.topics.add(energy)
    protocol = make_agreement(key="space-protocol", title_ru="Протокол о космосе", **PUBLIC)
    protocol.topics.add(space)
    project = make_project(key="baiterek", name_ru="Байтерек", name_en="Baiterek", **PUBLIC)
    draft = make_agreement([russia], key="zzdraft-agreement", title_ru="Черновик zzdraft")
    draft.topics.add(space)
    make_actor(key="zzdraft-actor", name_ru="Черновой актор zzdraft")
    make_project(key="zzdraft-project", name_ru="Черновой проект zzdraft")
    make_source(key="zzdraft-source", title="Черновой источник zzdraft")
    now = timezone.now()
    records = [source, russia, memo, treaty, protocol, project]
    for days, record in enumerate(records):
        type(record).objects.filter(pk=record.pk).update(updated_at=now - timedelta(days=days + 1))
    for record in records:
        record.refresh_from_db()
    return {"memo": memo, "treaty": treaty, "protocol": protocol, "draft": draft, "source": source}


def test_the_catalogue_feed_lists_every_kind_latest_change_first(client, catalogue):
    found = entries(client.get("/feed/"))
    assert [link for _t, link, _u, _p in found] == [
        "http://testserver/sources/article/",
        "http://testserver/actors/russia/",
        "http://testserver/agreements/space-memo/",
        "http://testserver/agreements/energy-treaty/",
        "http://testserver/agreements/space-protocol/",
        "http://testserver/projects/baiterek/",
    ]
    assert found[2][0] == "Соглашение: Меморандум о космосе"
    updated = [timezone.datetime.fromisoformat(u) for _t, _l, u, _p in found]
    assert updated == sorted(updated, reverse=True)


def test_a_draft_never_appears_in_a_feed(client, catalogue):
    for url in ("/feed/", "/en/feed/", "/agreements/feed/", "/agreements/feed/?topic=space"):
        response = client.get(url)
        assert links(response)
        assert b"zzdraft" not in response.content, url


# Publishing as the superuser: adding the editor to a group counts as a change of the
# catalogue, whose on-commit count would hold back the ones these tests run.
def test_a_record_published_now_comes_first(client, catalogue, superuser):
    draft = catalogue["draft"]
    draft.citations.create(source=catalogue["source"], locator="с. 1")
    before = timezone.now()
    workflow.apply(draft, "publish", superuser)
    for url in ("/feed/", "/agreements/feed/", "/agreements/feed/?topic=space"):
        title, link, updated, published = entries(client.get(url))[0]
        assert link == "http://testserver/agreements/zzdraft-agreement/"
        assert "Черновик zzdraft" in title
        assert timezone.datetime.fromisoformat(updated) >= before
        # Its first publication, from the publication log.
        assert timezone.datetime.fromisoformat(published) >= before


@pytest.mark.parametrize(
    "params",
    [
        "topic=space",
        "kind=treaty",
        "party=russia",
        "q=космос",
        "topic=space&kind=memorandum",
        "topic=energy&q=космос",
    ],
)
def test_a_filtered_feed_holds_the_filtered_lists_agreements(client, catalogue, params):
    listed = client.get(f"/agreements/?{params}&export=json")
    keys = {row["key"] for row in json.loads(listed.content)}
    fed = {link.split("/")[-2] for link in links(client.get(f"/agreements/feed/?{params}"))}
    assert fed == keys


def test_a_filtered_feed_names_its_filters_and_keeps_them_in_its_links(client, catalogue):
    feed = feed_of(client.get("/agreements/feed/?topic=space&page=3&sort=title"))
    assert feed.findtext(f"{ATOM}title") == "Каталог РКНТС: соглашения (направление: Космос)"
    alternate = feed.find(f"{ATOM}link[@rel='alternate']").get("href")
    assert alternate == "http://testserver/agreements/?topic=space"
    own = feed.find(f"{ATOM}link[@rel='self']").get("href")
    assert own == "http://testserver/agreements/feed/?topic=space"


def test_a_dropped_value_is_noted_and_the_rest_filters(client, catalogue):
    response = client.get("/agreements/feed/?kind=zzz&topic=space")
    subtitle = feed_of(response).findtext(f"{ATOM}subtitle")
    assert "Значение «zzz» не подходит для фильтра «вид» и не учтено" in subtitle
    assert {link.split("/")[-2] for link in links(response)} == {"space-memo", "space-protocol"}


def test_the_english_feed_gives_english_titles_and_links(client, catalogue):
    response = client.get("/en/agreements/feed/?topic=space")
    feed = feed_of(response)
    assert feed.get("{http://www.w3.org/XML/1998/namespace}lang") == "en"
    assert feed.findtext(f"{ATOM}title") == "RKST catalogue: agreements (topic: Space)"
    found = entries(response)
    assert ("Memorandum on space", "http://testserver/en/agreements/space-memo/") in [
        (title, link) for title, link, _u, _p in found
    ]
    catalogue_feed = entries(client.get("/en/feed/"))
    assert ("Agreement: Memorandum on space") in [title for title, *_rest in catalogue_feed]
    russian = feed_of(client.get("/agreements/feed/"))
    assert russian.get("{http://www.w3.org/XML/1998/namespace}lang") == "ru"


def test_a_summary_is_text_never_markup(client, catalogue):
    feed = feed_of(client.get("/agreements/feed/?kind=memorandum"))
    summary = feed.find(f"{ATOM}entry/{ATOM}summary")
    assert summary.get("type") == "html"
    # Escaped once more inside the HTML: a reader shows the tags as text.
    assert summary.text == "Сотрудничество в &lt;b&gt;космосе&lt;/b&gt;"


def test_list_pages_link_their_feeds(client, catalogue):
    page = client.get("/agreements/?topic=space&page=1&sort=title").content.decode()
    assert (
        '<link rel="alternate" type="application/atom+xml" title="Изменения этих соглашений '
        '(Atom)" href="/agreements/feed/?topic=space">'
    ) in page
    assert 'class="feed"><a href="/agreements/feed/?topic=space"' in page
    for url in ("/", "/actors/", "/projects/", "/sources/"):
        page = client.get(url).content.decode()
        assert 'type="application/atom+xml" title="Изменения в каталоге (Atom)" href="/feed/"' in (
            page
        )
        assert '<a href="/feed/" type="application/atom+xml">' in page


def test_a_feed_is_cached_until_the_catalogue_changes(
    client, catalogue, superuser, django_assert_num_queries, django_capture_on_commit_callbacks
):
    first = client.get("/agreements/feed/?topic=space").content
    with django_assert_num_queries(1):  # the catalogue's version
        assert client.get("/agreements/feed/?topic=space").content == first
    draft = catalogue["draft"]
    with django_capture_on_commit_callbacks(execute=True):
        draft.citations.create(source=catalogue["source"], locator="с. 1")
        workflow.apply(draft, "publish", superuser)
    assert links(client.get("/agreements/feed/?topic=space"))[0].endswith("/zzdraft-agreement/")


def test_a_feed_costs_a_fixed_number_of_queries(client, catalogue, django_assert_max_num_queries):
    russia, space = catalogue["memo"].parties.get(), catalogue["memo"].topics.get()
    for n in range(30):
        make_agreement([russia], key=f"more-{n}", **PUBLIC).topics.add(space)
    for url in ("/feed/", "/agreements/feed/?topic=space&party=russia"):
        with django_assert_max_num_queries(12):
            assert len(links(client.get(url))) >= 30
    assert Agreement.objects.public().count() == 33


def test_control_characters_are_shown_as_pictures(client, catalogue):
    Agreement.objects.filter(key="space-memo").update(title_ru="Меморандум\x07 о космосе")
    found = entries(client.get("/agreements/feed/?kind=memorandum"))
    assert found[0][0] == "Меморандум\u2407 о космосе"
    feed = feed_of(client.get("/agreements/feed/?q=кос%1Fмос"))
    assert "кос\u241fмос" in feed.findtext(f"{ATOM}title")
