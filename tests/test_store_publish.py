"""Copying a staged store into a new version: every quad and every (even empty) named graph
arrives, whatever the number of chunks it is fed to the bulk loader in."""

from __future__ import annotations

import pyoxigraph as ox
import pytest

from mdgraph.store import oxigraph

EX = "http://example.org/"


@pytest.mark.parametrize("count", [0, 1, 2, 3, 4, 9, 10])
def test_every_quad_arrives_in_chunks(monkeypatch, count):
    monkeypatch.setattr(oxigraph, "_BULK_CHUNK", 3)
    staged = ox.Store()
    graphs = [ox.NamedNode(f"{EX}g{i % 2}") for i in range(count)]
    quads = {ox.Quad(ox.NamedNode(f"{EX}s{i}"), ox.NamedNode(EX + "p"), ox.Literal(str(i)), graph)
             for i, graph in enumerate(graphs)}
    staged.extend(quads)
    staged.add_graph(ox.NamedNode(EX + "empty"))
    copy = ox.Store()
    oxigraph.load_dataset(copy, staged)
    assert set(copy.quads_for_pattern(None, None, None, None)) == quads
    assert set(copy.named_graphs()) == set(staged.named_graphs())
