"""The `mdgraph` command through a real process: exit codes (0 ok, 1 violations, 2 error) and
one-line errors, never a traceback. A small corpus keeps it fast; the corpus-sized runs are in
test_corpus_graph.py and test_ingest.py."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import rdflib

from mdgraph.config import PROJECT_ROOT
from mdgraph.namespaces import MDG, MDGID, document_graph
from mdgraph.store import open_store

DATA = Path(__file__).parent / "data" / "ingest"
GOLD = PROJECT_ROOT.parent / "shared" / "eval" / "dev_gold.json"


def mdgraph(data_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("MDGRAPH_")}
    clean.update(MDGRAPH_DATA_DIR=str(data_dir), PYTHONPATH=str(PROJECT_ROOT / "src"), **env)
    return subprocess.run([sys.executable, "-m", "mdgraph.cli", *args], capture_output=True, text=True,
                          env=clean, cwd=data_dir.parent, timeout=300)


def assert_one_line_error(done: subprocess.CompletedProcess, command: str, *words: str) -> None:
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    errors = [line for line in done.stderr.splitlines() if line.startswith(f"mdgraph {command}: error: ")]
    assert len(errors) == 1, done.stderr
    for word in words:
        assert word in errors[0]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("corpus")
    shutil.copy(DATA / "showcase_2017.txt", folder)
    shutil.copy(DATA / "practices_annex.html", folder)
    return folder


@pytest.fixture(scope="module")
def built(corpus, tmp_path_factory) -> tuple[Path, subprocess.CompletedProcess]:
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    return data_dir, mdgraph(data_dir, "build", "--corpus", str(corpus), "--quiet")


@pytest.fixture
def data_dir(built, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built[0], copy, symlinks=True)
    return copy


def test_build_publishes_and_says_what_changed(built):
    _, done = built
    assert done.returncode == 0, done.stderr
    assert "documents      2" in done.stdout and "published to   oxigraph://" in done.stdout
    assert "changes: first publication" in done.stdout


def test_build_of_a_missing_corpus_names_the_folder(tmp_path):
    assert_one_line_error(mdgraph(tmp_path / "data", "build", "--corpus", "/nonexistent"), "build",
                          "/nonexistent", "does not exist")


def test_rebuild_reports_no_change(data_dir, corpus):
    done = mdgraph(data_dir, "build", "--corpus", str(corpus), "--quiet")
    assert done.returncode == 0 and "changes: none" in done.stdout


@pytest.mark.parametrize("args, words", [
    (["SELECT ?x WHERE {"], ["SPARQL syntax error"]),
    (["nosuchname"], ["no query named 'nosuchname'", "programmes-by-country"]),
    (["programmes-by-country", "--param", "nocolon"], ["NAME=VALUE"]),
])
def test_bad_queries_are_one_line_errors(data_dir, args, words):
    assert_one_line_error(mdgraph(data_dir, "query", *args), "query", *words)


def test_queries_by_text_and_by_name(data_dir):
    done = mdgraph(data_dir, "query", "programmes-by-country", "--param",
                   "country=https://w3id.org/mdgraph/id/country/gh", "--format", "json")
    assert done.returncode == 0, done.stderr
    titles = {row["title"]["value"] for row in json.loads(done.stdout)["results"]["bindings"]}
    assert titles == {"Migrant Information Centres for Returning Nurses"}
    done = mdgraph(data_dir, "query", "ASK { ?p a <https://w3id.org/mdgraph/ontology#Programme> }")
    assert (done.returncode, done.stdout.strip()) == (0, "true")


def test_export_and_its_errors(data_dir, tmp_path):
    out = tmp_path / "graph.nq"
    done = mdgraph(data_dir, "export", "--format", "nquads", "--output", str(out))
    assert done.returncode == 0, done.stderr
    dataset = rdflib.Dataset().parse(out, format="nquads")
    assert any(g.identifier == document_graph("showcase-2017") for g in dataset.graphs())
    assert_one_line_error(mdgraph(data_dir, "export", "--format", "turtle", "--output", "/nonexistent/dir/g.ttl"),
                          "export", "/nonexistent/dir/g.ttl", "cannot write")


def test_validate_exit_codes(data_dir, tmp_path):
    done = mdgraph(data_dir, "validate")
    assert done.returncode == 0, done.stdout + done.stderr
    assert_one_line_error(mdgraph(tmp_path / "empty", "validate"), "validate", "mdgraph build")
    broken = rdflib.Dataset()
    broken.graph(document_graph("broken")).add((MDGID["programme/nameless"], rdflib.RDF.type, MDG.Programme))
    store = open_store(f"oxigraph://{tmp_path / 'broken' / 'store'}")
    store.publish(broken)
    store.close()
    done = mdgraph(tmp_path / "broken", "validate")
    assert done.returncode == 1 and "programme/nameless" in done.stdout


@pytest.mark.skipif(not GOLD.exists(), reason="the shared reference facts are not beside the repository")
def test_evaluate_scores_and_names_a_missing_reference_file(data_dir):
    done = mdgraph(data_dir, "evaluate", str(GOLD), "--json")
    assert done.returncode == 0 and "countries" in json.loads(done.stdout)["fields"]
    assert_one_line_error(mdgraph(data_dir, "evaluate", "/nonexistent/gold.json"), "evaluate", "/nonexistent/gold.json")


def test_ingest_twice_then_remove(data_dir, tmp_path):
    document = tmp_path / "follow_up_2018.txt"
    shutil.copy(DATA / "follow_up_2018.txt", document)
    done = mdgraph(data_dir, "ingest", str(document), "--quiet")
    assert done.returncode == 0, done.stderr
    assert "added     follow_up_2018.txt  [follow-up-2018]: 1 programmes" in done.stdout
    assert "document/follow-up-2018 (new)" in done.stdout
    export = tmp_path / "first.nq"
    mdgraph(data_dir, "export", "--format", "nquads", "--output", str(export))

    again = mdgraph(data_dir, "ingest", str(document), "--json")
    assert again.returncode == 0
    assert json.loads(again.stdout)["documents"][0]["status"] == "unchanged"
    second = tmp_path / "second.nq"
    mdgraph(data_dir, "export", "--format", "nquads", "--output", str(second))
    assert export.read_bytes() == second.read_bytes()

    removed = mdgraph(data_dir, "remove", "follow-up-2018", "--quiet")
    assert removed.returncode == 0 and "removed   follow_up_2018.txt" in removed.stdout
    assert_one_line_error(mdgraph(data_dir, "remove", "follow-up-2018"), "remove", "no document 'follow-up-2018'")


def test_unreadable_files_are_quarantined_with_exit_2(data_dir, tmp_path):
    bad = tmp_path / "scan.pdf"
    bad.write_bytes(b"%PDF-1.4\n% nothing readable here\n")
    done = mdgraph(data_dir, "ingest", str(bad), "--quiet")
    assert_one_line_error(done, "ingest", "scan.pdf", "not a readable PDF", "quarantine")
    assert (data_dir / "quarantine" / "scan.pdf").read_bytes() == bad.read_bytes()
    assert "not a readable PDF" in (data_dir / "quarantine" / "scan.pdf.reason.txt").read_text()
    assert_one_line_error(mdgraph(data_dir, "ingest", str(tmp_path / "missing.txt")), "ingest",
                          "missing.txt", "cannot read the file")


def test_ingest_needs_a_published_graph(tmp_path):
    assert_one_line_error(mdgraph(tmp_path / "empty", "ingest", str(DATA / "follow_up_2018.txt")), "ingest",
                          "no graph is published", "mdgraph build")


def test_the_document_size_limit_is_a_setting(data_dir):
    done = mdgraph(data_dir, "ingest", str(DATA / "follow_up_2018.txt"), MDGRAPH_MAX_DOCUMENT_BYTES="100")
    assert_one_line_error(done, "ingest", "over the limit of 100 bytes")


def test_review_lists_what_needs_a_look(data_dir):
    done = mdgraph(data_dir, "review")
    assert done.returncode == 0, done.stderr
    assert "organisations not in the alias table" in done.stdout and "Nordic Health Migration Fund" in done.stdout
    found = json.loads(mdgraph(data_dir, "review", "--json").stdout)
    assert {"unknown_organisations", "unresolved", "without_country", "without_sector"} <= set(found)
