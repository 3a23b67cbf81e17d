"""Named queries over HTTP: GET /queries (the catalogue) and GET /queries/{name}?param=value."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from ..errors import QueryError
from ..store.terms import ntriples_term
from .deps import ServiceDep, TemplatesDep
from .negotiation import ASK_OFFERS, RDF_OFFERS, SELECT_OFFERS, acceptable, by_format_name, content_type, negotiate
from .problems import problem
from .sparql import serialised

router = APIRouter(tags=["Named queries"])

CATALOGUE_OFFERS = (("application/json", "application/json"), ("text/html", "text/html"))
OFFERS = {"select": SELECT_OFFERS, "ask": ASK_OFFERS, "construct": RDF_OFFERS, "describe": RDF_OFFERS}


def _entry(request: Request, named) -> dict:
    return {
        "name": named.name,
        "title": named.title,
        "description": named.description,
        "url": str(request.url_for("run_named_query", name=named.name)),
        "params": [
            {"name": p.name, "type": p.type, "description": p.description, "example": p.example} for p in named.params
        ],
        "query": named.text,
    }


def _broken(request: Request, exc: QueryError) -> Response:
    return problem(request, 500, f"the query catalogue cannot be read: {exc}")


@router.get("/queries", summary="The named queries of queries/: JSON, or HTML for browsers")
def list_queries(request: Request, service: ServiceDep, templates: TemplatesDep) -> Response:
    media = negotiate(request.headers.get("accept"), CATALOGUE_OFFERS)
    if media is None:
        return problem(request, 406, f"available as {acceptable(CATALOGUE_OFFERS)}")
    try:
        entries = [_entry(request, named) for named in service.catalogue().values()]
    except QueryError as exc:
        return _broken(request, exc)
    if media == "application/json":
        return JSONResponse(entries, headers={"Vary": "Accept"})
    return templates.TemplateResponse(
        request, "queries.html", {"root": request.scope.get("root_path", ""), "queries": entries},
        headers={"Vary": "Accept"},
    )


@router.get(
    "/queries/{name}",
    summary="Run a named query; its parameters are URL parameters (bound as terms, never spliced into the text)",
    description="Results by Accept, or `format=json|xml|csv|tsv` (SELECT/ASK) / `ttl|nt|jsonld|rdf` (CONSTRUCT). "
    "`format` is reserved and cannot name a query parameter. 404 for an unknown query, 422 for a missing, "
    "unknown or invalid parameter value.",
)
async def run_named_query(request: Request, name: str, service: ServiceDep) -> Response:
    try:
        named = service.named_query(name)
    except QueryError as exc:
        return _broken(request, exc)
    if named is None:
        return problem(request, 404, f"no query named {name!r}; see /queries")
    params = dict(request.query_params)
    format_name = params.pop("format", None)
    try:
        bindings = named.bind(params)
        for term in bindings.values():
            ntriples_term(term)  # an IRI the engine would refuse is the client's error, not the query's
    except QueryError as exc:
        return problem(request, 422, str(exc))
    offers = OFFERS.get(service.query_form(named.text) or "select", SELECT_OFFERS)
    media = by_format_name(format_name, offers) if format_name else negotiate(request.headers.get("accept"), offers)
    if media is None:
        if format_name:
            return problem(request, 400, f"unknown format {format_name!r} for this query: {acceptable(offers)}")
        return problem(request, 406, f"this query's results are available as {acceptable(offers)}")

    result = await service.query_async(named.text, bindings)
    body = await serialised(result, media)
    headers = {"Vary": "Accept"}
    if result.truncated:
        headers["X-Mdgraph-Truncated"] = "true"
        headers["X-Mdgraph-Result-Limit"] = str(result.limit)
    return Response(body, headers=headers, media_type=content_type(media))
