"""Corpus growth on a built graph: ingest text, PDF and HTML; the same bytes twice change nothing;
an ingest equals a full build; remove restores; bad files go to quarantine; HTTP upload and list.

Two documents of the project corpus (an IOM showcase and a policy brief) are built once per
module and each test works on its own copy of that data dir: every ingest re-derives, reasons
over and validates the whole corpus, so a small one keeps the suite fast. One test does it on
the whole project corpus.
"""

from __future__ import annotations

import io
import shutil
from dataclasses import replace
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from rdflib.compare import isomorphic
from test_ingest_read import SHEET_LINES, pdf_bytes

from mdgraph.build import build
from mdgraph.config import PROJECT_ROOT, Settings
from mdgraph.ingest.changes import store_snapshot
from mdgraph.ingest.library import Library, Source
from mdgraph.namespaces import ONTOLOGY_GRAPH
from mdgraph.service import Service
from mdgraph.store import open_store
from mdgraph.web.app import create_app
from mdgraph.web.documents import get_document_limit

DATA = Path(__file__).parent / "data" / "ingest"
MDGID = "https://w3id.org/mdgraph/id/"
LIMIT = 1_000_000
PROGRAMMES_BY_FILE = """
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
SELECT ?file ?title WHERE {
  ?programme a mdg:Programme ; rdfs:label ?title ; prov:wasDerivedFrom/dcterms:identifier ?file
} ORDER BY ?file ?title
"""


def settings_for(data_dir: Path, **changes) -> Settings:
    return replace(Settings.from_env({}), data_dir=data_dir, **changes)


SMALL_CORPUS = ("003_7069948202efd022.txt", "004_d72a7b19d44a3b36.txt")


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory) -> Path:
    corpus = tmp_path_factory.mktemp("corpus")
    for name in SMALL_CORPUS:
        shutil.copy(PROJECT_ROOT / "corpus" / name, corpus)
    return corpus


@pytest.fixture(scope="module")
def built(small_corpus, tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("built")
    assert build(settings_for(data_dir), small_corpus).published
    return data_dir


@pytest.fixture
def data_dir(built, tmp_path) -> Path:
    copy = tmp_path / "data"
    shutil.copytree(built, copy, symlinks=True)
    return copy


@pytest.fixture
def service(data_dir):
    service = Service(settings_for(data_dir), query_workers=0)
    yield service
    service.close()


@pytest.fixture
def pdf_file(tmp_path) -> Path:
    path = tmp_path / "showcase_2018.pdf"
    path.write_bytes(pdf_bytes(SHEET_LINES, "Return and Reintegration: Showcase 2018"))
    return path


def sources(*paths: Path) -> list[Source]:
    return [Source.from_path(path, LIMIT) for path in paths]


def nquads(service: Service) -> bytes:
    """The published dataset as sorted N-Quads: byte-comparable."""
    out = io.BytesIO()
    service.export("nquads", out)
    return b"".join(sorted(out.getvalue().splitlines(keepends=True)))


def programmes(service: Service) -> set[tuple[str, str]]:
    return {(str(f), str(t)) for f, t in service.store.query(PROGRAMMES_BY_FILE).rows()}


def derived_from(service: Service, key: str) -> set[str]:
    query = f"SELECT ?d WHERE {{ <{MDGID}programme/{key}> <http://www.w3.org/ns/prov#wasDerivedFrom> ?d }}"
    return {str(d).removeprefix(MDGID + "document/") for (d,) in service.store.query(query).rows()}


def test_text_pdf_and_html_join_the_graph_as_a_full_build_would(service, data_dir, small_corpus, pdf_file, tmp_path):
    report = service.ingest(sources(DATA / "showcase_2017.txt", pdf_file, DATA / "practices_annex.html"))
    assert report.published and report.exit_code == 0, report.text()
    assert [(d.file, d.status) for d in report.documents] == [
        ("showcase_2017.txt", "added"), ("showcase_2018.pdf", "added"), ("practices_annex.html", "added")]
    found = programmes(service)
    assert ("showcase_2017.txt", "Diaspora Skills Transfer for Rural Health Clinics") in found
    assert ("showcase_2018.pdf", "Reintegration Desk for Returning Migrants in Tajikistan") in found
    assert ("practices_annex.html", "Migrant Information Centres for Returning Nurses") in found
    assert ("practices_annex.html", "Remittance Savings Accounts for Rural Families") in found
    sheet = report.documents[0]
    assert sheet.programmes == ["Diaspora Skills Transfer for Rural Health Clinics",
                                "Seasonal Work Bridge between Moldova and Poland"]
    [nordic] = [o for o in sheet.organisations if o["label"].startswith("Nordic Health Migration Fund")]
    assert nordic["new"] is True
    changed = {c.name: c.status for c in report.changes}
    assert changed["document/showcase-2017"] == "new" and changed["inferred"] == "changed"
    assert nordic["key"] in {o["key"] for o in service.review().unknown_organisations}

    # the same bytes again, under any name: nothing changes
    published = nquads(service)
    renamed = tmp_path / "renamed.html"
    shutil.copy(DATA / "practices_annex.html", renamed)
    again = service.ingest(sources(DATA / "showcase_2017.txt", pdf_file, renamed))
    assert [d.status for d in again.documents] == ["unchanged"] * 3 and not again.published
    assert nquads(service) == published

    library = Library.open(data_dir)
    assert sorted(library.entries) == ["practices-annex", "showcase-2017", "showcase-2018"]
    assert all(library.path_of(entry).is_file() for entry in library.entries.values())
    listed = {d["key"]: d for d in service.documents()}
    assert listed["showcase-2018"]["programmes"] == 1 and listed["showcase-2018"]["file"] == "showcase_2018.pdf"
    assert listed["practices-annex"]["programmes"] == 2 and listed["practices-annex"]["triples"] > 20

    # a full build of the corpus plus the same documents gives the same graph, IRIs and all
    assert_same_as_full_build(service, small_corpus, [DATA / "showcase_2017.txt", pdf_file,
                                                      DATA / "practices_annex.html"], tmp_path)


def assert_same_as_full_build(service: Service, corpus: Path, added: list[Path], tmp_path: Path) -> None:
    """A fresh build of `corpus` plus `added` holds the same named graphs as the service's store."""
    corpus = shutil.copytree(corpus, tmp_path / "full-corpus")
    for path in added:
        shutil.copy(path, corpus)
    assert build(settings_for(tmp_path / "full"), corpus).published
    full = open_store(f"oxigraph://{tmp_path / 'full' / 'store'}")
    assert store_snapshot(full) == store_snapshot(service.store)
    ontology = f"CONSTRUCT {{ ?s ?p ?o }} WHERE {{ GRAPH <{ONTOLOGY_GRAPH}> {{ ?s ?p ?o }} }}"
    assert isomorphic(full.query(ontology).graph(), service.store.query(ontology).graph())
    full.close()


def test_on_the_whole_corpus_an_ingest_merges_and_equals_a_full_build(tmp_path):
    """The project corpus, and a document that names a programme and a donor of it again."""
    data_dir = tmp_path / "whole"
    assert build(settings_for(data_dir)).published
    service = Service(settings_for(data_dir), query_workers=0)
    assert service.ingest(sources(DATA / "follow_up_2018.txt")).published
    key = "global-joint-programme-on-mainstreaming-migration-into-national-development-strategies"
    assert derived_from(service, key) == {"003-7069948202efd022", "follow-up-2018"}
    assert_same_as_full_build(service, PROJECT_ROOT / "corpus", [DATA / "follow_up_2018.txt"], tmp_path)
    service.close()


def test_a_new_version_of_a_file_replaces_the_old_facts(service, data_dir, tmp_path):
    """Same file name, other bytes: the document keeps its key and its graph is replaced."""
    newer = tmp_path / "004_d72a7b19d44a3b36.txt"
    newer.write_text((DATA / "showcase_2017.txt").read_text())
    report = service.ingest(sources(newer))
    assert [(d.key, d.status) for d in report.documents] == [("004-d72a7b19d44a3b36", "replaced")]
    titles = {t for f, t in programmes(service) if f == "004_d72a7b19d44a3b36.txt"}
    assert titles == {"Diaspora Skills Transfer for Rural Health Clinics", "Seasonal Work Bridge between Moldova and Poland"}
    assert Library.open(data_dir).entries["004-d72a7b19d44a3b36"].file == "004_d72a7b19d44a3b36.txt"


def test_a_programme_of_two_documents_is_one_node_and_remove_restores_the_graph(service, data_dir):
    before = nquads(service)
    key = "global-joint-programme-on-mainstreaming-migration-into-national-development-strategies"
    assert derived_from(service, key) == {"003-7069948202efd022"}
    report = service.ingest(sources(DATA / "follow_up_2018.txt"))
    assert report.published
    assert derived_from(service, key) == {"003-7069948202efd022", "follow-up-2018"}
    funders = {str(f) for (f,) in service.store.query(
        f"SELECT ?f WHERE {{ <{MDGID}programme/{key}> <https://w3id.org/mdgraph/ontology#fundedBy> ?f }}").rows()}
    assert funders == {MDGID + "organisation/sdc"}

    removed = service.remove("follow_up_2018.txt")
    assert [d.status for d in removed.documents] == ["removed"] and removed.published
    assert {c.name: c.status for c in removed.changes}["document/follow-up-2018"] == "removed"
    assert derived_from(service, key) == {"003-7069948202efd022"}
    assert nquads(service) == before
    assert "follow-up-2018" not in Library.open(data_dir).entries


def test_removing_a_corpus_document_keeps_it_out_of_later_builds(service, data_dir):
    report = service.remove("004-d72a7b19d44a3b36")
    assert report.published
    library = Library.open(data_dir)
    assert library.withdrawn == {"004-d72a7b19d44a3b36"}
    assert "004-d72a7b19d44a3b36" not in {d.key for d in library.documents(library.corpus_dir)}
    assert "004-d72a7b19d44a3b36" not in {d["key"] for d in service.documents()}


def test_bad_files_are_quarantined_and_the_graph_is_untouched(service, data_dir):
    before = nquads(service)
    bad = [Source("empty.txt", b"", 0), Source("image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00", 11),
           Source("latin1.txt", b"caf\xe9 au lait\n", 13), Source("huge.txt", None, 5_000_000)]
    report = service.ingest(bad, max_bytes=1_000_000)
    assert [(d.status, d.too_large) for d in report.documents] == [("rejected", False)] * 3 + [("rejected", True)]
    assert report.exit_code == 2 and not report.published
    reasons = {d.file: d.reason for d in report.documents}
    assert "empty" in reasons["empty.txt"] and "binary" in reasons["image.txt"]
    assert "not UTF-8" in reasons["latin1.txt"] and "over the limit of 1000000 bytes" in reasons["huge.txt"]
    quarantine = data_dir / "quarantine"
    assert (quarantine / "latin1.txt").read_bytes() == b"caf\xe9 au lait\n"
    assert "binary" in (quarantine / "image.txt.reason.txt").read_text()
    assert not (quarantine / "huge.txt").exists() and (quarantine / "huge.txt.reason.txt").exists()
    assert nquads(service) == before


SHAPE = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix mdg: <https://w3id.org/mdgraph/ontology#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
<urn:test:NoRefusedTitles> a sh:NodeShape ; sh:targetClass mdg:Programme ;
  sh:property [ sh:path rdfs:label ; sh:pattern "^(?!Refused)" ; sh:message "a test rule: no title starts with Refused" ] .
"""


def test_a_document_whose_graph_does_not_conform_is_not_published(data_dir, tmp_path):
    shapes = tmp_path / "shapes"
    shutil.copytree(PROJECT_ROOT / "shapes", shapes)
    (shapes / "zz-test.ttl").write_text(SHAPE)
    refused = tmp_path / "refused.txt"
    refused.write_text("Project Title: Refused Programme of a Test\nMission: IOM Dushanbe, Tajikistan\n"
                       "Donor: European Union\nTimeframe: 2015 - 2016\n")
    service = Service(settings_for(data_dir, shapes_dir=shapes), query_workers=0)
    before = nquads(service)
    report = service.ingest(sources(refused))
    assert not report.published and report.exit_code == 1
    [violation] = report.violations
    assert violation["documents"] == ["refused"]
    assert violation["node"] == MDGID + "programme/refused-programme-of-a-test"
    assert "no title starts with Refused" in violation["message"]
    assert report.documents[0].status == "refused" and "does not conform" in report.documents[0].reason
    assert "NOT published" in report.text()
    assert (data_dir / "quarantine" / "refused.txt").exists()
    assert nquads(service) == before and "refused" not in Library.open(data_dir).entries
    service.close()


def test_build_prints_what_an_extractor_change_changes(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    text = (DATA / "showcase_2017.txt").read_text()
    (corpus / "showcase_2017.txt").write_text(text)
    settings = settings_for(tmp_path / "data")
    assert build(settings, corpus).first
    (corpus / "showcase_2017.txt").write_text(text.replace("Donor:   European Union", "Donor:   World Bank"))
    report = build(settings, corpus)
    assert [c.name for c in report.changes] == ["document/showcase-2017", "entities", "inferred"]
    shown = report.changes_text(shown=50)
    assert "document/showcase-2017: +" in shown
    assert "+ mdgid:programme/seasonal-work-bridge-between-moldova-and-poland mdg:fundedBy mdgid:organisation/" in shown
    assert "- mdgid:programme/seasonal-work-bridge-between-moldova-and-poland mdg:fundedBy mdgid:organisation/eu" in shown


# -- HTTP ------------------------------------------------------------------------------------


@pytest.fixture
def client(data_dir):
    settings = settings_for(data_dir, update_token="s3cret")
    service = Service(settings, query_workers=0)
    with TestClient(create_app(settings, service)) as client:
        yield client
    service.close()


def upload(client: TestClient, name: str, data: bytes, token: str | None = "s3cret"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.post("/documents", files={"file": (name, data)}, headers=headers)


def test_get_documents_lists_the_corpus_as_json_and_html(client):
    answer = client.get("/documents", headers={"Accept": "application/json"})
    assert answer.status_code == 200
    documents = {d["key"]: d for d in answer.json()["documents"]}
    assert len(documents) == 2 and documents["003-7069948202efd022"]["programmes"] == 27
    assert documents["003-7069948202efd022"]["file"] == "003_7069948202efd022.txt"
    assert documents["004-d72a7b19d44a3b36"]["triples"] > 50
    page = client.get("/documents", headers={"Accept": "text/html"})
    assert page.status_code == 200 and "003_7069948202efd022.txt" in page.text
    assert client.get("/documents", headers={"Accept": "image/png"}).status_code == 406


def test_uploads_are_off_without_a_token(data_dir):
    settings = settings_for(data_dir)
    service = Service(settings, query_workers=0)
    with TestClient(create_app(settings, service)) as client:
        answer = upload(client, "a.txt", b"Project Title: x\n", token="anything")
    service.close()
    assert answer.status_code == 403 and "disabled" in answer.text


@pytest.mark.parametrize("token", [None, "wrong"])
def test_uploads_need_the_token(client, token):
    answer = upload(client, "a.txt", b"Project Title: x\n", token=token)
    assert answer.status_code == 403 and "Bearer" in answer.text


def test_upload_ingests_and_answers_with_the_report(client, data_dir):
    data = (DATA / "follow_up_2018.txt").read_bytes()
    answer = upload(client, "follow_up_2018.txt", data)
    assert answer.status_code == 201, answer.text
    report = answer.json()
    assert report["published"] and report["documents"][0]["status"] == "added"
    assert report["documents"][0]["programmes"] == [
        "Global Joint Programme on Mainstreaming Migration into National Development Strategies"]
    assert answer.headers["location"] == "/id/document/follow-up-2018"
    again = upload(client, "renamed.txt", data)
    assert again.status_code == 200 and again.json()["documents"][0]["status"] == "unchanged"
    listed = client.get("/documents", headers={"Accept": "application/json"}).json()["documents"]
    assert "follow-up-2018" in {d["key"] for d in listed}


@pytest.mark.parametrize("name, data, reason", [
    ("empty.txt", b"", "empty"),
    ("photo.txt", b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", "binary"),
    ("report.pdf", b"not a pdf at all", "not a PDF"),
])
def test_bad_uploads_are_refused_with_the_reason_and_kept(client, data_dir, name, data, reason):
    answer = upload(client, name, data)
    assert answer.status_code == 422 and reason in answer.json()["detail"]
    assert (data_dir / "quarantine" / f"{name}.reason.txt").exists()


def test_uploads_over_the_document_limit_get_413(client, data_dir):
    client.app.dependency_overrides[get_document_limit] = lambda: 100
    answer = upload(client, "long.txt", b"Project Title: a long one\n" * 10)
    assert answer.status_code == 413 and "over the limit of 100 bytes" in answer.json()["detail"]
    assert (data_dir / "quarantine" / "long.txt.reason.txt").exists()


def test_upload_must_be_multipart(client):
    answer = client.post("/documents", content=b"text", headers={"Authorization": "Bearer s3cret",
                                                                  "Content-Type": "text/plain"})
    assert answer.status_code == 415


def test_the_upload_body_limit_applies_to_documents_only(data_dir):
    settings = settings_for(data_dir, update_token="s3cret", max_body_bytes=1000)
    service = Service(settings, query_workers=0)
    with TestClient(create_app(settings, service)) as client:
        query = client.post("/sparql", content=b"x" * 2000, headers={"Content-Type": "application/sparql-query"})
        document = upload(client, "big.bin", b"\x00" * 2000)
    service.close()
    assert query.status_code == 413
    assert document.status_code == 422 and "binary" in document.json()["detail"]
