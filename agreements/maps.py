"""The map of the border regions: shapes drawn once from Natural Earth (fixtures/maps/), the
catalogue's regions matched to them by their ISO 3166-2 codes, shaded by the agreements of the
current list they take part in, and the pairs of regions that share an interregional
agreement drawn as links between them.

Everything counted is counted by the agreement list's own filters (AgreementListing), so a
region's count is the number of rows its filtered list shows."""

import json
import math
from dataclasses import dataclass
from functools import cache

from django.conf import settings

from actors.models import Actor
from rkst.models import localised

from .models import Agreement

MAPS = settings.BASE_DIR / "fixtures" / "maps"
SHADES = 5  # classes shade-1 … shade-5 of static/css/catalogue.css; shade-0: none


@dataclass(frozen=True)
class Place:
    iso: str
    codes: tuple  # the current code and the former ones a record may still carry
    country: str
    name_ru: str
    name_en: str
    path: str
    anchor: tuple


@cache
def geography():
    """The curated regions (regions.json) that have a shape (shapes.json), in file order."""
    regions = json.loads((MAPS / "regions.json").read_text(encoding="utf-8"))
    shapes = json.loads((MAPS / "shapes.json").read_text(encoding="utf-8"))
    places = tuple(
        Place(
            region["iso"],
            (region["iso"], *region.get("former_iso", ())),
            region["country"],
            region["name_ru"],
            region["name_en"],
            shapes["regions"][region["iso"]]["d"],
            tuple(shapes["regions"][region["iso"]]["anchor"]),
        )
        for region in regions["regions"]
        if region["iso"] in shapes["regions"]
    )
    return {"width": shapes["width"], "height": shapes["height"], "places": places}


def shade(count, highest):
    """The shade class of a count: 0 for none, else 1 … SHADES in equal steps of the highest."""
    if not count:
        return 0
    return max(1, math.ceil(SHADES * count / highest))


def region_map(listing, small=False):
    """What the map template draws, as plain values (cached by the caller): regions with
    their path, name in the page's language, catalogue record, count and shade; the links
    between cooperating regions; the legend."""
    geo = geography()
    by_code = {code: place for place in geo["places"] for code in place.codes}
    actors = {}
    # The first record of a code, should two carry it.
    for actor in (
        Actor.objects.public()
        .regions()
        .filter(iso_3166_2__in=by_code)
        .only("pk", "key", "name_ru", "name_en", "iso_3166_2")
        .order_by("pk")
    ):
        actors.setdefault(by_code[actor.iso_3166_2].iso, actor)
    counts = listing.region_counts()
    regions = []
    for place in geo["places"]:
        actor = actors.get(place.iso)
        count = counts.get(actor.pk, 0) if actor else 0
        regions.append(
            {
                "iso": place.iso,
                "country": place.country,
                "name": actor.name() if actor else localised(place, "name"),
                "key": actor.key if actor else "",
                "url": actor.get_absolute_url() if actor else "",
                "list_url": listing.list_url(region=actor.key) if actor else "",
                "count": count,
                "path": place.path,
                "x": place.anchor[0],
                "y": place.anchor[1],
            }
        )
    highest = max((r["count"] for r in regions), default=0)
    for region in regions:
        region["shade"] = shade(region["count"], highest)
    drawn = {actor.pk: place for place, actor in _by_place(geo, actors)}
    links = []
    for (a, b), n in sorted(listing.region_pairs().items()):
        if a not in drawn or b not in drawn:
            continue
        first, second = drawn[a], drawn[b]
        actor_a, actor_b = actors[first.iso], actors[second.iso]
        links.append(
            {
                "names": (actor_a.name(), actor_b.name()),
                "n": n,
                "x1": first.anchor[0],
                "y1": first.anchor[1],
                "x2": second.anchor[0],
                "y2": second.anchor[1],
                "url": listing.list_url(
                    level=Agreement.Level.INTERREGIONAL,
                    region=actor_a.key,
                    with_region=actor_b.key,
                ),
            }
        )
    links.sort(key=lambda link: (-link["n"], link["names"]))
    return {
        "width": geo["width"],
        "height": geo["height"],
        "small": small,
        "regions": regions,
        "links": links,
        "legend": legend(highest),
        "total": sum(1 for r in regions if r["key"]),
    }


def _by_place(geo, actors):
    return [(place, actors[place.iso]) for place in geo["places"] if place.iso in actors]


def legend(highest):
    """(shade, lowest count, highest count) of each shade in use."""
    steps = []
    for level in range(1, SHADES + 1):
        low = math.floor(highest * (level - 1) / SHADES) + 1
        high = math.floor(highest * level / SHADES)
        if high >= low:
            steps.append({"shade": level, "low": low, "high": high})
    return steps
