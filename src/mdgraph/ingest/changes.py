"""What a new derivation changes in the published graph: triples added and removed per named graph.

Both sides are written as N-Triples lines by pyoxigraph, one canonical form, and compared as
sets. The ontology graph holds blank nodes (OWL axioms) whose labels differ from one load to
the next, so it is compared by graph isomorphism instead (see `ontology_changed`).
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping
from dataclasses import dataclass

import pyoxigraph as ox
import rdflib
from rdflib.compare import isomorphic

from ..namespaces import GRAPH, ONTOLOGY_GRAPH, PREFIXES
from ..store import GraphStore
from ..store.terms import to_oxigraph

#: graph IRI -> its triples as N-Triples lines (the ontology graph left out)
Snapshot = Mapping[str, frozenset[str]]
_IRI = re.compile(r"<([^<>\s\"]*)>")
_SHORT = sorted(((str(ns), f"{prefix}:") for prefix, ns in PREFIXES.items()), key=lambda item: -len(item[0]))


@dataclass(frozen=True)
class GraphChange:
    """The difference in one named graph; `status` is "new", "removed" or "changed"."""

    graph: str
    status: str
    added: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def name(self) -> str:
        """The graph's name without the common prefix: `document/{key}`, `inferred`."""
        return self.graph.removeprefix(str(GRAPH))

    def as_dict(self, shown: int | None = None) -> dict:
        return {"graph": self.graph, "status": self.status, "added": len(self.added), "removed": len(self.removed),
                "first_added": list(self.added[:shown]), "first_removed": list(self.removed[:shown])}


def _line(s, p, o) -> str:
    return f"{ox.Triple(s, p, o)} ."


def dataset_snapshot(dataset: rdflib.Dataset) -> dict[str, frozenset[str]]:
    """The named graphs of a Dataset about to be published (not the ontology, not the default graph)."""
    snapshot = {}
    for graph in dataset.graphs():
        name = graph.identifier
        if name == rdflib.graph.DATASET_DEFAULT_GRAPH_ID or name == ONTOLOGY_GRAPH:
            continue
        snapshot[str(name)] = frozenset(_line(*(to_oxigraph(t) for t in triple)) for triple in graph)
    return snapshot


def store_snapshot(store: GraphStore) -> dict[str, frozenset[str]]:
    """The named graphs of the published graph (not the ontology); empty when nothing is published."""
    buffer = io.BytesIO()
    store.export("nquads", buffer)
    lines: dict[str, set[str]] = {}
    for quad in ox.parse(buffer.getvalue(), ox.RdfFormat.N_QUADS):
        if isinstance(quad.graph_name, ox.NamedNode) and quad.graph_name.value != str(ONTOLOGY_GRAPH):
            lines.setdefault(quad.graph_name.value, set()).add(_line(quad.subject, quad.predicate, quad.object))
    return {name: frozenset(triples) for name, triples in lines.items()}


def ontology_changed(store: GraphStore, ontology: rdflib.Graph) -> bool:
    """True when the published ontology graph is not the same graph as `ontology` (up to blank nodes)."""
    published = store.query(f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}").graph()
    return not isomorphic(published, ontology)


def compare(before: Snapshot, after: Snapshot) -> list[GraphChange]:
    """Every named graph that differs, by graph IRI; triples sorted, so the result is stable."""
    changes = []
    for name in sorted(set(before) | set(after)):
        old, new = before.get(name, frozenset()), after.get(name, frozenset())
        if name in before and name in after and old == new:
            continue
        status = "new" if name not in before else "removed" if name not in after else "changed"
        changes.append(GraphChange(name, status, tuple(sorted(new - old)), tuple(sorted(old - new))))
    return changes


def shorten(line: str) -> str:
    """An N-Triples line with the project's prefixes, for people to read."""

    def iri(match: re.Match[str]) -> str:
        value = match.group(1)
        return next((prefix + value[len(ns):] for ns, prefix in _SHORT if value.startswith(ns)), match.group(0))

    return _IRI.sub(iri, line)


def format_changes(changes: list[GraphChange], shown: int = 5, first: bool = False) -> str:
    """The changes for a person: per graph the counts, then the first `shown` triples each way."""
    if first:
        return f"changes: first publication ({len(changes)} graphs)"
    if not changes:
        return "changes: none (the published graph is the same)"
    lines = [f"changes against the previously published graph ({len(changes)} graphs):"]
    for change in changes:
        label = "" if change.status == "changed" else f" ({change.status})"
        lines.append(f"  {change.name}{label}: +{len(change.added)} -{len(change.removed)}")
        for sign, triples in (("+", change.added), ("-", change.removed)):
            lines.extend(f"      {sign} {shorten(t)}" for t in triples[:shown])
            if len(triples) > shown:
                lines.append(f"      {sign} … {len(triples) - shown} more")
    return "\n".join(lines)
