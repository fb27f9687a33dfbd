"""Networks of actors drawn on the server: who shares agreements (or projects) with whom.

A graph is nodes (dicts with at least `id`, `key`, `label`, `url`, `group`) and weighted edges
{(id, id): weight}. The layouts are deterministic (no randomness: the same catalogue draws the
same picture, and the page cache and tests can rely on it); the drawing is plain values for a
template; the edge list downloads as CSV (rkst.exports) or GEXF 1.3 (Gephi and similar tools).
"""

import math
from xml.etree import ElementTree

from django.utils import timezone

from .exports import attachment, export_response, visible

WEIGHTS = 4  # edge classes weight-1 … weight-4 of static/css/catalogue.css


def ordered(nodes, edges):
    """Nodes by weighted degree, then key: the layout's starting order."""
    degree = {node["id"]: 0 for node in nodes}
    for (a, b), weight in edges.items():
        degree[a] += weight
        degree[b] += weight
    return sorted(nodes, key=lambda node: (-degree[node["id"]], node["key"]))


def circle(ids, cx, cy, radius, start=-math.pi / 2):
    step = 2 * math.pi / max(len(ids), 1)
    return {
        node: (cx + radius * math.cos(start + i * step), cy + radius * math.sin(start + i * step))
        for i, node in enumerate(ids)
    }


def star_layout(centre, partners, width, height):
    """The actor in the middle, its partners on a circle, heaviest first, clockwise."""
    radius = min(width, height) / 2 - 40
    positions = circle([node["id"] for node in partners], width / 2, height / 2, radius)
    positions[centre["id"]] = (width / 2, height / 2)
    return positions


def spring_layout(nodes, edges, width, height, iterations=80):
    """Fruchterman and Reingold's force-directed layout from a circle, without randomness, with
    a pull towards the middle that keeps unconnected groups near, then scaled into the box
    less a margin for the labels."""
    ids = [node["id"] for node in ordered(nodes, edges)]
    if not ids:
        return {}
    margin = 70
    if len(ids) == 1:
        return {ids[0]: (width / 2, height / 2)}
    pos = circle(ids, 0.0, 0.0, 1.0)
    k = 1 / math.sqrt(len(ids))
    heaviest = max(edges.values(), default=1)
    temperature = 0.1
    for _ in range(iterations):
        move = {node: [-pos[node][0] * 0.3, -pos[node][1] * 0.3] for node in ids}
        for i, a in enumerate(ids):
            ax, ay = pos[a]
            for b in ids[i + 1 :]:
                dx, dy = ax - pos[b][0], ay - pos[b][1]
                distance = math.hypot(dx, dy) or 0.001
                force = k * k / distance / distance
                move[a][0] += dx * force
                move[a][1] += dy * force
                move[b][0] -= dx * force
                move[b][1] -= dy * force
        for (a, b), weight in edges.items():
            dx, dy = pos[a][0] - pos[b][0], pos[a][1] - pos[b][1]
            distance = math.hypot(dx, dy)
            force = distance / k * (0.5 + weight / heaviest)
            move[a][0] -= dx * force
            move[a][1] -= dy * force
            move[b][0] += dx * force
            move[b][1] += dy * force
        for node in ids:
            dx, dy = move[node]
            length = math.hypot(dx, dy) or 1
            step = min(length, temperature)
            pos[node] = (pos[node][0] + dx / length * step, pos[node][1] + dy / length * step)
        temperature *= 0.96
    xs = [x for x, _y in pos.values()]
    ys = [y for _x, y in pos.values()]
    span_x, span_y = (max(xs) - min(xs)) or 1, (max(ys) - min(ys)) or 1
    return {
        node: (
            margin + (x - min(xs)) / span_x * (width - 2 * margin),
            margin / 2 + (y - min(ys)) / span_y * (height - 1.5 * margin),
        )
        for node, (x, y) in pos.items()
    }


def weight_class(weight, heaviest):
    return max(1, math.ceil(WEIGHTS * weight / max(heaviest, 1)))


def drawing(nodes, edges, positions, width, height):
    """Plain values for templates/rkst/_network.html."""
    heaviest = max(edges.values(), default=1)
    label = {node["id"]: node["label"] for node in nodes}
    drawn_edges = [
        {
            "x1": round(positions[a][0], 1),
            "y1": round(positions[a][1], 1),
            "x2": round(positions[b][0], 1),
            "y2": round(positions[b][1], 1),
            "weight": weight,
            "class": weight_class(weight, heaviest),
            "names": (label[a], label[b]),
        }
        for (a, b), weight in sorted(edges.items(), key=lambda item: item[1])
    ]
    drawn_nodes = []
    for node in nodes:
        x, y = positions[node["id"]]
        drawn_nodes.append(
            {
                **node,
                "x": round(x, 1),
                "y": round(y, 1),
                # Labels to the side away from the middle, so they stay inside the picture.
                "anchor": "end" if x > width * 0.6 else "start" if x < width * 0.4 else "middle",
                "lx": round(x + (-9 if x > width * 0.6 else 9 if x < width * 0.4 else 0), 1),
                "ly": round(y + (-10 if y < height / 2 else 18), 1),
            }
        )
    return {"width": width, "height": height, "nodes": drawn_nodes, "edges": drawn_edges}


EDGE_COLUMNS = ["source", "source_name", "target", "target_name", "weight"]


def edge_rows(nodes, edges):
    """Each edge once, its ends in the order of their keys; the heaviest first."""
    by_id = {node["id"]: node for node in nodes}
    rows = []
    for (a, b), weight in edges.items():
        first, second = sorted((by_id[a], by_id[b]), key=lambda node: node["key"])
        rows.append((-weight, first["key"], second["key"], first, second))
    for weight, _a, _b, first, second in sorted(rows, key=lambda row: row[:3]):
        yield {
            "source": first["key"],
            "source_name": first["label"],
            "target": second["key"],
            "target_name": second["label"],
            "weight": -weight,
        }


def gexf(nodes, edges, description):
    """GEXF 1.3: an undirected graph, nodes by key with their label and group, edges with
    their weight."""
    ns = "http://gexf.net/1.3"
    root = ElementTree.Element("gexf", {"xmlns": ns, "version": "1.3"})
    meta = ElementTree.SubElement(
        root, "meta", {"lastmodifieddate": timezone.localdate().isoformat()}
    )
    ElementTree.SubElement(meta, "creator").text = "RKST catalogue"
    ElementTree.SubElement(meta, "description").text = visible(description)
    graph = ElementTree.SubElement(root, "graph", {"defaultedgetype": "undirected"})
    attributes = ElementTree.SubElement(graph, "attributes", {"class": "node"})
    ElementTree.SubElement(
        attributes, "attribute", {"id": "group", "title": "group", "type": "string"}
    )
    xml_nodes = ElementTree.SubElement(graph, "nodes")
    for node in nodes:
        element = ElementTree.SubElement(
            xml_nodes, "node", {"id": node["key"], "label": visible(node["label"])}
        )
        values = ElementTree.SubElement(element, "attvalues")
        ElementTree.SubElement(values, "attvalue", {"for": "group", "value": node["group"]})
    xml_edges = ElementTree.SubElement(graph, "edges")
    for index, row in enumerate(edge_rows(nodes, edges)):
        ElementTree.SubElement(
            xml_edges,
            "edge",
            {
                "id": str(index),
                "source": row["source"],
                "target": row["target"],
                "weight": str(row["weight"]),
            },
        )
    return ElementTree.tostring(root, encoding="utf-8", xml_declaration=True)


FORMATS = ("csv", "gexf")


def export(fmt, name, nodes, edges, description):
    """The edge list as a CSV or GEXF attachment."""
    if fmt == "csv":
        return export_response("csv", name, EDGE_COLUMNS, edge_rows(nodes, edges))
    return attachment(gexf(nodes, edges, description), "application/gexf+xml", name, "gexf")
