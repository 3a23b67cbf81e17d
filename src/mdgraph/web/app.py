"""The web app factory (wiring only) and `run`, which serves it with uvicorn."""

from __future__ import annotations

import logging
import sys
from contextlib import asynccontextmanager
from pathlib import Path

import jinja2
from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.openapi.utils import get_openapi
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates

from .. import __version__
from ..config import Settings
from ..errors import StoreError
from ..ingest.library import document_limit
from ..service import Service
from . import browse, documents, dumps, named, ontology, resources, sparql, status
from .browse.deps import fresh_views
from .documents import ENVELOPE_BYTES, UploadLimit
from .middleware import AccessLog, Admission
from .problems import HANDLERS
from .ui import YASGUI_BUILD, yasgui_available

HERE = Path(__file__).parent

DESCRIPTION = """
The mdgraph knowledge graph: who funds, implements and partners in which migration-and-development
programmes, where, in which sectors, with the source quote behind every link.

* `/sparql`: SPARQL 1.1 Protocol (query; updates only with the operator's token). The default graph
  is the union of the named graphs. SERVICE, LOAD and FROM/FROM NAMED naming graphs the store does not
  hold are refused (400): nothing is ever fetched from elsewhere.
* **Limits**: a query runs at most `MDGRAPH_QUERY_TIMEOUT` seconds (then 503 with an explanation);
  results are cut at `MDGRAPH_RESULT_LIMIT` rows (or triples), and a cut answer always carries the
  headers `X-Mdgraph-Truncated: true` and `X-Mdgraph-Result-Limit: N`: page with LIMIT/OFFSET or
  download a dump; request bodies over `MDGRAPH_MAX_BODY_BYTES` get 413; queries nested deeper than
  100 levels of `{ ( [` get 400; beyond `MDGRAPH_MAX_PENDING_QUERIES` running or waiting queries
  (twice that many query requests in progress) a query gets 503 with `Retry-After: 1`.
* `/id/{kind}/{key}`: the resources behind the https://w3id.org/mdgraph/id/ IRIs.
* `/documents`: the corpus; `POST` a document (multipart `file`, the operator's token) to ingest it.
"""


def create_app(settings: Settings, service: Service | None = None) -> FastAPI:
    """The FastAPI app over `service` (opened from `settings` when not given, closed on shutdown)."""
    own_service = service is None
    service = service or Service(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        views = fresh_views(app.state, service)
        views.start()  # warms the views now and whenever a publish replaces them
        yield
        views.stop()
        if own_service:
            service.close()

    app = FastAPI(title="mdgraph", version=__version__, description=DESCRIPTION, lifespan=lifespan)
    app.state.settings = settings
    app.state.service = service
    app.state.templates = Jinja2Templates(
        env=jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True)
    )
    app.router.routes[:0] = sparql.ROUTES  # first: the busiest route is matched before any other
    app.openapi = lambda: describe(app)
    for router in (resources.router, ontology.router, named.router, dumps.router, status.router, documents.router):
        app.include_router(router)
    browse.install(app)  # home, search, lists, 3W, pictures, graph view; CSP on HTML answers
    for error, handler in HANDLERS.items():
        app.add_exception_handler(error, handler)
    if yasgui_available():  # mounted before /static, which would shadow it
        app.mount("/static/yasgui", StaticFiles(directory=YASGUI_BUILD), name="yasgui")
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "HEAD", "POST"],
        allow_headers=["Accept", "Content-Type"],
        expose_headers=["X-Mdgraph-Truncated", "X-Mdgraph-Result-Limit"],
    )
    app.add_middleware(UploadLimit, max_bytes=settings.max_body_bytes,
                       upload_bytes=document_limit(settings) + ENVELOPE_BYTES)
    app.add_middleware(Admission, limit=2 * settings.max_pending_queries)
    app.add_middleware(AccessLog)
    return app


def describe(app: FastAPI) -> dict:
    """The OpenAPI description of `app`, with the SPARQL endpoint as `sparql.router` declares
    it (plain routes serve it, which FastAPI would leave out)."""
    if app.openapi_schema is None:
        app.openapi_schema = get_openapi(title=app.title, version=app.version, description=app.description,
                                         routes=[*sparql.router.routes, *app.routes])
    return app.openapi_schema


def run(settings: Settings, host: str = "127.0.0.1", port: int = 8000) -> None:
    """Serve the published graph with uvicorn, building it first when the store is empty;
    access logs go to stderr as JSON lines."""
    import uvicorn

    service = Service(settings)
    try:
        report = service.ensure_built(progress=lambda message: print(message, file=sys.stderr))
    except StoreError as exc:  # serve anyway: /health and queries answer 503 until the store opens
        print(f"mdgraph serve: the store cannot be opened, answering 503 until it can: {exc}", file=sys.stderr)
        report = None
    if report is not None and not report.conforms:
        print(report.summary(), file=sys.stderr)
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(message)s"))
    access = logging.getLogger("mdgraph.access")
    access.addHandler(handler)
    access.setLevel(logging.INFO)
    access.propagate = False
    try:
        uvicorn.run(create_app(settings, service), host=host, port=port, access_log=False, proxy_headers=True)
    finally:
        service.close()
