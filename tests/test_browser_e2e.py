"""End to end in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) against a
real uvicorn serving the corpus graph: the path an analyst takes through the pages, with a
screenshot of each page in test-artifacts/screenshots/ and no script or CSP error on the way."""

from __future__ import annotations

import csv
import io
import re
import shutil
import socket
import threading
import time
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
import uvicorn

from mdgraph.build import build
from mdgraph.config import PROJECT_ROOT, Settings
from mdgraph.web.app import create_app
from mdgraph.web.browse.graphview import cytoscape_available
from mdgraph.web.ui import yasgui_available

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]
SHOTS = PROJECT_ROOT / "test-artifacts" / "screenshots"

pytestmark = pytest.mark.skipif(not Path(CHROMIUM).is_file(), reason="needs Debian's chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """A real uvicorn, in a thread of this process, over the corpus graph built once."""
    settings = Settings(data_dir=tmp_path_factory.mktemp("browser"))
    assert build(settings).conforms
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    uvicorn_server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                                   log_level="warning", access_log=False))
    thread = threading.Thread(target=uvicorn_server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not uvicorn_server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}"
    uvicorn_server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh page that records console errors and failed requests (a CSP violation is both)."""
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    problems: list[str] = []
    opened.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    opened.on("pageerror", lambda error: problems.append(str(error)))
    opened.problems = problems
    yield opened
    context.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_from_search_to_the_3w_matrix(server, page):
    # the programme in Moldova that has a funder, found through the JSON list
    funded = httpx.get(f"{server}/programmes.json", params={"country": "md", "role": "funder"}).json()["programmes"]
    programme = funded[0]

    page.goto(server + "/")
    shot(page, "01-home")
    box = page.get_by_label("Search countries, organisations, sectors, programmes and documents")
    box.fill("Moldova")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/search\?q=Moldova"))
    shot(page, "02-search")

    page.get_by_role("region", name="Countries").get_by_role("link", name="Moldova", exact=True).click()
    page.wait_for_url(re.compile(r"/id/country/md$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Moldova"
    shot(page, "03-country")

    page.get_by_role("link", name=programme["title"], exact=True).first.click()
    page.wait_for_url(re.compile(r"/id/programme/"))
    assert page.get_by_role("heading", level=1).inner_text() == programme["title"]
    assert page.locator("blockquote mark").count() > 0  # quotes with the linked names marked
    shot(page, "04-programme")

    funder = programme["funders"][0]
    page.get_by_role("region", name=re.compile("^Funded by")).get_by_role("link", name=funder["label"], exact=True).click()
    page.wait_for_url(re.compile(r"/id/organisation/"))
    assert page.get_by_role("heading", level=1).inner_text() == funder["label"]
    assert page.get_by_role("region", name=re.compile("^Funds")).get_by_role("link", name=programme["title"]).count() == 1
    shot(page, "05-funder")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Programmes").click()
    page.wait_for_url(re.compile(r"/programmes$"))
    page.get_by_role("region", name="Sector").get_by_role("link", name="health").click()
    page.wait_for_url(re.compile(r"/programmes\?sector=health$"))
    total = int(page.get_by_role("status").locator("strong").inner_text())
    assert total == page.locator("table.programmes tbody tr").count() > 0
    shot(page, "06-programmes-by-sector")

    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    rows = list(csv.DictReader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8"))))
    assert len(rows) == total and all("health" in row["sectors"] for row in rows)

    page.get_by_role("navigation", name="Main").get_by_role("link", name="3W").click()
    page.wait_for_url(re.compile(r"/3w$"))
    shot(page, "07-3w")
    cell = page.locator("table.matrix tbody td:not(.total) a").first
    count = int(cell.inner_text())
    cell.click()
    page.wait_for_url(re.compile(r"/programmes\?"))
    query = parse_qs(urlsplit(page.url).query)
    assert set(query) == {"organisation", "sector"}
    assert page.locator("table.programmes tbody tr").count() == count
    shot(page, "08-3w-cell")
    assert page.problems == []


def test_autocomplete_by_keyboard(server, page):
    page.goto(server + "/")
    box = page.get_by_role("combobox", name=re.compile("Search countries"))
    box.type("IOM", delay=20)
    first = page.get_by_role("option").first
    first.wait_for()
    assert "International Organization for Migration" in first.inner_text()
    shot(page, "09-autocomplete")
    box.press("ArrowDown")
    box.press("Enter")
    page.wait_for_url(re.compile(r"/id/organisation/iom$"))
    assert page.problems == []


@pytest.mark.parametrize("path, name", [
    ("/map", "10-map"),
    ("/timeline?country=md", "11-timeline"),
    ("/graph/country/md?depth=2", "12-graph"),
    ("/sparql", "13-sparql"),
])
def test_pictures_draw_without_errors(server, page, path, name):
    page.goto(server + path)
    if path.startswith("/graph") and cytoscape_available():
        page.wait_for_function("document.querySelector('#graph canvas') !== null")
    if path == "/sparql" and yasgui_available():  # the query UI runs its default query under its policy
        page.wait_for_load_state("networkidle")
        page.locator(".yasqe_queryButton").first.click()
        page.get_by_text(re.compile(r"\d+ results? in")).wait_for()
    shot(page, name)
    assert page.problems == []


def test_a_phone_sized_page_has_no_sideways_scroll(server, browser):
    context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    try:
        phone.goto(server + "/id/country/md")
        shot(phone, "14-phone-country")
        assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
    finally:
        context.close()
