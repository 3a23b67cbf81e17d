"""Bad requests get the right 4xx with a message, never a 500 or a traceback (ASGI client,
in-memory store: these depend on the app, not on processes)."""

from __future__ import annotations

import pytest

from test_web_app import make_client

SPARQL = {"Content-Type": "application/sparql-query"}
SELECT = "SELECT * WHERE { ?s ?p ?o } LIMIT 1"


@pytest.fixture(scope="module")
def client(tmp_path_factory, sample_dataset):
    return make_client(tmp_path_factory.mktemp("bad"), sample_dataset)


@pytest.mark.parametrize("method, path, kwargs, status, says", [
    ("post", "/sparql", {"content": b"SELEC * WHERE {}", "headers": SPARQL}, 400, "syntax error"),
    ("get", "/sparql", {"params": {"query": "SELECT * WHERE { ?s ?p }"}}, 400, "syntax error"),
    ("post", "/sparql", {"content": b"SELECT \xff\xfe", "headers": SPARQL}, 400, "not valid UTF-8"),
    ("post", "/sparql", {"content": b"query=%FF", "headers": {"Content-Type": "application/x-www-form-urlencoded"}},
     400, "UTF-8"),
    ("post", "/sparql", {"content": SELECT.encode(), "headers": {**SPARQL, "Accept": "image/png"}}, 406, "sent as"),
    ("post", "/sparql", {"content": SELECT.encode(), "headers": {"Content-Type": "text/plain"}}, 415, "Content-Type"),
    ("post", "/sparql", {"content": ("SELECT * WHERE " + "{" * 5000 + "}" * 5000).encode(), "headers": SPARQL},
     400, "deeper than"),
    ("post", "/sparql", {"content": b"x" * 1_000_001, "headers": SPARQL}, 413, "limit"),
    ("get", "/queries/no-such-query", {}, 404, "no query named"),
    ("get", "/id/programme/no-such-programme", {"headers": {"Accept": "text/turtle"}}, 404, ""),
    ("get", "/no/such/page", {}, 404, ""),
    ("get", "/queries/programmes-in-country", {"params": {"country": "not an iri"}}, 422, "country"),
    ("get", "/queries/programmes-in-country", {"params": {"country": "http://example.org/a b"}}, 422, "country"),
    ("get", "/queries/programmes-in-country", {"params": {"country": "http://exa mple.org/<>{}"}}, 422, "country"),
    ("get", "/queries/programmes-in-country", {"params": {}}, 422, "needs a value"),
])
def test_bad_requests_get_a_4xx_that_says_why(client, method, path, kwargs, status, says):
    answer = getattr(client, method)(path, **kwargs)
    assert answer.status_code == status, answer.text[:300]
    assert says in answer.text and "Traceback" not in answer.text
