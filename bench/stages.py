"""The measured stages of bench/run.py. Each runs in its own process (so its peak memory is its
own) and returns a JSON-able dict; mdgraph is imported lazily so a broken part of the
pipeline skips its rows with a note instead of stopping the suite."""

from __future__ import annotations

import contextlib
import gc
import json
import os
import shutil
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from functools import partial
from pathlib import Path

import httpx
import pyoxigraph as ox
from generate import CORPUS_SHAPE, GRAPH_SHAPE, write_documents, write_graph
from measure import (
    Server,
    Timing,
    TreePeak,
    alternated,
    alternated_in_fork,
    free_port,
    inline_values,
    once,
    oxigraph_binary,
    peak_memory,
    size_of,
    sparql_answer,
    sparql_over_http,
    timed,
    timed_in_fork,
)

ROOT = Path(__file__).resolve().parents[1]
#: What a page asks the views (search, autocomplete, facets, 3W), with the SPARQL it replaces.
SEARCHES = ["IOM", "moldova", "migration", "health professionals"]
SUGGESTIONS = ["mol", "int", "swiss dev"]
TEXT_SCAN = """PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT DISTINCT ?programme ?title WHERE {
  ?programme a mdg:Programme ; rdfs:label ?title . FILTER(CONTAINS(LCASE(?title), "diaspora")) }"""


def _note(exc: BaseException) -> str:
    last = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    where = f" ({Path(last.filename).name}:{last.lineno})" if last else ""
    return f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}{where}"[:240]


def _t(timing: Timing) -> dict:
    return {"seconds": timing.median, "runs": timing.runs, "note": timing.note}


def _skip(note: str) -> dict:
    return {"seconds": None, "runs": 0, "note": note}


def ensure_graph(work: Path, triples: int, seed: int) -> tuple[Path, int]:
    path = work / "graphs" / f"graph-{triples}-s{seed}-{GRAPH_SHAPE}.nq"
    sidecar = path.with_suffix(".json")
    if not path.exists() or not sidecar.exists():
        count = write_graph(triples, path, seed)
        sidecar.write_text(json.dumps({"quads": count}))
    return path, json.loads(sidecar.read_text())["quads"]


def ensure_documents(work: Path, count: int, seed: int) -> Path:
    folder = work / "corpora" / f"corpus-{count}-s{seed}-{CORPUS_SHAPE}"
    if not (folder / "manifest.yaml").exists():
        write_documents(count, folder, seed)
    return folder


# -- named queries ---------------------------------------------------------------------------------

def catalogue() -> list[tuple[str, str, dict]]:
    """(name, text, example bindings as rdflib terms) for queries/*.rq."""
    from mdgraph.queries import load_catalogue

    return [(name, q.text, q.example_bindings()) for name, q in load_catalogue(ROOT / "queries").items()]


def _ox_term(term):
    from rdflib import Literal, URIRef

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal) and term.datatype:
        return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
    return ox.Literal(str(term), language=term.language) if term.language else ox.Literal(str(term))


def _pyoxigraph_query(store: ox.Store, text: str, bindings: dict, union: bool = True):
    substitutions = {ox.Variable(name): _ox_term(value) for name, value in bindings.items()}
    answer = store.query(text, substitutions=substitutions, use_default_graph_as_union=union)
    return answer.serialize(format=ox.QueryResultsFormat.JSON)  # the work a server does too


# -- one graph size --------------------------------------------------------------------------------

def graph_stage(options: dict) -> dict:
    """Load, publish, views, named queries (six ways) and views questions at one size.

    In-process query engines run each query in a forked child killed after --query-timeout:
    neither pyoxigraph nor rdflib can stop a query from outside. Stores on disk are opened in
    the child, so no RocksDB handle crosses a fork.
    """
    work = Path(options["work"])
    path, quads = ensure_graph(work, options["triples"], options["seed"])
    scratch = work / f"run-{options['triples']}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    result: dict = {"triples": quads, "loads": {}, "pipeline": {}, "queries": [], "views": [], "notes": []}
    try:
        queries = catalogue()
    except Exception as exc:
        queries = []
        result["notes"].append(f"named queries skipped: {_note(exc)}")
    result["queries"] = [{"name": name} for name, _, _ in queries]
    _rdflib_queries(path, queries, options, result)
    gc.collect()  # the rdflib dataset is gone: what follows is measured without it

    memory = ox.Store()
    result["loads"]["pyoxigraph (memory)"] = _t(once(partial(memory.bulk_load, path=str(path),
                                                                format=ox.RdfFormat.N_QUADS)))
    store_url = _publish(path, result, scratch)
    binary = oxigraph_binary()
    server_db = scratch / "oxigraph-server"
    if binary and not options["no_server"]:
        result["loads"]["Oxigraph server (oxigraph load)"] = _t(once(partial(_cli_load, binary, server_db, path)))
        result["loads"]["compact: Oxigraph server (oxigraph optimize)"] = _t(once(partial(
            _cli_optimize, binary, server_db)))
    _pyoxigraph_columns(memory, path, queries, options, result, scratch, store_url)
    _http_columns(result, options, binary, server_db, scratch)
    for row in result["queries"]:
        row.pop("_inline", None)
        if row.pop("_slow", None):
            for column in ("pyoxigraph (disk)", "GraphStore"):
                row[column] = _skip(f"not run: pyoxigraph > {options['query_timeout']:g} s")
    if store_url:
        from mdgraph.views import Views

        with Views.open(scratch / "data" / "views.sqlite") as views:
            result["views"] = _views_rows(views, memory, options["repeat"])
        result["views_path"] = str(scratch / "data" / "views.sqlite")
        result["data_dir"] = str(scratch / "data")
    result["peak_memory"] = peak_memory()
    return result


def _rdflib_queries(path: Path, queries: list, options: dict, result: dict) -> None:
    """rdflib's load and queries (first: they run in forked children, safest before RocksDB
    starts threads)."""
    import rdflib

    dataset = rdflib.Dataset(default_union=True)
    result["loads"]["rdflib (memory)"] = _t(once(partial(dataset.parse, str(path), format="nquads")))
    allowed = options["triples"] <= options["rdflib_max"]
    if not allowed:
        result["notes"].append(f"rdflib queries skipped above {options['rdflib_max']:,} triples (--rdflib-max)")
    for (_, text, bindings), row in zip(queries, result["queries"]):
        row["rdflib"] = (_in_fork(partial(_rdflib_query, dataset, text, bindings), options["repeat"],
                                  options["rdflib_timeout"]) if allowed else _skip("skipped"))


def _publish(path: Path, result: dict, scratch: Path) -> str | None:
    """Publish the graph as `mdgraph build` does and build the views; the store URL."""
    url = f"oxigraph://{scratch / 'data' / 'store'}"
    try:
        store = _open_store(url)
        _stage_and_publish(store, path, result)
    except Exception as exc:
        result["pipeline"]["publish (GraphStore, on disk)"] = _skip(_note(exc))
        return None
    try:
        from mdgraph.views import build_views

        timing = once(partial(build_views, store, scratch / "data" / "views.sqlite"))
        result["pipeline"]["build views"] = _t(timing)
        result["view_stats"] = {k: v for k, v in vars(timing.value).items() if isinstance(v, int)}
    except Exception as exc:
        result["pipeline"]["build views"] = _skip(_note(exc))
    store.close()
    return url


def _stage_and_publish(store, path: Path, result: dict) -> None:
    """As `mdgraph build` does: the graph gathered in the store's staging (on disk, beside the
    versions), then published from there (compacted, and its files linked into the version)."""
    with store.staging() as staged:
        result["pipeline"]["stage: bulk load into the store's staging (on disk)"] = _t(once(partial(
            staged.bulk_load, path=str(path), format=ox.RdfFormat.N_QUADS)))
        result["pipeline"]["publish (GraphStore, on disk)"] = _t(once(partial(store.publish, staged)))


def _rdflib_query(dataset, text: str, bindings: dict) -> list:
    return list(dataset.query(text, initBindings=bindings))


def _pyoxigraph_columns(memory: ox.Store, path: Path, queries: list, options: dict, result: dict,
                        scratch: Path, store_url: str | None) -> None:
    """Each named query in pyoxigraph (memory, disk, deduplicated) and through GraphStore.query."""
    repeat, timeout = options["repeat"], options["query_timeout"]
    flat = ox.Store()
    result["loads"]["deduplicate the union into the default graph (pyoxigraph, memory)"] = _t(once(partial(
        flat.extend, (ox.Quad(r["s"], r["p"], r["o"], ox.DefaultGraph()) for r in memory.query(
            "SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True)))))
    on_disk = scratch / "pyoxigraph"
    result["loads"]["pyoxigraph (disk)"] = _t(once(partial(_bulk_load_disk, on_disk, path)))
    result["loads"]["compact: pyoxigraph (disk, Store.optimize)"] = _t(once(partial(_optimize_disk, on_disk)))
    for (name, text, bindings), row in zip(queries, result["queries"]):
        say(f"    {name}")
        # the SPARQL the store runs: parameters in a VALUES block (pyoxigraph's substitutions
        # are applied after evaluation, which makes bound queries much slower)
        named, parameters = text, bindings
        row["_inline"] = text = inline_values(text, {k: v.n3() for k, v in bindings.items()})
        bindings = {}
        row["pyoxigraph (memory)"] = _in_fork(partial(_pyoxigraph_query, memory, text, bindings), repeat, timeout)
        row["pyoxigraph (deduplicated)"] = _in_fork(partial(_pyoxigraph_query, flat, text, bindings, union=False),
                                                    repeat, timeout)
        if row["pyoxigraph (memory)"]["seconds"] is None and row["pyoxigraph (memory)"]["note"].startswith(">"):
            row["_slow"] = True  # the others read the same union more slowly: spare their timeouts
            continue
        # the published store and pyoxigraph on disk asked in turn in one process, so a slower
        # stretch of a shared machine falls on both alike
        engines = {"pyoxigraph (disk)": _opened(partial(ox.Store.read_only, str(on_disk)),
                                                partial(_pyoxigraph_query, text=text, bindings=bindings))}
        if store_url:
            engines["GraphStore"] = _opened(partial(_open_store, store_url),
                                            partial(_store_query, text=named, bindings=parameters))
        for engine, timing in alternated_in_fork(engines, repeat, timeout).items():
            row[engine] = _t(timing)
            if engine == "GraphStore":
                row["rows"] = timing.value


def _store_query(store, text: str, bindings: dict):
    return store.query(text, bindings)


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _open_store(url: str):
    from mdgraph.store import open_store

    return open_store(url)


def _opened(factory, use):
    """An action that opens its store on first call (the warm-up run, in the forked child)."""
    opened = []

    def action():
        if not opened:
            opened.append(factory())
        return use(opened[0])

    return action


def _in_fork(action, repeat: int, timeout: float) -> dict:
    timing = timed_in_fork(action, repeat, timeout)
    out = _t(timing)
    if timing.value is not None:
        out["value"] = timing.value
    return out


def _bulk_load_disk(directory: Path, path: Path) -> None:
    store = ox.Store(str(directory))
    store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    store.flush()
    del store


def _optimize_disk(directory: Path) -> None:
    """Compact a bulk-loaded store, as publishing does: every engine is compared at its best."""
    store = ox.Store(str(directory))
    store.optimize()
    store.flush()
    del store


def _cli_load(binary: str, directory: Path, path: Path) -> None:
    subprocess.run([binary, "load", "--location", str(directory), "--file", str(path)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _cli_optimize(binary: str, directory: Path) -> None:
    subprocess.run([binary, "optimize", "--location", str(directory)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _measure(action, repeat: int) -> dict:
    try:
        timing = timed(action, repeat)
    except Exception as exc:
        return _skip(_note(exc))
    out = _t(timing)
    if (size := size_of(timing.value)) is not None:
        out["value"] = size
    return out


def _http_columns(result: dict, options: dict, binary: str | None, server_db: Path, scratch: Path) -> None:
    """Each named query over HTTP: Oxigraph server and mdgraph serve (--url, or --serve). The
    servers run side by side and are asked in turn, request by request (measure.alternated)."""
    timeout = options["query_timeout"]
    servers: list[tuple[str, Server | None, str]] = []
    if binary and not options["no_server"]:
        port = free_port()
        servers.append(("Oxigraph server", Server(
            [binary, "serve-read-only", "--location", str(server_db), "--bind", f"127.0.0.1:{port}",
             "--union-default-graph", "--timeout-s", str(int(timeout))], f"http://127.0.0.1:{port}",
            "/query?query=ASK%7B%7D", log=scratch / "oxigraph-server.log"), f"http://127.0.0.1:{port}/query"))
    if options.get("url"):
        servers.append(("mdgraph serve", None, options["url"]))
    elif options.get("serve"):
        server = mdgraph_server(scratch / "data", scratch / "mdgraph-serve.log", timeout)
        servers.append(("mdgraph serve", server, server.url + "/sparql"))
    with contextlib.ExitStack() as running, httpx.Client(timeout=timeout + 5) as client:
        urls = {}
        for label, server, url in servers:
            try:
                if server is not None:
                    running.enter_context(server)
                urls[label] = url
            except Exception as exc:
                result["notes"].append(f"{label} skipped: {_note(exc)}")
        for row in result["queries"]:
            if row.get("_slow"):
                row.update({label: _skip(f"not run: pyoxigraph > {timeout:g} s") for label in urls})
                continue
            asks = {label: partial(sparql_over_http, client, url, row["_inline"]) for label, url in urls.items()}
            timings = alternated(asks, options["repeat"], note=partial(_http_note, timeout=timeout))
            row.update({label: {**_t(timing), "value": timing.value} for label, timing in timings.items()})
        for label, server, _ in servers:
            if server is not None and label in urls:
                result.setdefault("server_memory", {})[label] = server.peak_memory


def mdgraph_server(data: Path, log: Path, timeout: float) -> Server:
    """`mdgraph serve` of the graph published under `data` (MDGRAPH_DATA_DIR), on a free port,
    with no result limit and `timeout` seconds per query."""
    port = free_port()
    env = dict(os.environ, MDGRAPH_DATA_DIR=str(data), MDGRAPH_RESULT_LIMIT="100000000",
               MDGRAPH_QUERY_TIMEOUT=str(timeout), PYTHONPATH=str(ROOT / "src"))
    command = [sys.executable, "-c", "import sys; from mdgraph.cli import main; sys.exit(main(sys.argv[1:]))",
               "serve", "--host", "127.0.0.1", "--port", str(port)]
    return Server(command, f"http://127.0.0.1:{port}", "/health", env=env, log=log)


def _http_note(exc: Exception, timeout: float) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return f"> {timeout:g} s"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, ValueError):  # JSON cut short: the server stopped the query at its own time limit
        return f"> {timeout:g} s, answer cut short"
    return _note(exc)


def view_questions() -> list[tuple[str, Callable]]:
    """What a page asks the views, as (label, ask(views)) for opened and warmed Views."""
    from mdgraph.views import Filters

    questions = [(f"search {text!r}", lambda v, text=text: v.search(text)) for text in SEARCHES]
    questions += [(f"suggest {text!r}", lambda v, text=text: v.suggest(text)) for text in SUGGESTIONS]
    questions.append(("search 'diaspora'", lambda v: v.search("diaspora", limit=1000)))
    filters = [("no filter", Filters()), ("country=md", Filters(countries=("md",))),
               ("role=funder", Filters(roles=("funder",))), ("year=2010", Filters(year=2010)),
               ("organisation=iom&role=partner&year=2012",
                Filters(organisations=("iom",), roles=("partner",), year=2012)),
               ("country=md&year=2010", Filters(countries=("md",), year=2010)),
               ("role=funder&year=2010", Filters(roles=("funder",), year=2010))]
    for label, chosen in filters:
        questions.append((f"facets, {label}", lambda v, f=chosen: v.facets(f)))
    for label, chosen in filters:
        questions.append((f"3W top 500 cells, {label}", lambda v, f=chosen: v.three_w(f, limit=500)))
    whole = [*filters[:4], ("organisation=iom", Filters(organisations=("iom",))),
             ("role=implementer,partner", Filters(roles=("implementer", "partner"))), filters[4], filters[6]]
    for label, chosen in whole:
        questions.append((f"3W whole cube, {label}", lambda v, f=chosen: v.three_w(f)))
    for label, chosen in filters:  # one click from an unfiltered page (made when warming), then two
        for rows, columns in (("organisation", "sector"), ("organisation", "country")):
            questions.append((f"3W matrix {rows} × {columns}, {label}",
                              lambda v, f=chosen, r=rows, c=columns: v.matrix(f, r, c).rows))
    questions.append(("programme list, first page of 50, country=md",
                      lambda v: v.programmes(Filters(countries=("md",)), limit=50)))
    questions.append(("programme list, all, no filter (CSV export)", lambda v: v.programmes(Filters())))
    questions.append(("programme list, all, year=2010", lambda v: v.programmes(Filters(year=2010))))
    return questions


def _views_rows(views, memory: ox.Store, repeat: int) -> list[dict]:
    from mdgraph.views import Views

    views.warm()  # as mdgraph serve does when it opens views

    def warm_up():
        with Views.open(views.path) as fresh:
            fresh.warm()
            return fresh.stats().programmes

    rows = [{"name": label, **_measure(partial(ask, views), repeat)} for label, ask in view_questions()]
    for label, question in (("3W whole cube, no filter, views just opened", lambda fresh: fresh.three_w()),
                            ("programme list, all, views just opened", lambda fresh: fresh.programmes())):
        rows.append({"name": label, **_first_question(views.path, question, repeat)})
    rows.append({"name": "views warm-up after a publish (mdgraph serve: in the background)", **_measure(warm_up, repeat)})
    scan = _measure(lambda: list(memory.query(TEXT_SCAN, use_default_graph_as_union=True)), repeat)
    rows.append({"name": "for comparison: CONTAINS(LCASE(?title), \"diaspora\") in pyoxigraph", **scan,
                 "compare": True})
    return rows


def scaling_stage(options: dict) -> dict:
    """Every views question asked of the smallest and the largest size's views in turn, one
    run of each per round (measure.alternated), so the load of a shared machine falls on
    both alike: the sizes are otherwise measured minutes apart, in separate stages. With
    --serve, the pages and named queries too (`_served_in_turn`)."""
    from mdgraph.views import Views

    with Views.open(Path(options["small"])) as small, Views.open(Path(options["large"])) as large:
        small.warm()
        large.warm()
        rows = []
        for label, ask in view_questions():
            timings = alternated({"small": partial(ask, small), "large": partial(ask, large)}, options["repeat"])
            rows.append({"name": label, **{size: {**_t(timing), "value": _answer_size(timing.value)}
                                           for size, timing in timings.items()}})
    notes = []
    if options.get("serve") and options.get("small_data") and options.get("large_data"):
        try:
            rows += _served_in_turn(options)
        except Exception as exc:
            notes.append(f"pages and named queries not asked in turn: {_note(exc)}")
    return {"rows": rows, "notes": notes}


def _answer_size(value) -> int | str | None:
    """How much an answer held: its length, and for 3W cells the programmes they list too
    (500 cells can list five times the programmes in a graph five times the size)."""
    from mdgraph.views import Cell

    if isinstance(value, list) and value and isinstance(value[0], Cell):
        return f"{len(value)} cells, {sum(len(cell.programmes) for cell in value):,} programmes"
    return size_of(value)


def _served_in_turn(options: dict) -> list[dict]:
    """The pages of VIEW_PAGES and the named queries (their SPARQL over /sparql, parameters in
    a VALUES block) asked of two `mdgraph serve`, of the smallest and the largest size, in turn."""
    timeout = options["query_timeout"]
    with contextlib.ExitStack() as running:
        clients = {}
        for size in ("small", "large"):
            data = Path(options[f"{size}_data"])
            server = running.enter_context(mdgraph_server(data, data.parent / f"mdgraph-serve-{size}.log", timeout))
            clients[size] = running.enter_context(httpx.Client(base_url=server.url, timeout=timeout + 60))
            _views_ready(clients[size], timeout + 60)
        asked = [(_page_name(path), {size: partial(_page, client, path) for size, client in clients.items()})
                 for path in VIEW_PAGES]
        for name, text, bindings in catalogue():
            inline = inline_values(text, {key: value.n3() for key, value in bindings.items()})
            asked.append((f"named query {name} over HTTP (mdgraph serve)",
                          {size: partial(_named_answer, client, inline) for size, client in clients.items()}))
        rows = []
        for name, asks in asked:
            timings = alternated(asks, options["repeat"], note=partial(_http_note, timeout=timeout))
            rows.append({"name": name, **{size: {**_t(timing), "value": timing.value}
                                          for size, timing in timings.items()}})
    return rows


def _named_answer(client: httpx.Client, query: str) -> str:
    """Ask /sparql; how many rows and bytes came back (a row can grow too: GROUP_CONCAT)."""
    answer = sparql_answer(client, "/sparql", query)
    return f"{len(answer.json()['results']['bindings'])} rows, {len(answer.content) / 1e6:.2f} MB"


def _first_question(path: Path, question, repeat: int) -> dict:
    """The first question after a publish as mdgraph serve answers it: its watcher has
    reopened and warmed the views (the warm-up row) before the question comes."""
    from mdgraph.views import Views

    times = []
    for _ in range(repeat):
        with Views.open(path) as fresh:
            fresh.warm()
            timing = once(partial(question, fresh))
        times.append(timing.median)
    return {**_t(Timing(sorted(times)[len(times) // 2], len(times))), "value": len(timing.value)}


#: Pages and exports of `mdgraph serve` that read the views, timed over HTTP with --serve.
VIEW_PAGES = ["/3w", "/3w?country=md", "/3w?role=funder", "/3w?year=2010", "/3w?rows=organisation&columns=country",
              "/programmes", "/programmes.csv", "/programmes.json", "/programmes.json?year=2010",
              "/3w.csv", "/3w.json?role=funder"]


def _views_over_http(path: Path, scratch: Path, options: dict, result: dict) -> None:
    """The graph published to an on-disk store with its views, served by `mdgraph serve`;
    each page of VIEW_PAGES timed over HTTP, and the server's peak memory."""
    from mdgraph.store import open_store
    from mdgraph.views import build_views

    data = scratch / "data"
    store = open_store(f"oxigraph://{data.resolve()}/store")
    try:
        _stage_and_publish(store, path, result)
        build_views(store, data / "views.sqlite")  # of the published store's version, as mdgraph build makes them
    finally:
        store.close()
    result["data_dir"] = str(data)
    try:
        with mdgraph_server(data, scratch / "mdgraph-serve.log", options["query_timeout"]) as server, \
                httpx.Client(base_url=server.url, timeout=options["query_timeout"] + 60) as client:
            ready = once(partial(_views_ready, client, options["query_timeout"] + 60))
            result["views"].append({"name": "mdgraph serve: views warm after the start (/health)", **_t(ready)})
            for path in VIEW_PAGES:
                result["views"].append({"name": _page_name(path), **_http_page(partial(_page, client, path), options)})
            result.setdefault("server_memory", {})["mdgraph serve"] = server.peak_memory
    except Exception as exc:
        result["notes"].append(f"mdgraph serve skipped: {_note(exc)}")


def _page_name(path: str) -> str:
    return f"HTTP GET {path} (mdgraph serve)"


def _page(client: httpx.Client, path: str) -> str:
    """GET a page; its size, as the tables show it."""
    answer = client.get(path)
    answer.raise_for_status()
    return f"{len(answer.content) / 1e6:.2f} MB"


def _views_ready(client: httpx.Client, patience: float) -> None:
    """Wait until the server says its views are warm: pages are timed as they are served
    from then on, not while the warming thread competes with them."""
    deadline = time.monotonic() + patience
    while client.get("/health").json().get("views") != "ready":
        if time.monotonic() > deadline:
            raise TimeoutError(f"the views were not warm after {patience:g} s")
        time.sleep(0.05)


def _http_page(get: Callable[[], str], options: dict) -> dict:
    try:
        timing = timed(get, options["repeat"])
    except httpx.HTTPError as exc:
        return _skip(_note(exc))
    return {**_t(timing), "value": timing.value}


# -- the views alone, for graphs too large to go through rdflib -----------------------------------

class _PyoxigraphSource:
    """Just enough of a GraphStore for build_views: a pyoxigraph store queried over the union."""

    def __init__(self, store: ox.Store) -> None:
        self.store = store

    def version(self) -> str:
        return "bench"

    def query(self, sparql: str):
        from mdgraph.store import QueryResult

        answer = self.store.query(sparql, use_default_graph_as_union=True)
        return QueryResult.from_solutions(answer)


def views_stage(options: dict) -> dict:
    """Views built from pyoxigraph loaded directly (no rdflib, no publish), then the views
    questions; with --serve, also the pages that read them over HTTP (after a publish)."""
    from mdgraph.views import Views, build_views

    work = Path(options["work"])
    path, quads = ensure_graph(work, options["triples"], options["seed"])
    scratch = work / f"views-{options['triples']}"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    result: dict = {"triples": quads, "loads": {}, "pipeline": {}, "queries": [], "notes": [
        "views only (--views-only): built from pyoxigraph, no rdflib, no publish, no named queries"]}
    memory = ox.Store()
    result["loads"]["pyoxigraph (memory)"] = _t(once(partial(memory.bulk_load, path=str(path),
                                                                format=ox.RdfFormat.N_QUADS)))
    timing = once(partial(build_views, _PyoxigraphSource(memory), scratch / "views.sqlite"))
    result["pipeline"]["build views"] = _t(timing)
    result["view_stats"] = {k: v for k, v in vars(timing.value).items() if isinstance(v, int)}
    with Views.open(scratch / "views.sqlite") as views:
        result["views"] = _views_rows(views, memory, options["repeat"])
    result["views_path"] = str(scratch / "views.sqlite")
    result["notes"].append(f"views file: {(scratch / 'views.sqlite').stat().st_size / 2**20:.1f} MiB")
    result["peak_memory"] = peak_memory()
    if options.get("serve"):
        _views_over_http(path, scratch, options, result)
    return result


# -- build throughput ------------------------------------------------------------------------------

def build_stage(options: dict) -> dict:
    work = Path(options["work"])
    corpus = ensure_documents(work, options["documents"], options["seed"])
    result = {"documents": options["documents"]}
    try:
        from mdgraph.build import build
        from mdgraph.config import Settings

        data = work / f"build-{options['documents']}"
        shutil.rmtree(data, ignore_errors=True)
        settings = Settings.from_env({"MDGRAPH_DATA_DIR": str(data)})
        with TreePeak() as tree:
            timing = once(lambda: build(settings, corpus))
        result["peak_memory_with_workers"] = tree.peak
        report = timing.value
        validation = getattr(report, "validation", None)
        result.update(seconds=timing.median, programmes=getattr(report, "programmes", None),
                      triples=getattr(report, "triples", None), published=getattr(report, "published", None),
                      violations=sum(v.severity == "Violation" for v in validation.violations) if validation else None)
    except Exception as exc:
        result.update(seconds=None, note=_note(exc))
    result["peak_memory"] = peak_memory()
    return result


# -- reasoning and validation ----------------------------------------------------------------------

def reason_stage(options: dict) -> dict:
    """Reasoning and validation as a build runs them: on a pyoxigraph store holding the named
    graphs (the generated inferred graph cleared first); --reference adds owlrl on rdflib."""
    from mdgraph.ontology import load_ontology
    from mdgraph.config import Settings
    from mdgraph.reason import compile_rules, infer_in_store
    from mdgraph.validate import load_shapes, validate

    work = Path(options["work"])
    path, quads = ensure_graph(work, options["reason_triples"], options["seed"])
    settings = Settings()
    staged = ox.Store()
    staged.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    staged.update("CLEAR GRAPH <https://w3id.org/mdgraph/graph/inferred>")
    result: dict = {"triples": len(staged)}
    try:
        rules = compile_rules(load_ontology(settings.ontology_dir))
        result["infer"] = _t(once(partial(infer_in_store, staged, rules)))
    except Exception as exc:
        result["infer"] = _skip(_note(exc))
    try:
        shapes = load_shapes(settings.shapes_dir)
        timing = once(partial(validate, staged, shapes, qc_dir=settings.queries_dir / "qc"))
        result["validate"] = _t(timing)
        result["conforms"] = timing.value.conforms
        result["violations"] = len(timing.value.violations)
    except Exception as exc:
        result["validate"] = _skip(_note(exc))
    if options["reference"]:
        result["owlrl"] = _t(timed_in_fork(partial(_owlrl_closure, path), 1, options["rdflib_timeout"] * 10))
    result["peak_memory"] = peak_memory()
    return result


def _owlrl_closure(path: Path) -> None:
    import rdflib

    from mdgraph.reason import reference_closure

    dataset = rdflib.Dataset()
    dataset.parse(str(path), format="nquads")
    data, ontology = rdflib.Graph(), rdflib.Graph()
    for s, p, o, g in dataset.quads((None, None, None, None)):
        if not str(g).endswith("/graph/inferred"):
            (ontology if str(g).endswith("/graph/ontology") else data).add((s, p, o))
    reference_closure(data, ontology)


STAGES = {"graph": graph_stage, "views": views_stage, "build": build_stage, "reason": reason_stage,
          "scaling": scaling_stage}
