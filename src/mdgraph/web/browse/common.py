"""What every browsing route shares: rendering a page with the app's root path, URLs of
filtered lists, and what their CSV and JSON downloads are called and hold."""

from __future__ import annotations

import json
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response
from fastapi.templating import Jinja2Templates

from ...views import Filters
from ..iris import local_href
from .text import safe_url


def root_of(request: Request) -> str:
    return request.scope.get("root_path", "")


def render(request: Request, templates: Jinja2Templates, name: str, context: dict, status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, {"root": root_of(request), **context}, status_code=status)


def href_for(request: Request):
    """IRI -> the path of its page on this server; other http(s) IRIs unchanged; None for
    anything else (no javascript: links from the data)."""
    return lambda iri: local_href(iri, request) or safe_url(iri)


def query_string(filters: Filters, **extra: str | None) -> str:
    """`?country=md&sector=health…` for these filters plus `extra` parameters ('' when none)."""
    params = filters.to_query()
    params.update({name: [value] for name, value in extra.items() if value})
    return "?" + urlencode(params, doseq=True) if params else ""


def csv_download(stem: str, filters: Filters, text: str) -> Response:
    return Response(text, media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{download_name(stem, filters, "csv")}"'})


def json_download(stem: str, filters: Filters, listed: str, records: list) -> Response:
    """`records` as JSON under `listed`, with the filters that chose them and their count."""
    body = {"filters": filters.to_query(), "count": len(records), listed: records}
    return Response(json.dumps(body, ensure_ascii=False), media_type="application/json",
                    headers={"Content-Disposition": f'inline; filename="{download_name(stem, filters, "json")}"'})


def download_name(stem: str, filters: Filters, extension: str) -> str:
    """The file name of a filtered download: `programmes-md-health.csv`."""
    parts = [value for values in filters.to_query().values() for value in values]
    return (stem + ("-" + "-".join(parts) if parts else ""))[:120] + "." + extension


def safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
