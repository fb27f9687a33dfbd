"""The map of the border regions, read as a reader's browser reads it: the SVG parsed, each
region's link, name and count checked against the catalogue and the agreement list."""

import re
from urllib.parse import parse_qs, urlsplit

import pytest
from defusedxml import ElementTree

from agreements.maps import geography
from tests.factories import make_actor, make_agreement

pytestmark = pytest.mark.django_db

SVG = "{http://www.w3.org/2000/svg}"
NUMBERS = {"x", "y", "x1", "y1", "x2", "y2", "width", "height", "cx", "cy", "r"}


def svg_of(html, figure_class="region-map"):
    """The first <svg> inside the figure of `figure_class`, parsed as XML."""
    start = html.index(f'<figure class="{figure_class}')
    body = html[html.index("<svg", start) : html.index("</svg>", start) + len("</svg>")]
    return ElementTree.fromstring(body.replace("<svg ", f'<svg xmlns="{SVG[1:-1]}" ', 1))


def regions_of(svg):
    """{href: (title, path d)} of the linked regions."""
    group = svg.find(f"{SVG}g[@class='regions']")
    found = {}
    for link in group.findall(f"{SVG}a"):
        found[link.get("href")] = (link.find(f"{SVG}title").text, link.find(f"{SVG}path").get("d"))
    return found


def count_of(title):
    return int(re.search(r": (\d+) ", title).group(1))


def listed(client, url):
    """The number of rows the agreement list at `url` says it found."""
    page = client.get(url).content.decode()
    return int(re.search(r"<strong>(\d+)</strong>", page.split('class="toolbar"')[1]).group(1))


def region(key, iso, name_ru, name_en, country, **kwargs):
    return make_actor(
        key=key,
        iso_3166_2=iso,
        name_ru=name_ru,
        name_en=name_en,
        kind="region",
        country=country,
        state="published",
        **kwargs,
    )


@pytest.fixture
def regions(django_capture_on_commit_callbacks):
    # The catalogue's version counted as a commit would, as for every change after it.
    with django_capture_on_commit_callbacks(execute=True):
        return make_regions()


def make_regions():
    omsk = region("omsk", "RU-OMS", "Омская область", "Omsk Oblast", "RU")
    # The former letter code of North Kazakhstan Region still matches.
    north = region("north-kz", "KZ-SEV", "Северо-Казахстанская область", "North Kazakhstan", "KZ")
    altai = region("altai", "RU-ALT", "Алтайский край", "Altai Krai", "RU")
    east = region("east-kz", "KZ-63", "Восточно-Казахстанская область", "East Kazakhstan", "KZ")
    # A draft region with a shape: never linked, never counted.
    pavlodar = make_actor(
        key="pavlodar-draft",
        iso_3166_2="KZ-55",
        name_ru="Павлодарская область (черновик)",
        kind="region",
        country="KZ",
    )
    akimat = make_actor(
        key="north-akimat", kind="administration", country="KZ", parent=north, state="published"
    )
    make_agreement(
        key="omsk-north", level="interregional", kind="memorandum",
        parties=[omsk, akimat], state="published",
    )  # fmt: skip
    make_agreement(
        key="omsk-north-2", level="interregional", kind="protocol",
        parties=[omsk, north], state="published",
    )  # fmt: skip
    make_agreement(
        key="altai-east", level="interregional", parties=[altai, east], state="published"
    )
    make_agreement(key="altai-alone", level="interagency", kind="protocol", parties=[altai],
                   state="published")  # fmt: skip
    # Drafts: an agreement linking published regions, one with the draft region.
    make_agreement(key="draft-omsk-east", level="interregional", parties=[omsk, east])
    make_agreement(key="draft-pavlodar", level="interregional", parties=[pavlodar, omsk],
                   state="published")  # fmt: skip
    return {"omsk": omsk, "north": north, "altai": altai, "east": east, "pavlodar": pavlodar}


def test_every_published_region_with_a_shape_links_to_its_page(client, regions):
    svg = svg_of(client.get("/map/").content.decode())
    linked = regions_of(svg)
    assert set(linked) == {f"/actors/{key}/" for key in ("omsk", "north-kz", "altai", "east-kz")}
    shapes = {place.iso: place.path for place in geography()["places"]}
    assert linked["/actors/omsk/"][1] == shapes["RU-OMS"]
    assert linked["/actors/north-kz/"][1] == shapes["KZ-59"]
    for href in linked:
        assert client.get(href).status_code == 200


def test_a_draft_region_is_drawn_unlinked_and_uncounted(client, regions):
    html = client.get("/map/").content.decode()
    assert "pavlodar-draft" not in html
    assert "(черновик)" not in html
    svg = svg_of(html)
    others = [p.find(f"{SVG}title").text for p in svg.iter(f"{SVG}path") if p.get("class")]
    assert "Павлодарская область: пока нет в каталоге" in others


def test_region_names_are_in_the_page_language(client, regions):
    russian = regions_of(svg_of(client.get("/map/").content.decode()))
    english = regions_of(svg_of(client.get("/en/map/").content.decode()))
    assert russian["/actors/omsk/"][0].startswith("Омская область: ")
    assert english["/en/actors/omsk/"][0].startswith("Omsk Oblast: ")
    # A region outside the catalogue is named from the curated file.
    others = [
        p.find(f"{SVG}title").text
        for p in svg_of(client.get("/en/map/").content.decode()).iter(f"{SVG}path")
        if p.get("class") == "region-other"
    ]
    assert any(title.startswith("Tyumen Oblast:") for title in others)


@pytest.mark.parametrize("params", ["", "?kind=protocol", "?level=interregional&year_from=1990"])
def test_each_count_is_the_count_of_its_filtered_list(client, regions, params):
    html = client.get(f"/map/{params}").content.decode()
    linked = regions_of(svg_of(html))
    expected = {"omsk": 3, "north-kz": 2, "altai": 2, "east-kz": 1}
    for href, (title, _path) in linked.items():
        key = href.split("/")[2]
        separator = "&" if params else "?"
        assert count_of(title) == listed(client, f"/agreements/{params}{separator}region={key}")
        if not params:
            assert count_of(title) == expected[key]
    # The table says the same as the map.
    for href, (title, _path) in linked.items():
        row = re.search(
            rf'<a href="{href}">[^<]*</a></td><td>[^<]*</td>'
            r'<td class="count"><a href="([^"]*)">(\d+)</a>',
            html,
        )
        assert int(row.group(2)) == count_of(title)
        assert listed(client, row.group(1).replace("&amp;", "&")) == count_of(title)


def test_cooperating_regions_are_linked_to_the_list_of_their_agreements(client, regions):
    svg = svg_of(client.get("/map/").content.decode())
    pairs = svg.find(f"{SVG}g[@class='pairs']").findall(f"{SVG}a")
    found = {}
    for link in pairs:
        url = link.get("href")
        query = parse_qs(urlsplit(url).query)
        found[frozenset((query["region"][0], query["with_region"][0]))] = (
            count_of(link.find(f"{SVG}title").text),
            url,
        )
    # The draft agreement and the draft region make no pair.
    assert set(found) == {frozenset(("omsk", "north-kz")), frozenset(("altai", "east-kz"))}
    for count, url in found.values():
        assert listed(client, url) == count
    assert found[frozenset(("omsk", "north-kz"))][0] == 2


def test_the_svgs_carry_no_style_attribute(client, regions):
    for url in ("/map/", "/", "/network/", "/actors/omsk/", "/agreements/"):
        html = client.get(url).content.decode()
        assert "style=" not in html, url
        for figure in ("region-map", "timeline"):
            if f'<figure class="{figure}' in html:
                for element in svg_of(html, figure).iter():
                    assert "style" not in element.attrib, (url, element.tag)
                    # Coordinates in the SVG's own notation, whatever the page's language.
                    for name in NUMBERS & set(element.attrib):
                        float(element.get(name))


def test_the_region_filter_is_set_aside_with_a_note(client, regions):
    html = client.get("/map/?region=omsk").content.decode()
    assert "Карта показывает все регионы: фильтр по региону не учтён." in html
    assert len(regions_of(svg_of(html))) == 4


def test_the_home_page_shows_the_small_map(client, regions):
    html = client.get("/").content.decode()
    assert '<figure class="region-map region-map-small">' in html
    assert set(regions_of(svg_of(html))) == {
        f"/actors/{key}/" for key in ("omsk", "north-kz", "altai", "east-kz")
    }


def test_a_publication_shows_on_the_map_at_once(
    client, regions, django_capture_on_commit_callbacks
):
    def omsk_count():
        return count_of(
            regions_of(svg_of(client.get("/map/").content.decode()))["/actors/omsk/"][0]
        )

    assert omsk_count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        agreement = make_agreement(key="late", parties=[regions["omsk"]])
    assert omsk_count() == 3
    with django_capture_on_commit_callbacks(execute=True):
        agreement.state = "published"
        agreement.save()
    assert omsk_count() == 4


def test_the_map_page_reads_a_bounded_number_of_queries(
    client, regions, django_assert_max_num_queries
):
    client.get("/map/")
    with django_assert_max_num_queries(12):
        assert client.get("/map/?kind=protocol").status_code == 200
