from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _

from rkst.citations import numbered_notes
from rkst.exports import FORMATS, export_response
from rkst.models import PublicationState
from rkst.serving import public_page

from .filters import ActorListing
from .models import Actor

PUBLISHED = PublicationState.PUBLISHED

ACTOR_COLUMNS = [
    "key", "url", "name_ru", "name_en", "short_name_ru", "kind", "country", "parent",
    "located_in", "founded_on", "aliases", "wikidata", "citations",
]  # fmt: skip


def actor_row(request, actor):
    def public_key(other):
        return other.key if other is not None and other.is_published else None

    return {
        "key": actor.key,
        "url": request.build_absolute_uri(reverse("actors:detail", args=[actor.key])),
        "name_ru": actor.name_ru,
        "name_en": actor.name_en,
        "short_name_ru": actor.short_name_ru,
        "kind": actor.kind,
        "country": actor.country,
        "parent": public_key(actor.parent),
        "located_in": public_key(actor.located_in),
        "founded_on": actor.founded.iso() if actor.founded else None,
        "aliases": [alias.name for alias in actor.aliases.all()],
        "wikidata": actor.wikidata,
        "citations": [
            {"source": c.source.key, "field": c.field, "locator": c.locator, "quote": c.quote}
            for c in actor.citations.all()
            if c.source.state == PUBLISHED
        ],
    }


@public_page
def actor_list(request):
    listing = ActorListing(request, Actor.objects.published())
    rows = listing.rows.select_related("parent", "located_in")
    fmt = listing.export_format()
    if fmt:
        rows = rows.prefetch_related("aliases", "citations__source")
        return export_response(
            fmt,
            "actors",
            ACTOR_COLUMNS,
            (actor_row(request, a) for a in rows.iterator(chunk_size=2000)),
        )
    if request.GET.get("export") and request.GET["export"] not in FORMATS:
        listing.notes.append(
            _("Unknown export format “%(format)s”: choose csv, xlsx or json.")
            % {"format": request.GET["export"]}
        )
    listing.rows = rows
    context = {"listing": listing, "page": listing.page(), "facets": listing.cached_facets}
    return render(request, "actors/list.html", context)


@public_page
def actor_detail(request, key):
    published = Actor.objects.published()
    actor = get_object_or_404(
        published.select_related("parent", "located_in").prefetch_related(
            "aliases", "citations__source", "citations__found_in"
        ),
        key=key,
    )
    labels = {"": _("the record as a whole"), **dict(Actor.CITABLE_FIELDS)}
    facts, notes = numbered_notes(actor, labels)
    # Agreements and projects live in the app above this one: reached through reverse names.
    parties = (
        actor.agreement_parties.filter(agreement__state=PUBLISHED)
        .select_related("agreement")
        .order_by("-agreement__signed_on")
    )
    participations = actor.project_participations.filter(project__state=PUBLISHED).select_related(
        "project"
    )
    context = {
        "actor": actor,
        "parent": actor.parent if actor.parent and actor.parent.is_published else None,
        "located_in": actor.located_in
        if actor.located_in and actor.located_in.is_published
        else None,
        "children": published.filter(parent=actor).order_by("name_ru"),
        "located_here": published.filter(located_in=actor).order_by("name_ru"),
        "parties": parties,
        "participations": participations,
        "facts": facts,
        "notes": notes,
        "json_ld": {
            "@context": "https://schema.org",
            "@type": "Place"
            if actor.kind in (Actor.Kind.REGION, Actor.Kind.CITY)
            else "Organization",
            "url": request.build_absolute_uri(),
            "name": actor.name(),
            "alternateName": [alias.name for alias in actor.aliases.all()],
            "sameAs": f"https://www.wikidata.org/wiki/{actor.wikidata}" if actor.wikidata else None,
        },
    }
    return render(request, "actors/detail.html", context)
