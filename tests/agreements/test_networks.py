"""Networks of actors: /network/ for any agreement list and an actor's partners, read from the
SVG a reader's browser gets and from the CSV and GEXF downloads."""

import csv
import io

import pytest
from defusedxml import ElementTree
from django.core.cache import cache

from agreements.models import ProjectParticipant
from tests.factories import make_actor, make_agreement, make_project

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
GEXF = "{http://gexf.net/1.3}"


def network_svg(html):
    start = html.index('<section class="network')
    body = html[html.index("<svg", start) : html.index("</svg>", start) + len("</svg>")]
    return ElementTree.fromstring(body.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def nodes_of(svg):
    """{href: title} of the drawn actors."""
    return {a.get("href"): a.find(f"{SVG}title").text for a in svg.iter(f"{SVG}a")}


def edges_of(svg):
    """{frozenset of the two names: weight} from the edges' titles."""
    found = {}
    for line in svg.iter(f"{SVG}line"):
        names, weight = line.find(f"{SVG}title").text.rsplit(": ", 1)
        found[frozenset(names.split(" — "))] = int(weight)
    return found


@pytest.fixture
def catalogue(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        people = {
            key: make_actor(key=key, name_ru=ru, name_en=en, country=country, state="published")
            for key, ru, en, country in (
                ("msu", "МГУ", "Moscow State University", "RU"),
                ("kaznu", "КазНУ", "Al-Farabi University", "KZ"),
                ("ras", "РАН", "Russian Academy", "RU"),
                ("nas", "НАН РК", "Kazakh Academy", "KZ"),
            )
        }
        people["draft"] = make_actor(key="secret-partner", name_ru="Черновой партнёр")
        msu, kaznu, ras, nas = (people[k] for k in ("msu", "kaznu", "ras", "nas"))
        make_agreement(kind="protocol", parties=[msu, kaznu], state="published")
        make_agreement(kind="protocol", parties=[msu, kaznu, people["draft"]], state="published")
        make_agreement(kind="memorandum", parties=[msu, ras], state="published")
        make_agreement(kind="memorandum", parties=[ras, nas], state="published")
        # A draft agreement links no one.
        make_agreement(kind="protocol", parties=[ras, kaznu])
        project = make_project(key="joint-lab", state="published")
        for actor in (nas, msu, people["draft"]):
            ProjectParticipant.objects.create(project=project, actor=actor)
    return people


def test_the_network_links_actors_by_their_shared_published_agreements(client, catalogue):
    svg = network_svg(client.get("/network/").content.decode())
    assert set(nodes_of(svg)) == {"/actors/msu/", "/actors/kaznu/", "/actors/ras/", "/actors/nas/"}
    assert edges_of(svg) == {
        frozenset(("МГУ", "КазНУ")): 2,
        frozenset(("МГУ", "РАН")): 1,
        frozenset(("РАН", "НАН РК")): 1,
    }
    for href in nodes_of(svg):
        assert client.get(href).status_code == 200
    assert "style" not in {key for element in svg.iter() for key in element.attrib}
    for element in svg.iter():
        for name in {"x", "y", "x1", "y1", "x2", "y2", "cx", "cy", "r"} & set(element.attrib):
            float(element.get(name))


def test_the_network_takes_the_list_filters_and_the_page_language(client, catalogue):
    svg = network_svg(client.get("/en/network/?kind=memorandum").content.decode())
    assert set(nodes_of(svg)) == {"/en/actors/msu/", "/en/actors/ras/", "/en/actors/nas/"}
    assert edges_of(svg) == {
        frozenset(("Moscow State University", "Russian Academy")): 1,
        frozenset(("Russian Academy", "Kazakh Academy")): 1,
    }


def test_the_layout_is_the_same_every_time(client, catalogue):
    first = client.get("/network/").content
    cache.clear()
    assert client.get("/network/").content == first


def test_the_edge_list_downloads_as_csv_and_gexf(client, catalogue):
    response = client.get("/network/?export=csv")
    assert response["Content-Disposition"].startswith('attachment; filename="network-')
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert {(r["source"], r["target"], r["weight"]) for r in rows} == {
        ("kaznu", "msu", "2"),
        ("msu", "ras", "1"),
        ("nas", "ras", "1"),
    }
    gexf = ElementTree.fromstring(client.get("/network/?export=gexf&kind=protocol").content)
    nodes = {n.get("id"): n.get("label") for n in gexf.iter(f"{GEXF}node")}
    assert nodes == {"msu": "МГУ", "kaznu": "КазНУ"}
    edges = [(e.get("source"), e.get("target"), e.get("weight")) for e in gexf.iter(f"{GEXF}edge")]
    assert edges == [("kaznu", "msu", "2")]


def test_an_unknown_download_format_is_a_note(client, catalogue):
    html = client.get("/network/?export=pdf").content.decode()
    assert "Неизвестный формат выгрузки «pdf»: выберите csv или gexf." in html


def test_an_actor_page_draws_its_partners(client, catalogue):
    html = client.get("/actors/msu/").content.decode()
    svg = network_svg(html)
    nodes = nodes_of(svg)
    assert set(nodes) == {"/actors/msu/", "/actors/kaznu/", "/actors/ras/", "/actors/nas/"}
    assert nodes["/actors/kaznu/"] == "КазНУ — 2 общих соглашения"
    assert nodes["/actors/nas/"] == "НАН РК — 1 общий проект"
    assert "Черновой" not in html and "secret-partner" not in html
    assert '<a href="/network/?party=msu">' in html


def test_an_actor_without_partners_draws_no_graph(client, catalogue):
    loner = make_actor(key="loner", state="published")
    html = client.get(f"/actors/{loner.key}/").content.decode()
    assert '<section class="network' not in html


def test_the_network_page_reads_a_bounded_number_of_queries(
    client, catalogue, django_assert_max_num_queries
):
    with django_assert_max_num_queries(12):
        assert client.get("/network/?kind=protocol").status_code == 200
