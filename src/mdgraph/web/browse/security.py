"""The Content-Security-Policy of every HTML answer: scripts, styles and images from this
server only, no inline script, no plugins, no framing. Values reach scripts as JSON in
`<script type="application/json">` elements (Jinja's `tojson` escapes `<`, `>` and `&`)."""

from __future__ import annotations

import base64
import hashlib

#: The one inline style allowed, by its hash: the rule cytoscape.js puts in a <style> element
#: it adds to the page head when it draws the graph view.
CYTOSCAPE_STYLE = ".__________cytoscape_container { position: relative; }"


def style_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def _policy(styles: str) -> str:
    return "; ".join((
        "default-src 'self'",
        "script-src 'self'",
        f"style-src 'self' {styles}",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ))


POLICY = _policy(style_hash(CYTOSCAPE_STYLE))
#: The query UI (YASGUI, from npm) draws its result tables with inline style attributes: on
#: that page only, inline styles (never scripts) are allowed.
QUERY_UI_POLICY = _policy("'unsafe-inline'")
QUERY_UI_PATHS = ("/sparql",)
#: FastAPI's generated API pages load Swagger UI / ReDoc from their CDN with an inline starter
#: script; they get a policy that allows just that (and still no framing or plugins).
API_DOCS_POLICY = "; ".join((
    "default-src 'self'",
    "script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net",
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com",
    "img-src 'self' data: https://fastapi.tiangolo.com https://cdn.redoc.ly",
    "font-src 'self' https://fonts.gstatic.com",
    "worker-src 'self' blob:",
    "object-src 'none'",
    "frame-ancestors 'none'",
))
API_DOCS_PATHS = ("/docs", "/redoc")


def policy_for(path: str) -> str:
    """The policy for an HTML answer at `path` (relative to the app's root)."""
    if path.startswith(API_DOCS_PATHS):
        return API_DOCS_POLICY
    return QUERY_UI_POLICY if path in QUERY_UI_PATHS else POLICY


class ContentSecurityPolicy:
    """ASGI middleware: adds the policy (and nosniff, no referrer leaks) to HTML answers."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        async def add_headers(message) -> None:
            if message["type"] == "http.response.start":
                headers = message.get("headers", [])
                content_type = next((v for k, v in headers if k.lower() == b"content-type"), b"")
                if content_type.startswith(b"text/html"):
                    root = scope.get("root_path", "")
                    path = scope["path"][len(root):] if scope["path"].startswith(root) else scope["path"]
                    message = {**message, "headers": [
                        *headers, (b"content-security-policy", policy_for(path).encode()),
                        (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]}
            await send(message)

        await self.app(scope, receive, add_headers)
