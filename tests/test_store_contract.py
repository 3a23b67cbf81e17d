"""One contract, every store: in memory, on disk, a real `oxigraph serve` and a real Virtuoso
(Debian's virtuoso-opensource) over HTTP. Virtuoso is skipped when it is not installed, except
in CI (CI=true), where that is a failure."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
import rdflib
import virtuoso_server
from rdflib import BNode, Literal, URIRef
from rdflib.compare import isomorphic

from mdgraph.errors import QueryError, StoreError
from mdgraph.namespaces import MDG, MDGID
from mdgraph.store import GraphStore, open_store
from mdgraph.store.remote import STAGING_PREFIX, RemoteStore

OXIGRAPH = Path(sys.executable).with_name("oxigraph")
SAMPLE = Path(__file__).parent / "data" / "sample.trig"
ANNEX = "https://w3id.org/mdgraph/graph/document/test-annex"
SHEET = "https://w3id.org/mdgraph/graph/document/test-sheet"
MOLDOVA = MDGID["country/md"]
HEALTH_MOBILITY = MDGID["programme/health-mobility"]


def _wait_for(url: str, process: subprocess.Popen) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"oxigraph serve exited with {process.returncode}")
        try:
            httpx.get(url, timeout=1)
            return
        except httpx.TransportError:
            time.sleep(0.05)
    raise RuntimeError(f"oxigraph serve did not answer at {url}")


@pytest.fixture(scope="module")
def oxigraph_server(tmp_path_factory):
    """A real Oxigraph server on a free loopback port, with the union default graph."""
    if not OXIGRAPH.exists():
        pytest.skip("the oxigraph binary (PyPI package `oxigraph`) is not installed in this environment")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    location = tmp_path_factory.mktemp("oxigraph-server")
    process = subprocess.Popen(
        [str(OXIGRAPH), "serve", "--location", str(location), "--bind", f"127.0.0.1:{port}", "--union-default-graph"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/query?query=ASK%7B%7D", process)
        yield f"http://127.0.0.1:{port}/query"
    finally:
        process.terminate()
        process.wait(10)


_VIRTUOSO = pytest.StashKey[object]()


def _virtuoso(request) -> virtuoso_server.VirtuosoServer:
    """One real Virtuoso per test session, on free loopback ports, started on first use and
    stopped at the end (a plain function, so modules that import `store` need nothing more)."""
    stash = request.config.stash
    if _VIRTUOSO not in stash:
        why_not = virtuoso_server.missing()
        if why_not:
            stash[_VIRTUOSO] = why_not
        else:
            try:
                server = virtuoso_server.start(request.getfixturevalue("tmp_path_factory").mktemp("virtuoso"))
            except RuntimeError as exc:
                stash[_VIRTUOSO] = RuntimeError(f"Virtuoso did not start: {exc}")
            else:
                stash[_VIRTUOSO] = server
                request.config.add_cleanup(server.stop)
    found = stash[_VIRTUOSO]
    if isinstance(found, virtuoso_server.VirtuosoServer):
        return found
    if isinstance(found, RuntimeError):
        pytest.fail(str(found))
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must test the Virtuoso store: {found}")
    pytest.skip(found)


@pytest.fixture
def virtuoso(request) -> virtuoso_server.VirtuosoServer:
    return _virtuoso(request)


SLOW = pytest.mark.slow  # starts Virtuoso: a fresh database takes 10-20 s to create
REMOTES = ["oxigraph-serve", pytest.param("virtuoso", marks=SLOW)]


def _remote_url(request, kind: str) -> str:
    if kind == "virtuoso":
        return _virtuoso(request).store_url
    return request.getfixturevalue("oxigraph_server")


def _open_remote(url: str) -> GraphStore:
    opened = open_store(url)
    opened.publish(rdflib.Dataset())  # the server outlives one test: start empty
    return opened


@pytest.fixture(params=["memory", "disk", *REMOTES])
def store(request, tmp_path) -> GraphStore:
    if request.param == "memory":
        opened = open_store("memory://")
    elif request.param == "disk":
        opened = open_store(f"oxigraph://{tmp_path}/store")
    else:
        opened = _open_remote(_remote_url(request, request.param))
    yield opened
    opened.close()


@pytest.fixture(params=REMOTES)
def remote_url(request) -> str:
    """The URL of a remote store, credentials included (the store's own `url` hides them)."""
    return _remote_url(request, request.param)


@pytest.fixture
def remote(remote_url) -> GraphStore:
    opened = _open_remote(remote_url)
    yield opened
    opened.close()


@pytest.fixture
def published(store, sample_dataset) -> GraphStore:
    store.publish(sample_dataset)
    return store


def _quads(dataset: rdflib.Dataset) -> int:
    return sum(len(g) for g in dataset.graphs())


def test_empty_store(store):
    assert store.is_empty()
    assert store.count() == 0
    assert store.graph_names() == []
    assert not store.query("ASK { ?s ?p ?o }").boolean


def test_publish_holds_every_named_graph(published, sample_dataset):
    assert not published.is_empty()
    assert published.count() == _quads(sample_dataset)
    expected = sorted(str(g.identifier) for g in sample_dataset.graphs() if len(g))
    assert published.graph_names() == expected


def test_default_graph_is_the_union(published):
    # the programme comes from a document graph, the sector label from the ontology graph
    rows = published.query(
        """PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
           PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
           SELECT ?label WHERE { ?p mdg:hasSector/skos:prefLabel ?label } ORDER BY ?label"""
    ).rows()
    assert [str(r[0]) for r in rows] == ["Diaspora", "Health"]


def test_bindings_are_terms_not_text(published):
    query = "SELECT ?country ?p WHERE { ?p <https://w3id.org/mdgraph/ontology#targetsCountry> ?country }"
    assert published.query(query, {"country": MOLDOVA}).rows() == [(MOLDOVA, HEALTH_MOBILITY)]
    hostile = Literal('x" } . ?p ?q ?r } #')
    assert published.query(query, {"country": hostile}).rows() == []


def test_protocol_dataset_and_from(published):
    ask = "ASK { ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o }"
    assert published.query(ask).boolean
    assert not published.query(ask, default_graph_uris=[ANNEX]).boolean
    assert published.query(ask, default_graph_uris=[SHEET]).boolean
    assert not published.query(f"ASK FROM <{ANNEX}> {{ ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o }}").boolean
    named = "SELECT ?g WHERE { GRAPH ?g { ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o } }"
    assert published.query(named, named_graph_uris=[SHEET]).rows() == [(URIRef(SHEET),)]


def test_result_kinds_and_formats(published, sample_dataset):
    select = published.query("SELECT DISTINCT ?s ?o WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?o }")
    labels = {(s, o) for g in sample_dataset.graphs() for s, o in g.subject_objects(rdflib.RDFS.label)}
    assert select.kind == "select" and select.variables == ["s", "o"] and set(select.rows()) == labels
    for media_type in select.media_types():
        assert select.serialise(media_type)
    construct = published.query("CONSTRUCT WHERE { ?s a <https://w3id.org/mdgraph/ontology#Country> }")
    assert construct.kind == "construct" and len(construct.graph()) == 2
    for media_type, fmt in [("text/turtle", "turtle"), ("application/n-triples", "nt"),
                            ("application/ld+json", "json-ld"), ("application/rdf+xml", "xml")]:
        parsed = rdflib.Graph().parse(data=construct.serialise(media_type), format=fmt)
        assert isomorphic(parsed, construct.graph())
    ask = published.query("ASK { ?s a <https://w3id.org/mdgraph/ontology#Programme> }")
    assert ask.kind == "ask" and ask.boolean is True
    with pytest.raises(QueryError):
        ask.serialise("text/csv")


def test_limit_is_never_silent(published):
    capped = published.query("SELECT ?s WHERE { ?s ?p ?o }", limit=3)
    assert capped.truncated and len(capped) == 3 and capped.limit == 3
    exact = published.query("SELECT ?s WHERE { ?s a <https://w3id.org/mdgraph/ontology#Programme> }", limit=2)
    assert not exact.truncated and len(exact) == 2


def test_describe_has_links_labels_inverse_links_and_quotes(published):
    graph = published.describe(str(HEALTH_MOBILITY))
    assert (HEALTH_MOBILITY, MDG.targetsCountry, MOLDOVA) in graph
    assert (MOLDOVA, rdflib.RDFS.label, Literal("Moldova", lang="en")) in graph
    assert (MDGID["organisation/iom"], MDG.implements, HEALTH_MOBILITY) in graph
    quotes = {str(q) for q in graph.objects(None, MDG.quote)}
    assert quotes == {"implemented in the Republic of Moldova", "funded by the European Union"}
    country = published.describe(str(MOLDOVA))
    assert "implemented in the Republic of Moldova" in {str(q) for q in country.objects(None, MDG.quote)}
    assert len(published.describe("https://w3id.org/mdgraph/id/programme/unknown")) == 0


@pytest.mark.parametrize("fmt, parse_as", [("turtle", "turtle"), ("ntriples", "nt"), ("jsonld", "json-ld"),
                                           ("rdfxml", "xml"), ("nquads", "nquads"), ("trig", "trig")])
def test_export(published, sample_dataset, fmt, parse_as):
    out = io.BytesIO()
    published.export(fmt, out)
    if parse_as in ("nquads", "trig"):
        dataset = rdflib.Dataset().parse(data=out.getvalue(), format=parse_as)
        assert _quads(dataset) == _quads(sample_dataset)
    else:
        union = {t for g in sample_dataset.graphs() for t in g}
        assert {t for t in rdflib.Graph().parse(data=out.getvalue(), format=parse_as)} == union


def test_publish_replaces_everything_and_changes_version(published):
    before = published.version()
    smaller = rdflib.Dataset()
    smaller.graph(URIRef(SHEET)).add((MDGID["programme/x"], rdflib.RDF.type, MDG.Programme))
    published.publish(smaller)
    assert published.graph_names() == [SHEET] and published.count() == 1
    assert published.version() != before


def test_failed_publish_keeps_the_previous_graph(published, sample_dataset):
    broken = rdflib.Dataset()
    broken.graph(URIRef(SHEET)).add((URIRef("not an iri"), rdflib.RDF.type, MDG.Programme))
    with pytest.raises(StoreError):
        published.publish(broken)
    assert published.count() == _quads(sample_dataset)


def test_update_with_using_graph(published):
    published.update(
        "INSERT { GRAPH <urn:g:out> { ?p a <urn:c:Partnered> } } WHERE { ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o }",
        using_graph_uris=[ANNEX],
    )
    assert not published.query("ASK { ?p a <urn:c:Partnered> }").boolean
    published.update(
        "INSERT { GRAPH <urn:g:out> { ?p a <urn:c:Partnered> } } WHERE { ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o }",
        using_graph_uris=[SHEET],
    )
    assert published.query("ASK { ?p a <urn:c:Partnered> }").boolean


def test_syntax_error_is_a_query_error(published):
    with pytest.raises(QueryError, match="syntax"):
        published.query("SELECT ?s WHERE { ?s ")


def test_blank_nodes_keep_their_identity(store):
    dataset = rdflib.Dataset()
    graph = dataset.graph(URIRef(SHEET))
    node = BNode()
    graph.add((HEALTH_MOBILITY, MDG.hasPartner, node))
    graph.add((node, rdflib.RDFS.label, Literal("an unnamed partner", lang="en")))
    graph.add((node, MDG.organisationType, Literal("ngo")))
    store.publish(dataset)
    rows = store.query(
        "SELECT ?o ?label WHERE { ?p <https://w3id.org/mdgraph/ontology#hasPartner> ?o . ?o ?x ?label }"
    ).rows()
    assert len(rows) == 2 and all(isinstance(o, BNode) for o, _ in rows) and len({o for o, _ in rows}) == 1
    assert isomorphic(store.query("CONSTRUCT WHERE { ?s ?p ?o }").graph(), graph)


def test_literal_datatypes_come_back_as_published(published, sample_dataset):
    rows = published.query("SELECT ?o WHERE { ?s ?p ?o FILTER(isLiteral(?o)) }").rows()
    literals = {o for g in sample_dataset.graphs() for o in g.objects() if isinstance(o, Literal)}
    assert set(rows) == {(o,) for o in literals}


def test_publish_takes_a_pyoxigraph_store(store, sample_dataset):
    """What a build hands over: the graph it staged in pyoxigraph."""
    staged = ox.Store()
    staged.load(path=str(SAMPLE), format=ox.RdfFormat.TRIG)
    store.publish(staged)
    assert store.count() == _quads(sample_dataset)
    assert store.graph_names() == sorted(str(g.identifier) for g in sample_dataset.graphs() if len(g))


def test_publish_takes_the_store_it_staged(store, sample_dataset):
    """What `mdgraph build` does: gather the graph in the store's own staging, publish that."""
    with store.staging() as staged:
        assert len(staged) == 0
        staged.load(path=str(SAMPLE), format=ox.RdfFormat.TRIG)
        store.publish(staged)
        staged.add(ox.Quad(ox.NamedNode(str(HEALTH_MOBILITY)), ox.NamedNode(str(MDG.title)), ox.Literal("later")))
    assert store.count() == _quads(sample_dataset)  # what was staged after publishing is not published
    assert store.graph_names() == sorted(str(g.identifier) for g in sample_dataset.graphs() if len(g))
    with store.staging() as staged:
        assert len(staged) == 0  # a new staging starts empty


# -- remote stores only ----------------------------------------------------------------------


class _FailingSwap(httpx.BaseTransport):
    """The real server, except that the request swapping staging graphs in fails."""

    def __init__(self) -> None:
        self._real = httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        if b"VALUES (?source ?target)" in request.read():
            return httpx.Response(503, text="the server went away")
        return self._real.handle_request(request)

    def close(self) -> None:
        self._real.close()


def test_publish_in_many_requests_swaps_in_staging_graphs(remote_url, sample_dataset):
    dataset = rdflib.Dataset()
    dataset.parse(SAMPLE, format="trig")
    partner = BNode()
    dataset.graph(URIRef(SHEET)).add((HEALTH_MOBILITY, MDG.hasPartner, partner))
    dataset.graph(URIRef(SHEET)).add((partner, rdflib.RDFS.label, Literal("an unnamed partner")))
    small = RemoteStore(f"{remote_url}#max_request_bytes=1500")
    try:
        small.publish(sample_dataset)
        small.publish(dataset)
        assert small.count() == _quads(dataset)
        assert small.graph_names() == sorted(str(g.identifier) for g in dataset.graphs() if len(g))
        union = rdflib.Graph()
        for graph in dataset.graphs():
            union += graph
        assert isomorphic(small.query("CONSTRUCT WHERE { ?s ?p ?o }").graph(), union)
    finally:
        small.close()


def test_failed_swap_keeps_the_previous_graph_and_no_staging(remote_url, remote, sample_dataset):
    remote.publish(sample_dataset)
    failing = RemoteStore(f"{remote_url}#max_request_bytes=1500", client=httpx.Client(transport=_FailingSwap()))
    changed = rdflib.Dataset()
    changed.parse(SAMPLE, format="trig")
    changed.graph(URIRef("urn:g:new")).add((MDGID["programme/x"], rdflib.RDF.type, MDG.Programme))
    try:
        with pytest.raises(StoreError, match="previous graph is unchanged"):
            failing.publish(changed)
    finally:
        failing.close()
    assert remote.count() == _quads(sample_dataset)
    assert "urn:g:new" not in remote.graph_names()
    assert not [g for g in remote.graph_names() if g.startswith(STAGING_PREFIX)]


@SLOW
def test_credentials_stay_out_of_urls_and_errors(virtuoso):
    opened = open_store(virtuoso.store_url)
    try:
        assert virtuoso.password not in opened.url and "mdgraph:***@" in opened.url
        assert opened.count() >= 0
    finally:
        opened.close()
    wrong = open_store(virtuoso.store_url.replace(virtuoso.password, "not-the-password"))
    try:
        with pytest.raises(StoreError, match="credentials") as refused:
            wrong.count()
        assert "not-the-password" not in str(refused.value)
    finally:
        wrong.close()


@SLOW
def test_virtuoso_own_graphs_stay_out_of_the_union(virtuoso):
    opened = _open_remote(virtuoso.store_url)
    try:
        assert opened.is_empty() and opened.count() == 0 and opened.graph_names() == []
        assert not opened.query("ASK { ?s ?p ?o }").boolean
        assert opened.query("ASK FROM <http://www.openlinksw.com/schemas/virtrdf#> { ?s ?p ?o }").boolean
    finally:
        opened.close()


# -- the on-disk store's versions ------------------------------------------------------------


def test_disk_versions_switch_atomically_and_old_ones_go(tmp_path, sample_dataset):
    store = open_store(f"oxigraph://{tmp_path}/store")
    for _ in range(3):
        store.publish(sample_dataset)
    current = (tmp_path / "store" / "current").readlink()
    versions = sorted(p.name for p in (tmp_path / "store" / "versions").iterdir())
    assert len(versions) == 2 and current.name == versions[-1]
    reader = open_store(f"oxigraph://{tmp_path}/store")  # another process's view: read-only
    assert reader.count() == _quads(sample_dataset)
    smaller = rdflib.Dataset()
    smaller.graph(URIRef(SHEET)).add((MDGID["programme/x"], rdflib.RDF.type, MDG.Programme))
    store.publish(smaller)
    assert reader.count() == 1  # a reader follows the pointer on its next call


def test_disk_failed_publish_leaves_no_partial_version(tmp_path, sample_dataset):
    store = open_store(f"oxigraph://{tmp_path}/store")
    store.publish(sample_dataset)
    broken = rdflib.Dataset()
    broken.graph(URIRef(SHEET)).add((URIRef("not an iri"), rdflib.RDF.type, MDG.Programme))
    with pytest.raises(StoreError):
        store.publish(broken)
    assert len(list((tmp_path / "store" / "versions").iterdir())) == 1
    assert store.count() == _quads(sample_dataset)


def test_disk_staging_is_linked_into_the_version_and_then_removed(tmp_path, sample_dataset):
    store = open_store(f"oxigraph://{tmp_path}/store")
    abandoned = tmp_path / "store" / "staging" / "00000000000000000001-999999999"  # no such process
    abandoned.mkdir(parents=True)
    with store.staging() as staged:
        assert not abandoned.exists()
        [folder] = (tmp_path / "store" / "staging").iterdir()
        staged.load(path=str(SAMPLE), format=ox.RdfFormat.TRIG)
        store.publish(staged)
        store.publish(staged)  # twice: each publish is its own version
        linked = {f.stat().st_ino for f in (tmp_path / "store" / "current").glob("*.sst")}
        assert linked and linked <= {f.stat().st_ino for f in folder.glob("*.sst")}  # not copied
    assert list((tmp_path / "store" / "staging").iterdir()) == []
    assert open_store(f"oxigraph://{tmp_path}/store").count() == _quads(sample_dataset)
    assert len(list((tmp_path / "store" / "versions").iterdir())) == 2


def test_disk_staging_is_removed_when_the_build_fails(tmp_path):
    store = open_store(f"oxigraph://{tmp_path}/store")
    with pytest.raises(RuntimeError), store.staging() as staged:
        staged.add(ox.Quad(ox.NamedNode("https://example.org/a"), ox.NamedNode("https://example.org/b"),
                           ox.Literal("c"), ox.NamedNode(SHEET)))
        raise RuntimeError("the build stopped")
    assert list((tmp_path / "store" / "staging").iterdir()) == []
    assert store.is_empty()


@pytest.mark.parametrize("url", ["ftp://x/y", "oxigraph://relative/path", "nonsense"])
def test_unknown_store_urls_are_refused(url):
    with pytest.raises(StoreError):
        open_store(url)


def test_default_store_url(tmp_path):
    from mdgraph.config import Settings
    from mdgraph.store import default_store_url

    assert default_store_url(Settings(data_dir=tmp_path)) == f"oxigraph://{tmp_path}/store"
    assert default_store_url(Settings(data_dir=tmp_path, store_url="memory://")) == "memory://"

