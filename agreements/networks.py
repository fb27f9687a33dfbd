"""The network of the actors of an agreement list: two actors are linked when they are public
parties to the same agreement of the list, the link weighing the number of such agreements."""

from collections import Counter
from itertools import combinations

from actors.models import Actor
from actors.network import node as actor_node
from rkst import graphs

# The actors drawn: the most connected; the downloads hold every one.
DRAWN = 40
WIDTH, HEIGHT = 960, 640


def catalogue_graph(listing):
    """(nodes, edges) of every public party of the listing's results."""
    parties = {}
    for agreement, actor in (
        listing.public_parties().order_by().values_list("agreement_id", "actor_id")
    ):
        parties.setdefault(agreement, set()).add(actor)
    edges = Counter()
    for actors in parties.values():
        edges.update(combinations(sorted(actors), 2))
    ids = {actor for pair in edges for actor in pair}
    nodes = [
        actor_node(actor)
        for actor in Actor.objects.public()
        .filter(pk__in=ids)
        .only("pk", "key", "name_ru", "name_en", "country")
        .order_by("key")
    ]
    return nodes, dict(edges)


def strongest(nodes, edges, size=DRAWN):
    """The `size` most connected nodes and the edges between them."""
    kept = graphs.ordered(nodes, edges)[:size]
    ids = {node["id"] for node in kept}
    return kept, {pair: w for pair, w in edges.items() if pair[0] in ids and pair[1] in ids}


def network_drawing(listing):
    nodes, edges = catalogue_graph(listing)
    kept, kept_edges = strongest(nodes, edges)
    positions = graphs.spring_layout(kept, kept_edges, WIDTH, HEIGHT)
    drawing = graphs.drawing(kept, kept_edges, positions, WIDTH, HEIGHT)
    drawing.update(
        actors=len(nodes),
        links=len(edges),
        hidden=len(nodes) - len(kept),
        table=list(graphs.edge_rows(kept, kept_edges))[:50],
    )
    return drawing
