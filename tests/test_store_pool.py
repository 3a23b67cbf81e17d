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
from mdgraph.store import QueryResult, QueryTimeout, default_store_url, open_store
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


async def _cancel_a_waiting_request(ask) -> QueryResult:
    """A runaway holds the one worker or slot there is; a second request waits for it and is
    cancelled; then, once the thread that waited for it has had time to take it, one more query."""
    busy = asyncio.create_task(ask(RUNAWAY))
    await asyncio.sleep(0.3)
    waiting = asyncio.create_task(ask(LABELS))
    await asyncio.sleep(0.2)
    waiting.cancel()
    with pytest.raises(QueryTimeout):
        await busy
    with pytest.raises(asyncio.CancelledError):
        await waiting
    await asyncio.sleep(0.3)
    return await ask("ASK {}")


def test_a_request_cancelled_while_waiting_for_a_worker_gives_it_back(store_url):
    """The worker the cancelled request would have got must come back to the pool of one, or
    the next query would starve."""
    runner = ProcessRunner(store_url, 1)
    try:
        assert runner.query(30, "ASK {}", {}).boolean  # the worker is up
        assert asyncio.run(_cancel_a_waiting_request(lambda text: runner.query_async(1.0, text, {}))).boolean
    finally:
        runner.close()


def test_a_request_cancelled_while_waiting_for_a_slot_gives_it_back(tmp_path, sample_dataset):
    """The one admission slot the cancelled request would have got must be released, or every
    later query would be refused as busy."""
    settings = Settings(data_dir=publish_to(tmp_path, sample_dataset), max_pending_queries=1, query_timeout=0.8)
    service = Service(settings, query_workers=2)
    try:
        assert service.query("ASK {}").boolean  # the workers are up
        assert asyncio.run(_cancel_a_waiting_request(service.query_async)).boolean
    finally:
        service.close()
