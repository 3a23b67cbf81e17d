"""A store another process holds, or that the server may not read or write (issue 6): the real
server keeps running, /health and queries answer 503 with the reason, and once the store is
usable again the server recovers without a restart.

Permissions bind only an unprivileged process. As root the server runs with every capability
dropped (`setpriv --bounding-set=-all`): file modes then bind uid 0 as any other owner. (Running
it as `nobody` needs an interpreter that user can reach; a venv on a pyenv Python under /root
is not.)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import httpx
import pyoxigraph as ox
import pytest
from test_hostile_live import LABELS, SRC, TIMEOUT, _free_port, publish_to


INSERT = "INSERT DATA { GRAPH <https://example.org/g> { <https://example.org/s> <https://example.org/p> 42 } }"
INSERTED = "ASK { <https://example.org/s> <https://example.org/p> 42 }"
ACCEPT_JSON = {"Accept": "application/sparql-results+json"}
#: Polls of a repaired store before giving up (each 0.1 s apart); the runner retries every second.
REPAIR_POLLS = 300


def _published(tmp_path: Path, dataset) -> Path:
    return publish_to(tmp_path / "data", dataset)


def _unprivileged(tmp_path: Path) -> list[str]:
    """A command prefix under which file modes bind the server, or skip."""
    if os.geteuid() != 0:
        return []
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: file modes cannot bind the server")
    prefix = ["setpriv", "--bounding-set=-all", "--inh-caps=-all", "--"]
    secret = tmp_path / "unreadable"
    secret.write_text("x")
    secret.chmod(0)
    probe = subprocess.run([*prefix, sys.executable, "-c", f"open({str(secret)!r}).read()"], capture_output=True,
                           check=False)
    if probe.returncode == 0:
        pytest.skip("dropping capabilities does not take effect here")
    return prefix


def _serve(data_dir: Path, prefix: list[str] = (), entry: str = "app", **env_extra) -> tuple[str, subprocess.Popen]:
    """The real server on a free loopback port, answering (any status) on /health."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(SRC), "MDGRAPH_DATA_DIR": str(data_dir),
           "MDGRAPH_QUERY_TIMEOUT": str(TIMEOUT), **env_extra}
    if entry == "cli":
        command = [sys.executable, "-m", "mdgraph.cli", "serve", "--port", str(port)]
    else:
        code = ("from mdgraph.config import Settings; from mdgraph.web.app import run; "
                f"run(Settings.from_env(), '127.0.0.1', {port})")
        command = [sys.executable, "-c", code]
    log = data_dir.parent / f"server-{port}.log"
    process = subprocess.Popen([*prefix, *command], env=env, stdout=subprocess.DEVNULL, stderr=log.open("wb"))
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}: {log.read_text()[-2000:]}")
        try:
            httpx.get(f"{base}/health", timeout=5)
            return base, process
        except httpx.TransportError:
            time.sleep(0.1)
    process.terminate()
    raise RuntimeError("the server did not answer /health")


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(10)
    except subprocess.TimeoutExpired:  # a request still running keeps uvicorn's graceful shutdown waiting
        process.kill()
        process.wait(10)


def _children(pid: int) -> list[int]:
    """Processes whose parent is `pid` (the query workers)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def _hold(code: str) -> subprocess.Popen:
    """A process that runs `code` (which takes some lock), says so, and waits to be killed."""
    holder = subprocess.Popen([sys.executable, "-c", code + "\nprint('held', flush=True)\nimport time; time.sleep(600)"],
                              stdout=subprocess.PIPE, env={**os.environ, "PYTHONPATH": str(SRC)})
    assert holder.stdout.readline() == b"held\n"
    return holder


def _release(holder: subprocess.Popen) -> None:
    holder.kill()
    holder.wait(10)
    holder.stdout.close()


def _until(check, polls: int = REPAIR_POLLS):
    """The first truthy check() among `polls` tries 0.1 s apart (no assertion on the time taken)."""
    for _ in range(polls):
        answer = check()
        if answer:
            return answer
        time.sleep(0.1)
    return check()


def test_a_store_held_open_for_writing_by_another_process_is_still_served(tmp_path, sample_dataset):
    """RocksDB's LOCK file keeps a second writer out; readers open published versions read-only
    and never need it."""
    data_dir = _published(tmp_path, sample_dataset)
    version = data_dir / "store" / os.readlink(data_dir / "store" / "current")
    holder = _hold(f"import pyoxigraph; store = pyoxigraph.Store({str(version)!r})")
    try:
        with pytest.raises(OSError, match="lock"):
            ox.Store(str(version))  # the lock is really held
        base, process = _serve(data_dir)
        try:
            assert httpx.get(f"{base}/health", timeout=30).status_code == 200
            answer = httpx.get(f"{base}/sparql", params={"query": LABELS}, headers=ACCEPT_JSON, timeout=30)
            assert answer.status_code == 200 and answer.json()["results"]["bindings"]
        finally:
            _stop(process)
    finally:
        _release(holder)


def test_a_publish_in_another_process_stops_no_query_and_writes_wait_for_it(tmp_path, sample_dataset):
    """mdgraph's own publish lock (held as a publish in another process holds it): queries and
    /health answer from the published graph meanwhile; an update waits for the lock (or is
    refused with 503 saying why) and is never half-applied."""
    data_dir = _published(tmp_path, sample_dataset)
    lock = data_dir / "store" / ".publish.lock"
    holder = _hold(f"import fcntl; lock = open({str(lock)!r}, 'w'); fcntl.flock(lock, fcntl.LOCK_EX)")
    base, process = _serve(data_dir, MDGRAPH_UPDATE_TOKEN="secret")
    try:
        with open(lock, "w") as probe, pytest.raises(BlockingIOError):
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)  # the lock is really held
        assert httpx.get(f"{base}/health", timeout=30).status_code == 200
        assert httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30).status_code == 200
        update: dict = {}
        writer = threading.Thread(target=lambda: update.setdefault("answer", httpx.post(
            f"{base}/sparql", content=INSERT.encode(), timeout=120,
            headers={"Content-Type": "application/sparql-update", "Authorization": "Bearer secret"})))
        writer.start()
        assert httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30).status_code == 200
        _release(holder)
        writer.join(120)
        answer = update["answer"]
        assert answer.status_code in (204, 503), answer.text
        inserted = httpx.get(f"{base}/sparql", params={"query": INSERTED}, headers=ACCEPT_JSON, timeout=30).json()
        assert inserted["boolean"] is (answer.status_code == 204)
        labels = httpx.get(f"{base}/sparql", params={"query": LABELS}, headers=ACCEPT_JSON, timeout=30).json()
        assert labels["results"]["bindings"]  # the previous graph is intact
    finally:
        if holder.poll() is None:
            _release(holder)
        _stop(process)


def _damage(data_dir: Path, damage: str) -> list[Path]:
    """Take read permission away; returns the paths to give it back to (deepest first)."""
    root = data_dir / "store"
    version = root / os.readlink(root / "current")
    if damage == "store directory":
        paths = [root]
    elif damage == "published version":
        paths = [version]
    else:  # the database files
        paths = sorted(version.iterdir())
    for path in paths:
        path.chmod(0)
    return paths


def _repair(paths: list[Path]) -> None:
    for path in paths:
        path.chmod(0o755 if path.is_dir() else 0o644)


@pytest.mark.parametrize("entry, damage", [
    ("app", "store directory"),
    ("app", "published version"),
    ("app", "database files"),
    ("cli", "published version"),
])
def test_a_store_the_server_may_not_read_gives_503_until_repaired(tmp_path, sample_dataset, entry, damage):
    prefix = _unprivileged(tmp_path)
    data_dir = _published(tmp_path, sample_dataset)
    paths = _damage(data_dir, damage)
    try:
        # a limit far above the answer's time: a query must not wait for it when no worker can start
        base, process = _serve(data_dir, prefix, entry, MDGRAPH_QUERY_TIMEOUT="300")
        try:
            for _ in range(3):
                health = httpx.get(f"{base}/health", timeout=30)
                assert health.status_code == 503 and "Permission denied" in health.json()["detail"], health.text
                query = httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30)
                assert query.status_code == 503 and "Permission denied" in query.text, query.text
                assert "Traceback" not in query.text and query.headers["Retry-After"]
            assert process.poll() is None and len(_children(process.pid)) <= 5  # up, and no spawn loop
            _repair(paths)
            assert _until(lambda: httpx.get(f"{base}/health", timeout=30).status_code == 200)
            assert _until(lambda: httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30).status_code == 200)
        finally:
            _stop(process)
    finally:
        _repair(paths)


def test_a_read_only_store_serves_queries_and_refuses_writes_with_503(tmp_path, sample_dataset):
    prefix = _unprivileged(tmp_path)
    data_dir = _published(tmp_path, sample_dataset)
    read_only = [data_dir / "store", data_dir / "store" / "versions"]
    for path in read_only:
        path.chmod(0o555)
    update = {"content": INSERT.encode(), "timeout": 60,
              "headers": {"Content-Type": "application/sparql-update", "Authorization": "Bearer secret"}}
    try:
        base, process = _serve(data_dir, prefix, MDGRAPH_UPDATE_TOKEN="secret")
        try:
            assert httpx.get(f"{base}/health", timeout=30).status_code == 200
            refused = httpx.post(f"{base}/sparql", **update)
            assert refused.status_code == 503 and "Permission denied" in refused.text, refused.text
            assert "unchanged" in refused.text
            assert httpx.get(f"{base}/sparql", params={"query": LABELS}, timeout=30).status_code == 200
            for path in read_only:
                path.chmod(0o755)
            assert httpx.post(f"{base}/sparql", **update).status_code == 204
            assert httpx.get(f"{base}/sparql", params={"query": INSERTED}, headers=ACCEPT_JSON,
                             timeout=30).json()["boolean"] is True
        finally:
            _stop(process)
    finally:
        for path in read_only:
            path.chmod(0o755)
