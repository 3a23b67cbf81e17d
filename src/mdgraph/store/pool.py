"""Query runners that enforce a time limit without blocking the caller's event loop.

`ProcessRunner` evaluates queries in a small pool of worker processes, each with its own
read-only view of an on-disk store; a query past its limit gets its worker killed (the only
way to stop Oxigraph mid-evaluation) and a fresh one started in the background.
`ThreadRunner` has the same interface for in-memory stores (tests) and remote stores (whose
HTTP timeout ends the thread); a timed-out query there is abandoned, not stopped. Its threads
get a stack of QUERY_STACK_BYTES whatever the platform's default (1 MB on musl), so the
engine's recursion stays far from overflowing within the bounds sparqltext checks.
Both also answer `query_async` on an event loop without borrowing a thread of its pool: that
hop costs about a quarter of a millisecond, more than a small query itself.
"""

from __future__ import annotations

import asyncio
import os
import pickle
import queue
import select
import signal
import struct
import subprocess
import sys
import threading
from collections.abc import Callable
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from time import monotonic
from typing import TypeVar

from ..errors import MdgraphError, StoreError
from .base import GraphStore, QueryResult, QueryTimeout

Taken = TypeVar("Taken")


def _timeout_message(timeout: float | None) -> str:
    return f"the query ran longer than the {timeout:g} s limit and was stopped"


#: Stack of each ThreadRunner thread (address space, touched only as deep as a query recurses).
QUERY_STACK_BYTES = 64 * 1024 * 1024
_STACK_SIZE_LOCK = threading.Lock()


class ThreadRunner:
    def __init__(self, store: GraphStore, size: int = 4) -> None:
        self._store = store
        self._tasks: queue.SimpleQueue = queue.SimpleQueue()
        self._threads = []
        with _STACK_SIZE_LOCK:  # threading.stack_size applies to threads started while it is set
            try:
                previous = threading.stack_size(QUERY_STACK_BYTES)
            except (RuntimeError, ValueError):  # the platform fixes thread stacks: keep its default
                previous = None
            try:
                for number in range(size):
                    thread = threading.Thread(target=self._work, name=f"mdgraph-query-{number}", daemon=True)
                    thread.start()
                    self._threads.append(thread)
            finally:
                if previous is not None:
                    threading.stack_size(previous)

    def _work(self) -> None:
        while (task := self._tasks.get()) is not None:
            future, args, kwargs = task
            if not future.set_running_or_notify_cancel():
                continue
            try:
                future.set_result(self._store.query(*args, **kwargs))
            except BaseException as exc:  # handed to the caller, who decides what it means
                future.set_exception(exc)

    def _submit(self, args, kwargs) -> Future:
        future: Future = Future()
        self._tasks.put((future, args, kwargs))
        return future

    def query(self, timeout: float | None, *args, **kwargs) -> QueryResult:
        future = self._submit(args, kwargs)
        try:
            return future.result(timeout)
        except FutureTimeout:
            future.cancel()
            raise QueryTimeout(_timeout_message(timeout)) from None

    async def query_async(self, timeout: float | None, *args, **kwargs) -> QueryResult:
        future = self._submit(args, kwargs)
        try:
            async with asyncio.timeout(timeout):
                return await asyncio.wrap_future(future)
        except TimeoutError:  # the wrapped future was cancelled, and with it the task
            raise QueryTimeout(_timeout_message(timeout)) from None

    def close(self) -> None:
        for _ in self._threads:
            self._tasks.put(None)


class _Worker:
    """One query process: `python -m mdgraph.store.pool URL`, speaking length-prefixed pickles
    on its stdin and stdout (a plain subprocess, so no parent __main__ is ever re-imported)."""

    def __init__(self, url: str) -> None:
        package_root = str(Path(__file__).resolve().parents[2])
        path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH", "")) if p)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "mdgraph.store.pool", url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,
            env={**os.environ, "PYTHONPATH": path},
        )

    def send(self, message) -> None:
        _write(self.process.stdin, message)

    def receive(self, timeout: float | None):
        """The next message, or raise TimeoutError when none arrives within `timeout` seconds."""
        ready, _, _ = select.select([self.process.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError
        return _read(self.process.stdout)

    async def receive_async(self, timeout: float | None):
        """receive() on an event loop: the loop is woken when the answer starts to arrive, then
        reads it (an answer over LOOP_READ_BYTES is read by a thread, so the loop never stalls)."""
        loop = asyncio.get_running_loop()
        arriving = loop.create_future()
        fd = self.process.stdout.fileno()
        loop.add_reader(fd, lambda: arriving.done() or arriving.set_result(None))
        try:
            async with asyncio.timeout(timeout):
                await arriving
        finally:
            loop.remove_reader(fd)
        size = struct.unpack(">Q", _read_exactly(self.process.stdout, 8))[0]
        if size > LOOP_READ_BYTES:
            return pickle.loads(await asyncio.to_thread(_read_exactly, self.process.stdout, size))
        return pickle.loads(_read_exactly(self.process.stdout, size))

    def stop(self) -> None:
        self.process.kill()
        self.process.wait(5)
        self.process.stdin.close()
        self.process.stdout.close()


def _write(stream, message) -> None:
    data = pickle.dumps(message, protocol=pickle.HIGHEST_PROTOCOL)
    header = struct.pack(">Q", len(data))
    # one write for a small message (two would wake the reader twice); a large one (an answer
    # can be tens of megabytes) goes after its header uncopied. Each part is written whole
    # (an unbuffered pipe may take part of a write).
    for part in ((header + data,) if len(data) <= JOIN_BYTES else (header, data)):
        view = memoryview(part)
        while view:
            view = view[stream.write(view):]
    stream.flush()


def _read(stream):
    header = _read_exactly(stream, 8)
    return pickle.loads(_read_exactly(stream, struct.unpack(">Q", header)[0]))


def _read_exactly(stream, size: int) -> bytearray:
    """`size` bytes read straight into one buffer (a pipe hands them over 64 KiB at a time). The
    pipe may be non-blocking (an event loop watching it makes it so): then wait until it is readable."""
    buffer = bytearray(size)
    view = memoryview(buffer)
    done = 0
    while done < size:
        count = stream.readinto(view[done:])
        if count is None:  # nothing yet on a non-blocking pipe
            select.select([stream], [], [])
            continue
        if not count:
            raise EOFError("the query worker exited")
        done += count
    return buffer


#: Largest message written to a pipe in one piece with its length (copied once to join them).
JOIN_BYTES = 1024 * 1024
#: Largest answer an event loop reads from a worker itself (a pipe moves this in well under a millisecond).
LOOP_READ_BYTES = 256 * 1024
#: Seconds between two attempts to start a query worker while the store cannot be opened.
RETRY_INTERVAL = 1.0
#: How often a query waiting for a worker checks whether every start has failed.
_POLL = 0.05


class ProcessRunner:
    def __init__(self, url: str, size: int = 2) -> None:
        self._url = url
        # the worker that answered last answers next: its caches hold what recent queries read
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        self._all: set[_Worker] = set()
        self._lock = threading.Lock()
        self._closed = False
        self._failure: str | None = None
        self._next_attempt = 0.0
        self._size = size
        self._starting = 0
        for _ in range(size):
            self._start_worker()

    def _start_worker(self) -> None:
        """Start a worker in the background; it joins the idle queue once its store is open."""
        with self._lock:
            self._starting += 1
        self._launch()

    def _launch(self) -> None:
        threading.Thread(target=self._spawn, name="mdgraph-spawn", daemon=True).start()

    def _spawn(self) -> None:
        worker = _Worker(self._url)
        try:
            ready = worker.receive(None)
        except (EOFError, OSError, pickle.UnpicklingError):
            ready = ("error", "the worker exited while opening the store")
        with self._lock:
            self._starting -= 1
            if ready[0] != "ready":
                self._failure = str(ready[1])
            if self._closed or ready[0] != "ready":
                worker.stop()
                return
            self._failure = None
            self._all.add(worker)
        self._idle.put(worker)

    def _unavailable(self) -> str | None:
        """Why no worker can answer: every start failed (the store cannot be opened) and none is
        running or starting; else None."""
        with self._lock:
            return self._failure if not self._all and not self._starting else None

    def _retry(self) -> None:
        """While the store cannot be opened, start one new worker at most every RETRY_INTERVAL
        seconds: a repaired store is picked up without a restart, a broken one never spawns in a loop."""
        with self._lock:
            due = self._failure is not None and not self._all and not self._starting and not self._closed
            due = due and monotonic() >= self._next_attempt
            if due:
                self._next_attempt = monotonic() + RETRY_INTERVAL
                self._starting += 1
        if due:
            self._launch()

    def _take(self, timeout: float | None, deadline: float | None) -> _Worker:
        """An idle worker; StoreError as soon as every start has failed, QueryTimeout at the deadline."""
        self._retry()
        while True:
            failure = self._unavailable()
            if failure is not None:
                raise StoreError(f"no query worker could start: {failure}")
            wait = _POLL if deadline is None else min(_POLL, deadline - monotonic())
            if wait <= 0:
                raise QueryTimeout(f"no query worker became free within the {timeout:g} s limit")
            try:
                return self._idle.get(timeout=wait)
            except queue.Empty:
                continue

    def _retire(self, worker: _Worker) -> None:
        with self._lock:
            self._all.discard(worker)
        worker.stop()
        if not self._closed:
            self._start_worker()

    @contextmanager
    def _answering(self, worker: _Worker, timeout: float | None):
        """Around one exchange with `worker`: back to the idle queue when it ends cleanly, else
        retired (killed and replaced), with the failure told as QueryTimeout or StoreError."""
        try:
            yield
        except TimeoutError:
            self._retire(worker)
            raise QueryTimeout(_timeout_message(timeout)) from None
        except (EOFError, OSError, pickle.UnpicklingError) as exc:
            self._retire(worker)
            raise StoreError(f"a query worker failed: {exc}") from exc
        except BaseException:  # cancelled mid-exchange: its answer would be read by the next query
            self._retire(worker)
            raise
        self._idle.put(worker)

    def query(self, timeout: float | None, *args, **kwargs) -> QueryResult:
        deadline = _deadline(timeout)
        worker = self._take(timeout, deadline)
        with self._answering(worker, timeout):
            worker.send((args, kwargs))
            reply = worker.receive(_remaining(deadline))
        return _unpacked(reply)

    async def _take_async(self, timeout: float | None, deadline: float | None) -> _Worker:
        """_take() for an event loop: an idle worker at once, else one waited for in a thread."""
        try:
            return self._idle.get_nowait()
        except queue.Empty:
            return await taken_in_thread(partial(self._take, timeout, deadline), self._idle.put)

    async def query_async(self, timeout: float | None, *args, **kwargs) -> QueryResult:
        deadline = _deadline(timeout)
        worker = await self._take_async(timeout, deadline)
        with self._answering(worker, timeout):
            worker.send((args, kwargs))
            reply = await worker.receive_async(_remaining(deadline))
        return _unpacked(reply)

    def close(self) -> None:
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()


async def taken_in_thread(take: Callable[[], Taken], give_back: Callable[[Taken], object]) -> Taken:
    """take() waited for in a thread, for an event loop. When the caller is cancelled meanwhile,
    what take() then takes is given back (a worker, a slot), never kept by no one."""
    taking = asyncio.ensure_future(asyncio.to_thread(take))
    try:
        return await asyncio.shield(taking)
    except asyncio.CancelledError:
        taking.add_done_callback(lambda done: done.cancelled() or done.exception() or give_back(done.result()))
        raise


def _deadline(timeout: float | None) -> float | None:
    return None if timeout is None else monotonic() + timeout


def _remaining(deadline: float | None) -> float | None:
    return None if deadline is None else max(0.0, deadline - monotonic())


def _unpacked(reply: tuple):
    status, value = reply
    if status == "ok":
        return value
    raise value


def _serve(url: str) -> None:
    """Worker process: open the store read-only, answer queries until the parent goes away."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    requests = sys.stdin.buffer
    replies = os.fdopen(os.dup(1), "wb", buffering=0)
    os.dup2(2, 1)  # anything printed goes to stderr, never into the reply stream
    try:
        _answer(url, requests, replies)
    except (BrokenPipeError, EOFError):
        return  # the parent closed the pipes: it stopped or replaced this worker


def _answer(url: str, requests, replies) -> None:
    from . import open_store

    try:
        store = open_store(url)
        store.is_empty()
    except MdgraphError as exc:
        _write(replies, ("error", str(exc)))
        return
    _write(replies, ("ready", None))
    while True:
        args, kwargs = _read(requests)
        try:
            _write(replies, ("ok", store.query(*args, **kwargs)))
        except MdgraphError as exc:
            _write(replies, ("error", type(exc)(str(exc))))
        except Exception as exc:  # a bug must not kill the worker silently: report it to the caller
            _write(replies, ("error", StoreError(f"query worker failed: {type(exc).__name__}: {exc}")))


if __name__ == "__main__":
    _serve(sys.argv[1])
