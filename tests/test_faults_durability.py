"""Nothing lost: `mdgraph build` and `mdgraph ingest` killed (SIGKILL) at random points leave
the previous graph intact and queryable, a re-run gives the same graph as an uninterrupted
run, and a full disk fails a build with a clear error and the old graph intact."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from rdflib import BNode

from mdgraph.config import PROJECT_ROOT, Settings
from mdgraph.store import default_store_url, open_store

SRC = PROJECT_ROOT / "src"
SMALL = ("002_e75733806504108c.txt", "004_d72a7b19d44a3b36.txt")  # the two shortest corpus documents
EXTRA = PROJECT_ROOT / "corpus" / "000_9e8371de64f0ea71.txt"
SEED = 6
KILLS = 2


def corpus_of(folder: Path, names) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        shutil.copy(PROJECT_ROOT / "corpus" / name, folder / name)
    manifest = yaml.safe_load((PROJECT_ROOT / "corpus" / "manifest.yaml").read_text())
    manifest["documents"] = [entry for entry in manifest["documents"] if entry["file"] in names]
    (folder / "manifest.yaml").write_text(yaml.safe_dump(manifest))
    return folder


def cli(data_dir: Path, corpus: Path, *args: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(SRC), "MDGRAPH_DATA_DIR": str(data_dir), "MDGRAPH_CORPUS_DIR": str(corpus)}
    return subprocess.Popen([sys.executable, "-m", "mdgraph.cli", *args, "--quiet"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def finish(process: subprocess.Popen) -> tuple[int, str]:
    _, stderr = process.communicate(timeout=300)
    return process.returncode, stderr.decode()


def quads(data_dir: Path) -> list[tuple]:
    """Every quad of the published graph (a list, so duplicates would show; blank nodes, whose
    labels differ between runs, all written `_:`)."""
    store = open_store(default_store_url(Settings(data_dir=data_dir)))
    try:
        return sorted(tuple("_:" if isinstance(term, BNode) else str(term) for term in row) for row in
                      store.query("SELECT ?s ?p ?o ?g WHERE { GRAPH ?g { ?s ?p ?o } }").rows())
    finally:
        store.close()


def kill_at_random_points(run, data_dir: Path, allowed: list[list[tuple]]) -> None:
    """Start `run()` KILLS times, SIGKILL it after a seeded random delay, check the graph each time."""
    chance = random.Random(SEED)
    for _ in range(KILLS):
        process = run()
        time.sleep(chance.uniform(0.2, 2.5))
        process.send_signal(signal.SIGKILL)
        process.wait(30)
        assert quads(data_dir) in allowed  # the old graph or the new one, never a mixture


@pytest.fixture(scope="module")
def small_build(tmp_path_factory):
    """A data dir with the two-document corpus built, and its graph."""
    root = tmp_path_factory.mktemp("durable")
    corpus = corpus_of(root / "corpus", SMALL)
    data_dir = root / "reference"
    assert finish(cli(data_dir, corpus, "build"))[0] == 0
    return root, corpus, data_dir, quads(data_dir)


def test_a_killed_build_leaves_the_old_graph_and_a_rerun_completes(small_build):
    root, small, reference, old = small_build
    full = PROJECT_ROOT / "corpus"
    clean = root / "clean-full"
    assert finish(cli(clean, full, "build"))[0] == 0
    new = quads(clean)
    data_dir = root / "killed-build"
    shutil.copytree(reference, data_dir, symlinks=True)
    kill_at_random_points(lambda: cli(data_dir, full, "build"), data_dir, [old, new])
    code, stderr = finish(cli(data_dir, full, "build"))
    assert code == 0, stderr
    assert quads(data_dir) == new 
    assert len(list((data_dir / "store" / "versions").iterdir())) <= 2  # killed writes were cleaned up


def test_a_killed_ingest_leaves_the_old_graph_and_a_rerun_completes(small_build):
    root, small, reference, old = small_build
    clean = root / "clean-ingest"
    shutil.copytree(reference, clean, symlinks=True)
    assert finish(cli(clean, small, "ingest", str(EXTRA)))[0] == 0
    new = quads(clean)
    data_dir = root / "killed-ingest"
    shutil.copytree(reference, data_dir, symlinks=True)
    kill_at_random_points(lambda: cli(data_dir, small, "ingest", str(EXTRA)), data_dir, [old, new])
    code, stderr = finish(cli(data_dir, small, "ingest", str(EXTRA)))
    assert code == 0, stderr
    assert quads(data_dir) == new 


def test_a_full_disk_fails_the_build_with_a_clear_error_and_keeps_the_old_graph(small_build, tmp_path):
    _, small, _, old = small_build
    mount = tmp_path / "tiny"
    mount.mkdir()
    if os.geteuid() != 0 or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mount)],
                                           capture_output=True).returncode != 0:
        pytest.skip("mounting a tiny tmpfs needs root (CAP_SYS_ADMIN)")
    try:
        data_dir = mount / "data"
        assert finish(cli(data_dir, small, "build"))[0] == 0
        with open(mount / "filler", "wb") as filler:  # take what is left
            try:
                while True:
                    filler.write(b"\0" * 65536)
            except OSError:
                pass
        code, stderr = finish(cli(data_dir, PROJECT_ROOT / "corpus", "build"))
        assert code == 2, stderr
        assert "Traceback" not in stderr and "No space left" in stderr and "unchanged" in stderr, stderr
        assert quads(data_dir) == old
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)
