"""Timing, memory and server helpers for bench/run.py (no mdgraph imports here)."""

from __future__ import annotations

import multiprocessing
import os
import re
import shutil
import signal
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Self

import httpx

ROOT = Path(__file__).resolve().parents[1]
JSON_RESULTS = "application/sparql-results+json"


@dataclass
class Timing:
    """Median seconds over the repetitions that ran, and what the last one returned."""

    median: float | None
    runs: int
    value: object = None
    note: str = ""

    @property
    def ms(self) -> float | None:
        return None if self.median is None else self.median * 1000


def timed(action: Callable[[], object], repeat: int, budget: float = 10.0) -> Timing:
    """Median of up to `repeat` runs after a warm-up run, stopping once `budget` seconds are
    spent; a warm-up longer than half the budget is itself the (single) figure."""
    started = time.perf_counter()
    value = action()  # warm-up: caches, lazy loading, query plans
    first = time.perf_counter() - started
    if first * 2 > budget:
        return Timing(first, 1, value)
    times: list[float] = []
    while len(times) < repeat and (not times or first + sum(times) < budget):
        started = time.perf_counter()
        value = action()
        times.append(time.perf_counter() - started)
    return Timing(statistics.median(times), len(times), value)


#: Actions faster than SMALL_SECONDS get at least SMALL_ROUNDS rounds in `alternated`: their
#: medians move with every scheduling hiccup of a shared machine.
SMALL_SECONDS = 0.02
SMALL_ROUNDS = 200


def alternated(actions: dict[str, Callable[[], object]], repeat: int, budget: float = 10.0,
               note: Callable[[Exception], str] = str) -> dict[str, Timing]:
    """`timed` for actions to compare, asked in turn, one run of each per round, so the load of a
    shared machine falls on all of them alike. After a warm-up round, `repeat` rounds (at least
    SMALL_ROUNDS when every action is fast) until `budget` seconds are spent; a warm-up longer
    than half the budget is itself the figure. An action that raises gets `note(exc)` and no
    more turns."""
    samples: dict[str, list[float]] = {}
    values: dict[str, object] = {}
    failed: dict[str, str] = {}
    spent = 0.0

    def turn(name: str) -> float | None:
        nonlocal spent
        started = time.perf_counter()
        try:
            values[name] = actions[name]()
        except Exception as exc:
            failed[name] = note(exc)
            return None
        elapsed = time.perf_counter() - started
        spent += elapsed
        return elapsed

    first = {name: elapsed for name in actions if (elapsed := turn(name)) is not None}
    slowest = max(first.values(), default=0.0)
    rounds = 0 if slowest * 2 > budget else max(repeat, SMALL_ROUNDS) if slowest < SMALL_SECONDS else repeat
    for _ in range(rounds):
        live = [name for name in first if name not in failed]
        if not live or (spent > budget and all(samples.get(name) for name in live)):
            break
        for name in live:
            if (elapsed := turn(name)) is not None:
                samples.setdefault(name, []).append(elapsed)
    timings = {}
    for name in actions:
        if name in failed:
            timings[name] = Timing(None, 0, None, failed[name])
        else:
            runs = samples.get(name) or [first[name]]
            timings[name] = Timing(statistics.median(runs), len(runs), values[name])
    return timings


def once(action: Callable[[], object]) -> Timing:
    started = time.perf_counter()
    value = action()
    return Timing(time.perf_counter() - started, 1, value)


def peak_memory(pid: int | str = "self") -> int | None:
    """Peak resident memory (VmHWM) of a process in bytes, None when /proc does not tell."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    match = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(match.group(1)) * 1024 if match else None


def _tree_rss(root: int) -> int:
    """Resident memory of a process and all its descendants now, in bytes (from /proc)."""
    parents: dict[int, int] = {}
    sizes: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        ppid = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
        rss = re.search(r"^VmRSS:\s+(\d+) kB", status, re.MULTILINE)
        parents[int(entry.name)] = int(ppid.group(1)) if ppid else 0
        sizes[int(entry.name)] = int(rss.group(1)) * 1024 if rss else 0
    total, pending = 0, [root]
    while pending:
        pid = pending.pop()
        total += sizes.get(pid, 0)
        pending.extend(child for child, parent in parents.items() if parent == pid)
    return total


class TreePeak:
    """Samples the resident memory of this process and its worker processes (a build runs
    extraction and batches in a pool) every `interval` seconds; `peak` is the largest sum seen."""

    def __init__(self, interval: float = 0.25) -> None:
        self.interval, self.peak = interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            self._stop.wait(self.interval)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def _child(measure: Callable[[], dict[str, Timing]], pipe) -> None:
    """Send back what `measure` found, as medians, runs, sizes of the values and notes."""
    try:
        pipe.send({name: (t.median, t.runs, size_of(t.value), t.note) for name, t in measure().items()})
    except Exception as exc:  # report any failure of the measured engine as a note
        pipe.send(f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:120])


def size_of(value) -> int | None:
    """len(value), None for a value without one."""
    try:
        return len(value)
    except TypeError:
        return None


def _forked(measure: Callable[[], dict[str, Timing]], names: Iterable[str], timeout: float) -> dict[str, Timing]:
    """`measure` in a forked child killed after `timeout` seconds (for engines that cannot be
    interrupted, such as rdflib's query evaluation); each value becomes its len()."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_child, args=(measure, sender))
    process.start()
    sender.close()
    if receiver.poll(timeout):
        found = receiver.recv()
        process.join()
        if isinstance(found, str):
            return {name: Timing(None, 0, None, found) for name in names}
        return {name: Timing(*figures) for name, figures in found.items()}
    process.kill()
    process.join()
    return {name: Timing(None, 0, None, f"> {timeout:g} s") for name in names}


def timed_in_fork(action: Callable[[], object], repeat: int, timeout: float, budget: float = 10.0) -> Timing:
    """`timed` in a forked child killed after `timeout` seconds."""
    return _forked(lambda: {"": timed(action, repeat, min(budget, timeout / 2))}, [""], timeout)[""]


def alternated_in_fork(actions: dict[str, Callable[[], object]], repeat: int, timeout: float,
                       budget: float = 10.0) -> dict[str, Timing]:
    """`alternated` in a forked child killed after `timeout` seconds: engines compared in one
    process, one run of each per round."""
    return _forked(lambda: alternated(actions, repeat, min(budget, timeout / 2)), actions, timeout)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A child HTTP server process, stopped (by its own pid) on exit."""

    def __init__(self, command: list[str], url: str, ready_path: str, env: dict | None = None,
                 log: Path | None = None) -> None:
        self.command, self.url, self.ready_path = command, url, ready_path
        self.env = env
        self.log = log
        self.process: subprocess.Popen | None = None

    def __enter__(self) -> Self:
        output = open(self.log, "wb") if self.log else subprocess.DEVNULL
        self.process = subprocess.Popen(self.command, env=self.env, stdout=output, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"{self.command[0]} exited with {self.process.returncode}"
                                   + (f"; see {self.log}" if self.log else ""))
            try:
                if httpx.get(self.url + self.ready_path, timeout=2).status_code < 500:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"{self.command[0]} did not answer at {self.url} within 120 s")

    @property
    def peak_memory(self) -> int | None:
        return peak_memory(self.process.pid) if self.process else None

    def __exit__(self, *exc) -> None:
        if self.process and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def oxigraph_binary() -> str | None:
    candidate = ROOT / ".venv" / "bin" / "oxigraph"
    return str(candidate) if candidate.exists() else shutil.which("oxigraph")


def sparql_over_http(client: httpx.Client, url: str, query: str) -> int:
    """POST a query (SPARQL 1.1 Protocol, direct body); the number of result rows."""
    return len(sparql_answer(client, url, query).json()["results"]["bindings"])


def sparql_answer(client: httpx.Client, url: str, query: str) -> httpx.Response:
    """POST a query (SPARQL 1.1 Protocol, direct body) for SPARQL JSON results; the answer."""
    response = client.post(url, content=query.encode(), headers={
        "Content-Type": "application/sparql-query", "Accept": JSON_RESULTS})
    response.raise_for_status()
    return response


def inline_values(query: str, values: dict[str, str]) -> str:
    """The query with `VALUES (?a ?b) { (t1 t2) }` opening its first WHERE group: the same
    question for servers that take no bound parameters. `values` are N-Triples terms."""
    if not values:
        return query
    match = re.search(r"\bWHERE\s*\{", query, re.IGNORECASE)
    if not match:
        raise ValueError("no WHERE { in the query")
    block = f" VALUES ({' '.join('?' + name for name in values)}) {{ ({' '.join(values.values())}) }} "
    return query[:match.end()] + block + query[match.end():]


def human_bytes(size: int | None) -> str:
    if size is None:
        return "n/a"
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return str(size)
