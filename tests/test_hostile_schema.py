"""Schemathesis against the app's own OpenAPI schema: every operation, generated requests,
never a 5xx from a request (503 = the store or a limit, allowed) and never a traceback.

A few cases per operation in CI; MDGRAPH_FULL_FUZZ=1 runs 500 per operation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import rdflib
from hypothesis import HealthCheck, settings

from mdgraph.config import Settings
from mdgraph.service import Service
from mdgraph.store import open_store
from mdgraph.web.app import create_app

schemathesis = pytest.importorskip("schemathesis")

DATA = Path(__file__).parent / "data"
CASES = 500 if os.environ.get("MDGRAPH_FULL_FUZZ") == "1" else 8


def _app():
    dataset = rdflib.Dataset()
    dataset.parse(DATA / "sample.trig", format="trig")
    store = open_store("memory://")
    store.publish(dataset)
    data_dir = Path(os.environ.get("PYTEST_TMP", "/tmp")) / f"mdgraph-fuzz-{os.getpid()}"
    configured = Settings(store_url="memory://", data_dir=data_dir, queries_dir=DATA / "queries", query_timeout=5)
    return create_app(configured, Service(configured, store))


@schemathesis.serializer("application/sparql-query", "application/sparql-update")
def _sparql_text(ctx, value) -> bytes:
    """SPARQL bodies are plain text: generated strings go as they are, anything else as its repr."""
    return (value if isinstance(value, str) else repr(value)).encode("utf-8", "surrogatepass")


APP = _app()
schema = schemathesis.openapi.from_asgi("/openapi.json", APP)


@schema.parametrize()
@settings(max_examples=CASES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_request_makes_a_server_error(case):
    response = case.call()
    assert response.status_code < 500 or response.status_code == 503, (case.method, case.path, response.text[:500])
    assert "Traceback" not in response.text
