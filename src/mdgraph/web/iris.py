"""Where the canonical https://w3id.org/mdgraph/ IRIs live on this server, and its public base."""

from __future__ import annotations

from fastapi import Request

from ..config import Settings
from ..namespaces import MDGID

CANONICAL_BASE = str(MDGID)[: -len("id/")]


def local_href(iri: str, request: Request) -> str | None:
    """The server path of a canonical IRI (fragment kept), or None for IRIs served elsewhere."""
    if not iri.startswith(CANONICAL_BASE):
        return None
    rest = iri[len(CANONICAL_BASE):]
    if not (rest.startswith("id/") or rest.startswith("ontology")):
        return None
    return request.scope.get("root_path", "") + "/" + rest


def public_base(request: Request, settings: Settings) -> str:
    """The absolute base of this service: settings.public_base when the operator set one
    (deployment behind a proxy), else the URL the request came in on."""
    configured = settings.public_base
    if configured and configured.rstrip("/") + "/" != CANONICAL_BASE:
        return configured.rstrip("/") + "/"
    return str(request.base_url).rstrip("/") + "/"
