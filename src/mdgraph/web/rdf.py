"""Answering with an rdflib graph in the format the client negotiated (or named with ?format=)."""

from __future__ import annotations

import rdflib
from fastapi import Request
from fastapi.responses import Response

from .negotiation import RDF_OR_HTML_OFFERS, acceptable, by_format_name, content_type, negotiate
from .problems import problem

RDFLIB_FORMATS = {
    "text/turtle": "turtle",
    "application/n-triples": "nt",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}


def choose(request: Request, format_name: str | None, offers=RDF_OR_HTML_OFFERS) -> str | Response:
    """The media type to answer with, or the 4xx response explaining why there is none."""
    if format_name:
        chosen = by_format_name(format_name, offers)
        if chosen is None:
            names = "ttl, nt, jsonld, rdf" + (", html" if any(c == "text/html" for _, c in offers) else "")
            return problem(request, 400, f"unknown format {format_name!r}: use one of {names}")
        return chosen
    chosen = negotiate(request.headers.get("accept"), offers)
    if chosen is None:
        return problem(request, 406, f"available as {acceptable(offers)}")
    return chosen


def graph_response(graph: rdflib.Graph, media_type: str) -> Response:
    body = graph.serialize(format=RDFLIB_FORMATS[media_type], encoding="utf-8")
    return Response(body, headers={"Vary": "Accept"}, media_type=content_type(media_type))
