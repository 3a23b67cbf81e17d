"""ASGI middleware: one JSON access-log line per request, and the request body size limit."""

from __future__ import annotations

import json
import logging
import time

access_log = logging.getLogger("mdgraph.access")


class AccessLog:
    """Logs method, path, status and duration (ms) of every HTTP request as one JSON object."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = {"code": 500}

        async def remember_status(message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, remember_status)
        finally:
            record = {
                "method": scope["method"],
                "path": scope["path"],
                "status": status["code"],
                "duration_ms": round((time.perf_counter() - start) * 1000, 2),
            }
            access_log.info(json.dumps(record))


class _TooLarge(Exception):
    pass


class BodyLimit:
    """Answers 413 to a request body over `max_bytes`, declared or streamed."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        received = 0
        started = False

        async def counted_receive():
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge
            return message

        async def tracked_send(message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted_receive, tracked_send)
        except _TooLarge:
            if not started:
                await self._refuse(send)

    async def _refuse(self, send) -> None:
        body = f"413 Content Too Large: the request body is over the {self.max_bytes} byte limit\n".encode()
        await send({
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/plain; charset=utf-8"), (b"content-length", str(len(body)).encode())],
        })
        await send({"type": "http.response.body", "body": body})


class Admission:
    """Answers 503 with Retry-After at once when `limit` query requests (/sparql, /queries/...)
    are already in progress, so a crowd of clients never builds an unbounded queue in front of
    the query workers (the service's own slots bound what reaches them)."""

    def __init__(self, app, limit: int) -> None:
        self.app = app
        self.limit = limit
        self.in_progress = 0

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == "/sparql" or path.startswith("/queries/")):
            await self.app(scope, receive, send)
            return
        if self.in_progress >= self.limit:
            body = (f"503 Service Unavailable: the server is busy ({self.limit} queries in progress); "
                    "retry in a moment\n").encode()
            await send({"type": "http.response.start", "status": 503, "headers": [
                (b"content-type", b"text/plain; charset=utf-8"), (b"retry-after", b"1"),
                (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return
        self.in_progress += 1
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_progress -= 1
