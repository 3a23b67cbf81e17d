"""Request dependencies: the app's one Service, its Settings and templates (set by create_app)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.templating import Jinja2Templates

from ..config import Settings
from ..service import Service


# async: attribute reads that never block, so FastAPI calls them on the event loop instead of
# sending each through its thread pool (three thread hops per request, 0.5-1.5 ms).
async def get_service(request: Request) -> Service:
    return request.app.state.service


async def get_settings(request: Request) -> Settings:
    return request.app.state.settings


async def get_templates(request: Request) -> Jinja2Templates:
    return request.app.state.templates


ServiceDep = Annotated[Service, Depends(get_service)]
SettingsDep = Annotated[Settings, Depends(get_settings)]
TemplatesDep = Annotated[Jinja2Templates, Depends(get_templates)]
