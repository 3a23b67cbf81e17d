"""Query runners awaited on an event loop (`query_async`): the same answers and errors as
`query`, a time limit that really stops a process worker, and a worker never left holding an
exchange that was cut short (its late answer must not reach the next query)."""

from __future__ import annotations

import asyncio

import pytest
from test_hostile_live import publish_to

from mdgraph.config import Settings
from mdgraph.errors import QueryError
from mdgraph.service import Service
from mdgraph.store import QueryTimeout, default_store_url, open_store
from mdgraph.store.pool import ProcessRunner, ThreadRunner

LABELS = "SELECT ?s ?label WHERE { ?s <http://www.w3.org/2000/01/rdf-schema#label> ?label } ORDER BY ?s ?label"
RUNAWAY = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l . ?m ?n2 ?o }"


@pytest.fixture(scope="module")
def store_url(tmp_path_factory, sample_dataset) -> str:
    return default_store_url(Settings(data_dir=publish_to(tmp_path_factory.mktemp("pool"), sample_dataset)))


@pytest.fixture(scope="module")
def process_runner(store_url):
    runner = ProcessRunner(store_url, 2)
    yield runner
    runner.close()


@pytest.fixture(scope="module")
def thread_runner(store_url):
    store = open_store(store_url)
    runner = ThreadRunner(store, 2)
    yield runner
    runner.close()
    store.close()


@pytest.fixture(params=["process", "thread"])
def runner(request, process_runner, thread_runner):
    return process_runner if request.param == "process" else thread_runner


def test_async_answers_as_sync(runner):
    expected = runner.query(30, LABELS, {})
    assert expected.rows()

    async def both():
        return await asyncio.gather(*(runner.query_async(30, LABELS, {}) for _ in range(4)))

    assert all(answer == expected for answer in asyncio.run(both()))


def test_async_errors_as_sync(runner):
    with pytest.raises(QueryError, match="syntax"):
        asyncio.run(runner.query_async(30, "SELECT WHERE {", {}))
    assert asyncio.run(runner.query_async(30, "ASK {}", {})).boolean  # the runner still answers


def test_async_time_limit_stops_the_worker(process_runner):
    workers = set(process_runner._all)
    with pytest.raises(QueryTimeout, match="limit"):
        asyncio.run(process_runner.query_async(0.5, RUNAWAY, {}))
    assert asyncio.run(process_runner.query_async(30, "ASK {}", {})).boolean
    assert process_runner._all != workers  # the worker that ran it was replaced


def test_a_cancelled_exchange_retires_its_worker(process_runner):
    """A request cancelled while its query runs: the worker is replaced, and the next query gets
    its own answer, never the abandoned one."""
    before = set(process_runner._all)

    async def cancel_then_ask():
        task = asyncio.create_task(process_runner.query_async(30, RUNAWAY, {}))
        await asyncio.sleep(0.3)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        return await process_runner.query_async(30, LABELS, {})

    answer = asyncio.run(cancel_then_ask())
    assert answer == process_runner.query(30, LABELS, {})
    assert not before <= process_runner._all


def test_service_answers_on_the_loop_and_checks_datasets(tmp_path, sample_dataset):
    settings = Settings(data_dir=publish_to(tmp_path, sample_dataset))
    service = Service(settings, query_workers=2)
    try:
        assert asyncio.run(service.query_async(LABELS)) == service.query(LABELS)
        graph = service.store.graph_names()[0]
        named = f"SELECT (COUNT(*) AS ?n) FROM <{graph}> WHERE {{ ?s ?p ?o }}"
        assert asyncio.run(service.query_async(named)) == service.query(named)
        with pytest.raises(QueryError, match="does not hold"):
            asyncio.run(service.query_async("ASK { ?s ?p ?o }", default_graph_uris=["http://example.org/elsewhere"]))
    finally:
        service.close()
