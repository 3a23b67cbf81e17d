"""GET /health: 200 only when the graph is loaded and answers a query, else 503. It also says
whether the browsing views are ready: after a start or a publish they are read into memory
in the background (seconds at millions of triples), and pages are slower until then."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from .deps import ServiceDep

router = APIRouter(tags=["Operations"])


@router.get("/health", summary="200 when the graph is loaded and queryable, 503 otherwise; `views`: "
            "ready, warming or absent")
async def health(request: Request, service: ServiceDep) -> JSONResponse:
    state = await run_in_threadpool(service.health)
    keeper = getattr(request.app.state, "browse_views", None)
    state["views"] = await run_in_threadpool(keeper.state) if keeper is not None else "absent"
    return JSONResponse(state, status_code=200 if state["ok"] else 503)
