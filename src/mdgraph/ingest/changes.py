"""What a new derivation changes in the published graph: triples added and removed per named graph.

Graphs are first compared by size and an order-independent digest of their triples, which
costs one pass and no memory per triple; only the graphs that differ are then written as
N-Triples lines (pyoxigraph's one canonical form) and compared as sets. The ontology graph
holds blank nodes (OWL axioms) whose labels differ from one load to the next, so it is
compared by graph isomorphism instead (see `ontology_changed`).
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
from ..store.oxigraph import OxigraphStore

#: graph IRI -> its triples as N-Triples lines (the ontology graph left out)
Snapshot = Mapping[str, frozenset[str]]
_IRI = re.compile(r"<([^<>\s\"]*)>")
_SHORT = sorted(((str(ns), f"{prefix}:") for prefix, ns in PREFIXES.items()), key=lambda item: -len(item[0]))
_ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
_MASK = (1 << 64) - 1


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


def published_store(store: GraphStore) -> ox.Store:
    """The published graph as a pyoxigraph Store to read: the embedded store's own version, or
    a copy of a remote store's export."""
    if isinstance(store, OxigraphStore):
        return store.reader()
    buffer = io.BytesIO()
    store.export("nquads", buffer)
    copy = ox.Store()
    copy.bulk_load(buffer.getvalue(), ox.RdfFormat.N_QUADS)
    return copy


def nothing_published(source: ox.Store) -> bool:
    return next(iter(source.named_graphs()), None) is None


def digests(source: ox.Store) -> dict[str, tuple[int, int]]:
    """Named graph (not the ontology) -> (triples, a digest of them independent of their order)."""
    found: dict[ox.NamedNode, tuple[int, int]] = {}
    for quad in source.quads_for_pattern(None, None, None, None):
        name = quad.graph_name
        if isinstance(name, ox.NamedNode) and name != _ONTOLOGY:
            size, digest = found.get(name, (0, 0))
            found[name] = (size + 1, (digest + hash(quad.triple)) & _MASK)
    return {name.value: value for name, value in found.items()}


def graph_lines(source: ox.Store, name: str) -> frozenset[str]:
    """One named graph's triples as N-Triples lines."""
    return frozenset(f"{quad.triple} ." for quad in source.quads_for_pattern(None, None, None, ox.NamedNode(name)))


def store_snapshot(store: GraphStore) -> dict[str, frozenset[str]]:
    """Every named graph of the published graph (not the ontology) as lines; empty when nothing is published."""
    source = published_store(store)
    return {name: graph_lines(source, name) for name in digests(source)}


def changes_between(published: ox.Store, staged: ox.Store) -> list[GraphChange]:
    """The graphs that differ between the published graph and a staged one, with their triples."""
    before, after = digests(published), digests(staged)
    differing = sorted(name for name in set(before) | set(after) if before.get(name) != after.get(name))
    return compare({name: graph_lines(published, name) for name in differing if name in before},
                   {name: graph_lines(staged, name) for name in differing if name in after})


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
        return "changes: first publication"
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
