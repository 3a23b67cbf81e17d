"""The ontology files (ontology/*.ttl): the OWL ontology and the sector scheme, read once per
build and per worker process."""

from __future__ import annotations

from pathlib import Path

from rdflib import Graph

from .errors import MappingError


def load_ontology(ontology_dir: Path) -> Graph:
    """ontology/*.ttl in one graph; a malformed or missing file is a MappingError naming it."""
    graph = Graph()
    paths = sorted(Path(ontology_dir).glob("*.ttl"))
    if not paths:
        raise MappingError(str(ontology_dir), "no ontology files (*.ttl)")
    for path in paths:
        try:
            graph.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises many parser types; all mean a malformed file
            raise MappingError(str(path), f"not valid Turtle: {exc}") from exc
    return graph
