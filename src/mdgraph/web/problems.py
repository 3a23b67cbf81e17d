"""Error answers: a short explanation as JSON (problem details) or plain text, by Accept."""

from __future__ import annotations

import json
from http import HTTPStatus

from fastapi import Request
from fastapi.responses import Response

from ..errors import QueryError, StoreError
from ..service import Overloaded, QueryTimeout
from .negotiation import negotiate

_OFFERS = (("text/plain", "text/plain"), ("application/problem+json", "json"), ("application/json", "json"),
           ("application/sparql-results+json", "json"))


def problem(request: Request, status: int, detail: str, headers: dict | None = None) -> Response:
    """A 4xx/5xx answer that says what went wrong and what to do."""
    title = HTTPStatus(status).phrase
    if negotiate(request.headers.get("accept"), _OFFERS) == "json":
        body = json.dumps({"type": "about:blank", "title": title, "status": status, "detail": detail})
        return Response(body, status, headers=headers, media_type="application/problem+json")
    return Response(f"{status} {title}: {detail}\n", status, headers=headers, media_type="text/plain; charset=utf-8")


async def query_error(request: Request, exc: QueryError) -> Response:
    return problem(request, 400, str(exc))


async def query_timeout(request: Request, exc: QueryTimeout) -> Response:
    detail = f"{exc}. Narrow the query (a LIMIT, more specific patterns) or run it on a local copy of the dump."
    return problem(request, 503, detail, {"Retry-After": "10"})


async def overloaded(request: Request, exc: Overloaded) -> Response:
    return problem(request, 503, str(exc), {"Retry-After": "1"})


async def store_error(request: Request, exc: StoreError) -> Response:
    return problem(request, 503, f"the graph store is unavailable: {exc}", {"Retry-After": "30"})


HANDLERS = {Overloaded: overloaded, QueryTimeout: query_timeout, QueryError: query_error, StoreError: store_error}
