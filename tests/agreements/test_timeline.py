"""The timeline of agreements by year: each bar a link to its year's list, with the list's
filters, its count in its title; every year labelled somewhere, the last one included."""

import re

import pytest

from tests.agreements.test_maps import SVG, listed, svg_of
from tests.factories import make_agreement

pytestmark = pytest.mark.django_db


@pytest.fixture
def years(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for year, kind in ((1994, "protocol"), (1994, "agreement"), (1998, "protocol"),
                           (2023, "protocol"), (2023, "memorandum")):  # fmt: skip
            make_agreement(kind=kind, signed=str(year), state="published")
        make_agreement(kind="protocol", signed="2025", state="draft")


@pytest.mark.parametrize("url", ["/", "/agreements/", "/agreements/?kind=protocol"])
def test_each_bar_links_to_its_years_filtered_list(client, years, url):
    svg = svg_of(client.get(url).content.decode(), "timeline")
    bars = svg.find(f"{SVG}g[@class='bars']").findall(f"{SVG}a")
    found = {}
    for bar in bars:
        year, n = re.match(r"(\d{4}): (\d+) ", bar.find(f"{SVG}title").text).groups()
        href = bar.get("href")
        assert f"year_from={year}" in href and f"year_to={year}" in href
        if "kind=protocol" in url:
            assert "kind=protocol" in href
        assert listed(client, href) == int(n)
        found[int(year)] = int(n)
    expected = {1994: 2, 1998: 1, 2023: 2} if "kind" not in url else {1994: 1, 1998: 1, 2023: 1}
    assert found == expected  # the draft of 2025 is not drawn


def test_the_first_and_last_years_are_labelled(client, years):
    svg = svg_of(client.get("/agreements/").content.decode(), "timeline")
    for group in svg.findall(f"{SVG}g"):
        if "labels" in group.get("class"):
            labels = [int(text.text) for text in group.findall(f"{SVG}text")]
            assert labels[0] <= 1995 and labels[-1] >= 2020, labels
            assert all(label <= 2023 for label in labels)
