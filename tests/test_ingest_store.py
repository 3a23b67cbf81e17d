"""GraphStore.replace_graphs on every store: in memory, on disk, and a real `oxigraph serve`."""

from __future__ import annotations

import io

import pytest
import rdflib
from rdflib import URIRef
from test_store_contract import ANNEX, SHEET, oxigraph_server, published, store  # noqa: F401  (every store, published)

from mdgraph.errors import StoreError
from mdgraph.ingest.changes import store_snapshot
from mdgraph.namespaces import MDG, MDGID
from mdgraph.store import GraphStore, open_store

INFERRED = "https://w3id.org/mdgraph/graph/inferred"
NEW = "https://w3id.org/mdgraph/graph/document/new"


def _graph(*programmes: str) -> rdflib.Graph:
    graph = rdflib.Graph()
    for key in programmes:
        graph.add((MDGID[f"programme/{key}"], rdflib.RDF.type, MDG.Programme))
    return graph


def _nquads(store: GraphStore) -> bytes:
    out = io.BytesIO()
    store.export("nquads", out)
    return b"".join(sorted(out.getvalue().splitlines(keepends=True)))


def test_replace_add_and_remove_graphs_in_one_step(published):
    before = store_snapshot(published)
    version = published.version()
    published.replace_graphs({URIRef(SHEET): _graph("x"), URIRef(NEW): _graph("y", "z")}, remove=[URIRef(ANNEX)])
    after = store_snapshot(published)
    assert ANNEX not in after and SHEET in after and NEW in after
    assert len(after[SHEET]) == 1 and len(after[NEW]) == 2
    assert after[INFERRED] == before[INFERRED]  # untouched graphs stay exactly as they were
    assert published.version() != version
    assert published.query("ASK { ?p a <https://w3id.org/mdgraph/ontology#Programme> }").boolean


def test_replacing_a_graph_by_itself_changes_nothing(published, sample_dataset):
    before = _nquads(published)
    published.replace_graphs({URIRef(SHEET): sample_dataset.graph(URIRef(SHEET))})
    assert _nquads(published) == before


def test_a_failed_replace_leaves_the_published_graph(published):
    before = _nquads(published)
    broken = rdflib.Graph()
    broken.add((URIRef("not an iri"), rdflib.RDF.type, MDG.Programme))
    with pytest.raises(StoreError):
        published.replace_graphs({URIRef(SHEET): broken}, remove=[URIRef(ANNEX)])
    assert _nquads(published) == before


def test_disk_replace_writes_a_new_version_that_readers_follow(tmp_path, sample_dataset):
    store = open_store(f"oxigraph://{tmp_path}/store")
    store.publish(sample_dataset)
    reader = open_store(f"oxigraph://{tmp_path}/store")
    first = (tmp_path / "store" / "current").readlink()
    store.replace_graphs({}, remove=[URIRef(ANNEX)])
    assert (tmp_path / "store" / "current").readlink() != first
    assert ANNEX not in reader.graph_names()
