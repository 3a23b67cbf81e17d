"""Warm views: what questions would read on first use is read at once (and by the server's
background watcher after every publish, in this process or another), without changing any
answer."""

from __future__ import annotations

import gc
import os
import threading
import time
import weakref
from array import array
from itertools import permutations
from pathlib import Path

import pytest
import rdflib
from fastapi.testclient import TestClient
from rdflib import Literal
from rdflib.namespace import SKOS

from mdgraph.config import Settings
from mdgraph.namespaces import instance_iri
from mdgraph.service import Service
from mdgraph.store import open_store
from mdgraph.views import Filters, Views, build_views
from mdgraph.views.records import Grid
from mdgraph.web.app import create_app
from mdgraph.web.browse.deps import FreshViews

DATA = Path(__file__).parent / "data" / "views" / "graph.trig"
QUERIES = Path(__file__).parent / "data" / "queries"
FILTERS = [Filters(), Filters(year=2015), Filters(roles=("funder", "partner")), Filters(countries=("md",)),
           Filters(organisations=("iom",), roles=("implementer",)), Filters(sectors=("health",), year=2012)]
AXES = ("organisation", "sector", "country")
#: How long a test waits for the watcher to do what it does about once per `interval`.
PATIENCE = 30.0


def dataset(oim: bool = False) -> rdflib.Dataset:
    """The views test graph; with `oim`, IOM also named "OIM" (a change a rebuild must show)."""
    graph = rdflib.Dataset()
    graph.parse(DATA, format="trig")
    if oim:
        graph.graph(rdflib.URIRef("https://w3id.org/mdgraph/graph/document/doc-b")).add(
            (instance_iri("organisation", "iom"), SKOS.altLabel, Literal("OIM", lang="fr")))
    return graph


@pytest.fixture()
def published(tmp_path):
    store = open_store("memory://")
    store.publish(dataset())
    path = tmp_path / "views.sqlite"
    build_views(store, path)
    yield store, path
    store.close()


def answers(views: Views) -> list:
    found = []
    for filters in FILTERS:
        found += [views.three_w(filters), views.three_w(filters, limit=3), views.programmes(filters),
                  views.programmes(filters, limit=2, offset=1), views.facets(filters), views.count(filters)]
        found += [views.matrix(filters, rows, columns) for rows, columns in permutations(AXES, 2)]
    return found


def test_warm_views_answer_as_cold_ones(published):
    _, path = published
    with Views.open(path) as cold, Views.open(path) as warm:
        assert warm.warm() and not warm.warm()  # the second time there is nothing left to read
        assert answers(warm) == answers(cold)
        for rows, columns in permutations(AXES, 2):  # what /3w opens with was made when warming
            assert warm.matrix(Filters(), rows, columns) is warm.matrix(Filters(), rows, columns)


#: Filters one click away from an unfiltered page: each answered by what warming made.
ONE_CLICK = [Filters(), Filters(roles=("funder",)), Filters(roles=("implementer", "partner")), Filters(year=2015),
             Filters(year=2100), Filters(countries=("md",)), Filters(sectors=("health",)),
             Filters(organisations=("iom",))]


def test_warming_makes_the_facets_and_matrices_one_click_away(published):
    _, path = published
    with Views.open(path) as cold, Views.open(path) as warm:
        warm.warm()
        for filters in ONE_CLICK:
            assert warm.facets(filters) == cold.facets(filters)
            for rows, columns in permutations(AXES, 2):
                made = warm.matrix(filters, rows, columns)
                assert made is warm.matrix(filters, rows, columns) and made == cold.matrix(filters, rows, columns)
        # every year after the last date keeps the same (open-ended) programmes: one answer for all
        assert warm.matrix(Filters(year=2100), *AXES[:2]) is warm.matrix(Filters(year=2200), *AXES[:2])
        for filters in (Filters(countries=("md",), year=2015), Filters(organisations=("iom",), roles=("funder",))):
            assert warm.matrix(filters, *AXES[:2]) is not warm.matrix(filters, *AXES[:2])  # counted when asked
            assert warm.matrix(filters, *AXES[:2]) == cold.matrix(filters, *AXES[:2])


def test_a_grid_is_the_mapping_of_its_pairs_above_zero():
    grid = Grid(["a", "b"], ["x", "y", "z"], array("i", [1, 0, 2, 0, 0, 3]))
    assert grid == {("a", "x"): 1, ("a", "z"): 2, ("b", "z"): 3} and len(grid) == 3 and grid.highest == 3
    assert grid.get(("a", "y"), 0) == 0 and grid.get(("c", "x")) is None and ("b", "z") in grid
    assert grid.transposed() == {(column, row): count for (row, column), count in grid.items()}
    assert grid.keyed(str.upper, str.upper) == {("A", "X"): 1, ("A", "Z"): 2, ("B", "Z"): 3}
    assert Grid([], [], array("i")).highest == 0
    with pytest.raises(ValueError, match="2 x 1 pairs, but 3 counts"):
        Grid(["a", "b"], ["x"], array("i", [1, 2, 3]))


def test_warm_reads_a_replaced_file_and_lets_the_old_one_go(published):
    store, path = published
    with Views.open(path) as views:
        views.warm()
        assert gc.get_freeze_count() > 0  # what the views hold is out of the cyclic collector's way
        before = weakref.ref(views._current())
        store.publish(dataset(oim=True))
        build_views(store, path)
        assert views.warm()
        assert before() is None  # frozen, yet freed by reference counting once replaced
        assert views.search("OIM")[0].key == "iom" and views.store_version == store.version()


def served(keeper: FreshViews) -> tuple | None:
    """(file identity, warm) of what the keeper's views answer from now, None before they open."""
    views = keeper._views
    snapshot = views._snapshot if views is not None else None
    return None if snapshot is None else (snapshot.identity, snapshot._warm)


def identity(path: Path) -> tuple:
    status = os.stat(path)
    return status.st_dev, status.st_ino, status.st_mtime_ns


def wait_for(condition) -> None:
    deadline = time.monotonic() + PATIENCE
    while not condition():
        assert time.monotonic() < deadline, "the views watcher did not catch up"
        time.sleep(0.01)


def test_the_watcher_warms_each_views_file_that_replaces_the_last(tmp_path):
    store = open_store("memory://")
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    path = settings.views_path
    keeper = FreshViews(Service(settings, store), path)
    keeper.start(interval=0.01)
    try:
        store.publish(dataset())
        build_views(store, path)  # no views when the watcher started: it keeps looking
        wait_for(lambda: served(keeper) == (identity(path), True))
        path.with_name("damaged").write_bytes(b"not a views file" * 100)
        os.replace(path.with_name("damaged"), path)
        store.publish(dataset(oim=True))
        build_views(store, path)  # as `mdgraph build` in another process: nobody tells the server
        wait_for(lambda: served(keeper) == (identity(path), True))
        assert keeper.current().search("OIM")[0].key == "iom"
        watcher = keeper._watcher
    finally:
        keeper.stop()
    assert not watcher.is_alive()
    store.close()


def test_the_app_warms_the_views_while_it_runs(tmp_path):
    store = open_store("memory://")
    store.publish(dataset())
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    build_views(store, settings.views_path)
    with TestClient(create_app(settings, Service(settings, store))) as client:
        keeper = client.app.state.browse_views
        watcher = keeper._watcher
        wait_for(lambda: client.get("/health").json()["views"] == "ready")  # what a load balancer can wait for
        assert served(keeper) == (identity(settings.views_path), True)
        assert client.get("/programmes").status_code == 200
    assert not watcher.is_alive()
    store.close()


def test_health_says_whether_the_views_are_ready(tmp_path):
    store = open_store("memory://")
    settings = Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES)
    keeper = FreshViews(Service(settings, store), settings.views_path)
    assert keeper.state() == "absent"  # no views file yet
    store.publish(dataset())
    build_views(store, settings.views_path)
    keeper.warm()  # as the watcher does
    assert keeper.state() == "ready"
    build_views(store, settings.views_path)  # replaced, as by a publish in another process
    assert keeper.state() == "warming"
    keeper.warm()
    assert keeper.state() == "ready"
    store.close()


def test_the_watcher_stops_when_told(tmp_path):
    keeper = FreshViews(Service(Settings(store_url="memory://", data_dir=tmp_path, queries_dir=QUERIES),
                                open_store("memory://")), tmp_path / "views.sqlite")
    keeper.start(interval=3600)
    watcher = keeper._watcher
    assert watcher.daemon and watcher.name in {thread.name for thread in threading.enumerate()}
    keeper.stop()
    assert not watcher.is_alive()


@pytest.mark.parametrize("enabled", [True, False])
def test_the_collector_pauses_while_any_large_answer_is_assembled(enabled):
    from mdgraph.views.reader import _CollectorPause

    pause = _CollectorPause()
    (gc.enable if enabled else gc.disable)()
    try:
        with pause:
            assert not gc.isenabled()
            with pause:  # another question at the same time
                assert not gc.isenabled()
            assert not gc.isenabled()
        assert gc.isenabled() == enabled  # resumed, unless someone else had disabled it
    finally:
        gc.enable()


def test_a_large_answer_leaves_the_collector_running(published):
    _, path = published
    with Views.open(path) as views:
        assert views.three_w(Filters(year=2015)) and views.three_w(Filters(roles=("funder",)))
    assert gc.isenabled()
