"""The query UI at /sparql for browsers: YASGUI when installed (npm), else a plain form."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import Response

from ..config import PROJECT_ROOT
from ..errors import QueryError
from ..namespaces import PREFIXES

#: Where `npm install` (package.json at the project root) puts YASGUI's browser build.
YASGUI_BUILD = PROJECT_ROOT / "node_modules" / "@zazuko" / "yasgui" / "build"

PREFIX_BLOCK = "".join(f"PREFIX {prefix}: <{namespace}>\n" for prefix, namespace in PREFIXES.items())
DEFAULT_QUERY = PREFIX_BLOCK + "\nSELECT ?programme ?title WHERE {\n  ?programme a mdg:Programme ; rdfs:label ?title .\n}\nLIMIT 20\n"


def yasgui_available() -> bool:
    return (YASGUI_BUILD / "yasgui.min.js").is_file()


def query_ui(request: Request, service, templates) -> Response:
    settings = service.settings
    try:
        named = service.catalogue().values()
    except QueryError:  # a broken .rq file: /queries says which; the UI still opens
        named = []
    tabs = [{"name": q.title, "query": service.example_text(q)} for q in named]
    config = {"endpoint": "sparql", "default_query": DEFAULT_QUERY, "tabs": tabs}
    return templates.TemplateResponse(
        request,
        "sparql.html",
        {
            "root": request.scope.get("root_path", ""),
            "yasgui": yasgui_available(),
            "config": config,
            "endpoint": str(request.url_for("sparql")),
            "result_limit": settings.result_limit,
            "timeout": f"{settings.query_timeout:g}",
        },
        headers={"Vary": "Accept"},
    )
