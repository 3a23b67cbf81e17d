"""The Service facade that the web app and the CLI call."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import URIRef

from mdgraph.config import Settings
from mdgraph.errors import QueryError, StoreError
from mdgraph.service import QueryTimeout, Service
from mdgraph.store import default_store_url, open_store

QUERIES = Path(__file__).parent / "data" / "queries"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture
def service(tmp_path, sample_dataset):
    store = open_store("memory://")
    store.publish(sample_dataset)
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    opened = Service(settings, store)
    yield opened
    opened.close()


def test_run_named(service):
    result = service.run_named("programmes-in-country", {"country": "https://w3id.org/mdgraph/id/country/md"})
    assert [str(r[1]) for r in result.rows()] == ["https://w3id.org/mdgraph/id/programme/health-mobility"]
    with pytest.raises(QueryError, match="no query named 'nope'"):
        service.run_named("nope", {})


@pytest.mark.parametrize("kind, key", [("programme", "unknown"), ("planet", "earth"), ("country", "MD"),
                                       ("country", "../md"), ("country", "")])
def test_describe_unknown(service, kind, key):
    assert service.describe(kind, key) is None


def test_describe(service):
    graph = service.describe("country", "md")
    assert (URIRef("https://w3id.org/mdgraph/id/country/md"), None, None) in graph


def test_example_text_is_runnable(service):
    named = service.named_query("programmes-in-country")
    text = service.example_text(named)
    assert "VALUES (?country) { (<https://w3id.org/mdgraph/id/country/md>) }" in text
    assert len(service.query(text).rows()) == 1


def test_ensure_published(tmp_path):
    empty = Service(Settings(store_url="memory://", data_dir=tmp_path))
    with pytest.raises(StoreError, match="mdgraph build"):
        empty.ensure_published()
    assert empty.health()["ok"] is False


def test_statistics_follow_the_version(service, sample_dataset):
    first = service.statistics()
    assert first["examples"]["programme"].startswith("https://w3id.org/mdgraph/id/programme/")
    service.store.publish(sample_dataset)
    assert service.statistics()["version"] != first["version"]


def test_timeout_stops_the_query_in_its_worker(tmp_path, sample_dataset):
    settings = Settings(data_dir=tmp_path, query_timeout=1.0)
    store = open_store(default_store_url(settings))
    store.publish(sample_dataset)
    service = Service(settings, query_workers=1)
    try:
        with pytest.raises(QueryTimeout, match="1 s limit"):
            service.query(RUNAWAY)
        assert service.query("ASK { ?s ?p ?o }", timeout=30).boolean  # a fresh worker took over
    finally:
        service.close()
