"""An actor's partners: the actors that are public parties to one of its public agreements or
public participants in one of its public projects. Agreements and projects live in the app
above this one: they are reached through the reverse names of the actor's parts."""

from django.db.models import Count

from rkst import graphs

from .models import Actor

DRAWN = 16
SIZE = 420


def partners(actor):
    """[(partner, shared agreements, shared projects)], most shared first, then by key."""
    by_agreement = _shared(actor, actor.agreement_parties, "agreement_id")
    by_project = _shared(actor, actor.project_participations, "project_id")
    found = (
        Actor.objects.public()
        .filter(pk__in={*by_agreement, *by_project})
        .only("pk", "key", "name_ru", "name_en", "country")
    )
    rows = [(a, by_agreement.get(a.pk, 0), by_project.get(a.pk, 0)) for a in found]
    return sorted(rows, key=lambda row: (-(row[1] + row[2]), row[0].key))


def _shared(actor, parts, record):
    """{other actor's pk: the records they share with `actor`} through the public `parts`
    (the actor's parties or participations) of its public records."""
    mine = parts.public().values(record)
    return dict(
        parts.model.objects.public()
        .filter(**{f"{record}__in": mine})
        .exclude(actor=actor)
        .values("actor_id")
        .annotate(n=Count(record, distinct=True))
        .values_list("actor_id", "n")
    )


def node(actor):
    return {
        "id": actor.pk,
        "key": actor.key,
        "label": actor.name(),
        "url": actor.get_absolute_url(),
        "group": actor.country,
    }


def partner_drawing(actor):
    """The actor and its strongest partners as a star, for templates/rkst/_network.html; None
    without partners."""
    rows = partners(actor)
    if not rows:
        return None
    centre = {**node(actor), "centre": True}
    kept = rows[:DRAWN]
    nodes = [centre] + [{**node(partner), "agreements": n, "projects": p} for partner, n, p in kept]
    edges = {(actor.pk, partner.pk): n + p for partner, n, p in kept}
    positions = graphs.star_layout(centre, nodes[1:], SIZE, SIZE)
    drawing = graphs.drawing(nodes, edges, positions, SIZE, SIZE)
    drawing.update(
        hidden=len(rows) - len(kept),
        table=[
            {"key": p.key, "name": p.name(), "agreements": n, "projects": j} for p, n, j in rows
        ],
    )
    return drawing
