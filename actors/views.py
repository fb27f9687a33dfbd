from django.shortcuts import render
from django.utils.translation import gettext as _

from rkst.annotations import annotations
from rkst.citations import numbered_notes
from rkst.listing import cached
from rkst.models import public_or_none
from rkst.serialisers import public_prefetch
from rkst.serving import get_public, preview_draft, public_page, readable
from rkst.versions import current_version

from .filters import ActorListing
from .models import Actor
from .network import partner_drawing
from .serialisers import ActorSerialiser


@public_page
def actor_list(request):
    listing = ActorListing(request, Actor.objects.public())
    export = listing.export(ActorSerialiser(request))
    if export is not None:
        return export
    listing.rows = listing.rows.select_related("parent", "located_in")
    context = {"listing": listing, "page": listing.page(), "facets": listing.cached_facets}
    return render(request, "actors/list.html", context)


@public_page
def actor_detail(request, key):
    public = Actor.objects.public()
    # A merged or renamed actor's key answers with the actor it answers for now.
    actor = get_public(
        readable(request, Actor.objects.all())
        .select_related("parent", "located_in")
        .prefetch_related(public_prefetch(Actor, "aliases")),
        key,
    )
    preview_draft(request, actor)
    version = current_version(actor) if actor.is_published else None
    labels = {"": _("the record as a whole"), **dict(Actor.CITABLE_FIELDS)}
    facts, notes = numbered_notes(actor, labels)
    # Agreements and projects live in the app above this one: reached through reverse names.
    parties = (
        actor.agreement_parties.public()
        .select_related("agreement")
        .order_by("-agreement__signed_on")
    )
    participations = actor.project_participations.public().select_related("project")
    context = {
        "actor": actor,
        "parent": public_or_none(actor.parent),
        "located_in": public_or_none(actor.located_in),
        "children": public.filter(parent=actor).order_by("name_ru"),
        "located_here": public.filter(located_in=actor).order_by("name_ru"),
        "parties": parties,
        "participations": participations,
        "facts": facts,
        "notes": notes,
        "annotations": annotations(actor),
        "version": version,
        "json_ld": ActorSerialiser(request).json_ld(actor, version),
        "partners": cached(request, f"actor:{actor.pk}:partners", lambda: partner_drawing(actor)),
    }
    return render(request, "actors/detail.html", context)
