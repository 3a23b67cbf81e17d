"""The corpus over HTTP: GET /documents lists it (HTML or JSON, by Accept); POST /documents
ingests one uploaded file (multipart field `file`) and answers with the ingest report as JSON.

Uploads change the published graph, so they are off unless the operator sets
MDGRAPH_UPDATE_TOKEN, and then need it as `Authorization: Bearer ...` (403 otherwise).
Statuses: 201 a new document, 200 a new version or the same bytes again (nothing changes),
413 over MDGRAPH_MAX_DOCUMENT_BYTES, 422 a file that cannot be read (empty, binary, not
UTF-8, no text layer) or whose graph would not conform; refused files are kept in
MDGRAPH_DATA_DIR/quarantine/ with the reason.
"""

from __future__ import annotations

import hmac
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, Response
from starlette.datastructures import UploadFile

from ..config import Settings
from ..ingest.library import Source, document_limit
from .deps import ServiceDep, SettingsDep, TemplatesDep, get_settings
from .middleware import BodyLimit
from .negotiation import HTML_OR_JSON_OFFERS, acceptable, negotiate
from .problems import problem

router = APIRouter(tags=["Corpus"])

#: Room for the multipart envelope (boundaries, part headers) around an uploaded document.
ENVELOPE_BYTES = 64 * 1024
_STATUS = {"added": 201, "replaced": 200, "unchanged": 200, "refused": 422}


def get_document_limit(settings: Annotated[Settings, Depends(get_settings)]) -> int:
    return document_limit(settings)


DocumentLimitDep = Annotated[int, Depends(get_document_limit)]


class UploadLimit:
    """The request body limit: the document limit (plus the envelope) for /documents,
    MDGRAPH_MAX_BODY_BYTES everywhere else."""

    def __init__(self, app, max_bytes: int, upload_bytes: int) -> None:
        self.general = BodyLimit(app, max_bytes)
        self.upload = BodyLimit(app, upload_bytes)

    async def __call__(self, scope, receive, send) -> None:
        uploads = scope["type"] == "http" and scope["path"].endswith("/documents")
        await (self.upload if uploads else self.general)(scope, receive, send)


@router.get("/documents", summary="The documents of the published graph with their programmes and triples")
def list_documents(request: Request, service: ServiceDep, templates: TemplatesDep) -> Response:
    media = negotiate(request.headers.get("accept"), HTML_OR_JSON_OFFERS)
    if media is None:
        return problem(request, 406, f"available as {acceptable(HTML_OR_JSON_OFFERS)}")
    documents = service.documents()
    if media == "application/json":
        return JSONResponse({"documents": documents}, headers={"Vary": "Accept"})
    return templates.TemplateResponse(
        request, "documents.html", {"root": request.scope.get("root_path", ""), "documents": documents,
                                    "uploads": service.updates_enabled},
        headers={"Vary": "Accept"},
    )


@router.post("/documents", summary="Ingest one document (multipart field `file`; needs the operator's token)")
async def upload_document(request: Request, service: ServiceDep, settings: SettingsDep,
                          limit: DocumentLimitDep) -> Response:
    if not settings.update_token:
        return problem(request, 403, "uploads are disabled on this server (the operator sets MDGRAPH_UPDATE_TOKEN "
                                     "to enable them)")
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), settings.update_token.encode()):
        return problem(request, 403, "uploads need the operator's token as `Authorization: Bearer ...`")
    if not request.headers.get("content-type", "").lower().startswith("multipart/form-data"):
        return problem(request, 415, "send the document as multipart/form-data in a field named `file`")
    form = await request.form(max_files=1, max_fields=10)
    upload = form.get("file")
    if not isinstance(upload, UploadFile):
        return problem(request, 400, "no file: send the document in a multipart field named `file`")
    data = await upload.read(limit + 1)
    source = Source(upload.filename or "document", data if len(data) <= limit else None, upload.size or len(data))
    report = await run_in_threadpool(service.ingest, [source], limit)
    outcome = report.documents[0]
    body = report.as_dict()
    if outcome.status == "rejected":
        body["detail"] = outcome.reason
        return JSONResponse(body, status_code=413 if outcome.too_large else 422)
    if outcome.status == "refused":
        body["detail"] = outcome.reason
    headers = {"Location": f"{request.scope.get('root_path', '')}/id/document/{outcome.key}"} if outcome.key else {}
    return JSONResponse(body, status_code=_STATUS[outcome.status], headers=headers)
