"""GET /health: 200 only when the graph is loaded and answers a query, else 503."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from .deps import ServiceDep

router = APIRouter(tags=["Operations"])


@router.get("/health", summary="200 when the graph is loaded and queryable, 503 otherwise")
async def health(service: ServiceDep) -> JSONResponse:
    state = await run_in_threadpool(service.health)
    return JSONResponse(state, status_code=200 if state["ok"] else 503)
