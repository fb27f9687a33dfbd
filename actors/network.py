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
    parties = actor.agreement_parties.model.objects.public()
    participants = actor.project_participations.model.objects.public()
    by_agreement = dict(
        parties.filter(agreement__in=actor.agreement_parties.public().values("agreement_id"))
        .exclude(actor=actor)
        .values("actor_id")
        .annotate(n=Count("agreement_id", distinct=True))
        .values_list("actor_id", "n")
    )
    by_project = dict(
        participants.filter(project__in=actor.project_participations.public().values("project_id"))
        .exclude(actor=actor)
        .values("actor_id")
        .annotate(n=Count("project_id", distinct=True))
        .values_list("actor_id", "n")
    )
    found = Actor.objects.filter(pk__in={*by_agreement, *by_project}).only(
        "pk", "key", "name_ru", "name_en", "country"
    )
    rows = [(a, by_agreement.get(a.pk, 0), by_project.get(a.pk, 0)) for a in found]
    return sorted(rows, key=lambda row: (-(row[1] + row[2]), row[0].key))


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
