"""The SPARQL 1.1 Protocol endpoint: query (GET, POST form, POST direct) and, with a token, update.

Every malformed request gets a 4xx that says what was wrong: several `query` values (400),
update through GET (400), an unsupported or missing Content-Type (415), a charset other than
UTF-8 (415), a body that is not UTF-8 (400), a syntax error (400, the parser's message).
Results over settings.result_limit rows are cut, never silently: the answer carries
`X-Mdgraph-Truncated: true` and `X-Mdgraph-Result-Limit`.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass, field
from functools import lru_cache
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from starlette.routing import Route

from .description import service_description_response
from .negotiation import ASK_OFFERS, RDF_OFFERS, SELECT_OFFERS, acceptable, content_type, negotiate
from .problems import problem
from .ui import query_ui

#: Declares the endpoint for the API description only (app.describe); ROUTES serve it.
router = APIRouter(tags=["SPARQL 1.1 Protocol"])

FORM = "application/x-www-form-urlencoded"
QUERY = "application/sparql-query"
UPDATE = "application/sparql-update"
OFFERS_BY_FORM = {"select": SELECT_OFFERS, "ask": ASK_OFFERS, "construct": RDF_OFFERS, "describe": RDF_OFFERS}


class ProtocolError(Exception):
    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status


@dataclass
class Operation:
    """One protocol request, whatever way it came in."""

    queries: list[str] = field(default_factory=list)
    updates: list[str] = field(default_factory=list)
    params: list[tuple[str, str]] = field(default_factory=list)

    def values(self, name: str) -> tuple[str, ...]:
        return tuple(value for key, value in self.params if key == name)


@lru_cache(maxsize=64)
def _media_type(header: str | None) -> tuple[str, str]:
    """The media type of a Content-Type header and its charset (utf-8 when none is named)."""
    media, *rest = (header or "").split(";")
    params = {}
    for part in rest:
        key, _, value = part.partition("=")
        params[key.strip().lower()] = value.strip().strip('"').lower()
    return media.strip().lower(), params.get("charset", "utf-8")


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ProtocolError(400, f"the {what} is not valid UTF-8 ({exc.reason} at byte {exc.start})") from None


async def read_post(request: Request) -> Operation:
    """The operation of a POST: form-encoded, or a query / update as the body."""
    media, charset = _media_type(request.headers.get("content-type"))
    if media not in (FORM, QUERY, UPDATE):
        shown = f"Content-Type {media!r}" if media else "no Content-Type"
        raise ProtocolError(415, f"{shown}: send {FORM}, {QUERY} or {UPDATE} (SPARQL 1.1 Protocol 2.1, 2.2)")
    if charset not in ("utf-8", "utf8"):
        raise ProtocolError(415, f"charset {charset!r} is not supported: SPARQL requests must be UTF-8")
    body = await request.body()
    url_params = list(request.query_params.multi_items()) if request.scope["query_string"] else []
    if media == FORM:
        try:
            form = parse_qsl(_utf8(body, "form body"), keep_blank_values=True, encoding="utf-8", errors="strict")
        except UnicodeDecodeError:
            raise ProtocolError(400, "the form body percent-encodes bytes that are not UTF-8") from None
        everything = url_params + form
        return Operation(
            queries=[v for k, v in everything if k == "query"],
            updates=[v for k, v in everything if k == "update"],
            params=everything,
        )
    if any(k in ("query", "update") for k, _ in url_params):
        raise ProtocolError(400, f"a {media} body cannot be combined with `query` or `update` in the URL")
    text = _utf8(body, "request body")
    return Operation(queries=[text] if media == QUERY else [], updates=[text] if media == UPDATE else [], params=url_params)


def read_get(request: Request) -> Operation:
    params = list(request.query_params.multi_items())
    return Operation(
        queries=[v for k, v in params if k == "query"],
        updates=[v for k, v in params if k == "update"],
        params=params,
    )


def _authorised(request: Request, token: str) -> bool:
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


async def _update(request: Request, service, settings, operation: Operation) -> Response:
    if len(operation.updates) > 1:
        return problem(request, 400, f"{len(operation.updates)} `update` values: send exactly one")
    if not service.updates_enabled:
        return problem(request, 403, "this endpoint is read-only: updates are disabled")
    if not _authorised(request, settings.update_token):
        return problem(request, 403, "updates need the operator's token as `Authorization: Bearer ...`",
                       {"WWW-Authenticate": 'Bearer realm="mdgraph"'})
    await run_in_threadpool(
        service.update,
        operation.updates[0],
        operation.values("using-graph-uri"),
        operation.values("using-named-graph-uri"),
    )
    return Response(status_code=204)


async def _query(request: Request, service, text: str, operation: Operation) -> Response:
    accept = request.headers.get("accept")
    form = service.query_form(text)
    media = None
    if form in OFFERS_BY_FORM:
        media = negotiate(accept, OFFERS_BY_FORM[form])
        if media is None:
            return _not_acceptable(request, OFFERS_BY_FORM[form], form)

    result = await service.query_async(text, None, operation.values("default-graph-uri"),
                                       operation.values("named-graph-uri"))
    chosen = media or negotiate(accept, OFFERS_BY_FORM[result.kind])
    if chosen is None:
        return _not_acceptable(request, OFFERS_BY_FORM[result.kind], result.kind)
    body = await serialised(result, chosen)
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Mdgraph-Truncated"] = "true"
        headers["X-Mdgraph-Result-Limit"] = str(result.limit)
    return Response(body, headers=headers, media_type=content_type(chosen))


async def serialised(result, media: str) -> bytes:
    """The result as `media`: on the event loop when that is the payload as it is, else in a thread
    (converting a large answer takes a while)."""
    return result.serialise(media) if result.ready_as(media) else await run_in_threadpool(result.serialise, media)


def _not_acceptable(request: Request, offers, form: str) -> Response:
    return problem(request, 406, f"{form.upper()} results can be sent as: {acceptable(offers)}")


async def answer(request: Request, service, settings, operation: Operation) -> Response:
    if operation.queries and operation.updates:
        return problem(request, 400, "a request carries either `query` or `update`, not both")
    if operation.updates:
        return await _update(request, service, settings, operation)
    if len(operation.queries) > 1:
        return problem(request, 400, f"{len(operation.queries)} `query` values: send exactly one")
    return await _query(request, service, operation.queries[0], operation)


#: The query string of GET /sparql, declared for the API description only: read_get reads the
#: request itself (the protocol repeats graph parameters), and this route, the busiest, skips
#: FastAPI's parameter and dependency solving (a few tenths of a millisecond of each request).
QUERY_STRING = [
    {"name": "query", "in": "query", "required": False, "schema": {"type": "string"},
     "description": "a SPARQL 1.1 query"},
    {"name": "default-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "description": "a graph of the default graph"},
    {"name": "named-graph-uri", "in": "query", "required": False,
     "schema": {"type": "array", "items": {"type": "string"}}, "description": "a named graph of the dataset"},
]


@router.get(
    "/sparql",
    summary="SPARQL query, or the service description / query UI without `query`",
    responses={200: {"content": {"application/sparql-results+json": {}, "text/turtle": {}, "text/html": {}}}},
    openapi_extra={"parameters": QUERY_STRING},
)
async def sparql_get(request: Request) -> Response:
    state = request.app.state
    operation = read_get(request)
    if operation.updates:
        return problem(request, 400, "updates must be sent with POST (SPARQL 1.1 Protocol 2.2), never with GET")
    if not operation.queries:
        return await service_description_response(request, state.service, state.settings, state.templates, query_ui)
    return await answer(request, state.service, state.settings, operation)


@router.post(
    "/sparql",
    summary="SPARQL query or update by POST (form-encoded, application/sparql-query or application/sparql-update)",
    openapi_extra={
        "requestBody": {
            "content": {
                FORM: {"schema": {"type": "object", "properties": {"query": {"type": "string"}, "update": {"type": "string"}}}},
                QUERY: {"schema": {"type": "string"}},
                UPDATE: {"schema": {"type": "string"}},
            }
        }
    },
)
async def sparql_post(request: Request) -> Response:
    try:
        operation = await read_post(request)
    except ProtocolError as exc:
        return problem(request, exc.status, str(exc))
    if not operation.queries and not operation.updates:
        return problem(request, 400, "the request has no `query` and no `update`")
    return await answer(request, request.app.state.service, request.app.state.settings, operation)


async def sparql_endpoint(request: Request) -> Response:
    return await (sparql_post(request) if request.method == "POST" else sparql_get(request))


#: The endpoint as served: a plain route, which skips FastAPI's routing and request handling
#: (about 55 µs of CPU a request, a twentieth of a small query); `router` describes it. One
#: route for both methods, so a 405 lists them all in Allow.
ROUTES = [Route("/sparql", sparql_endpoint, methods=["GET", "POST"], name="sparql")]
