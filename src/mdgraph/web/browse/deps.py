"""Dependencies of the browsing pages: views that always match the published graph, and the
filters of a page read from its URL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request

from ...errors import InputError, StoreError
from ...service import Service
from ...views import Filters, Views, build_views
from ..deps import get_service


class PageError(Exception):
    """A request a page cannot answer (bad filters, unknown facet): becomes a 4xx problem."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail


class FreshViews:
    """The views of one service's store, rebuilt (once, under a lock) whenever the store
    publishes a version they were not built from, so a page never shows a stale graph."""

    def __init__(self, service: Service, path: Path) -> None:
        self.service = service
        self.path = path
        self._views: Views | None = None
        self._lock = threading.Lock()

    def current(self) -> Views:
        """Blocking (it may rebuild): call it from a worker thread."""
        version = self.service.store.version()
        views = self._views
        if views is not None and _version(views) == version:
            return views
        with self._lock:
            if self._views is None:
                self._views = _open(self.path)
            if self._views is None or _version(self._views) != version:
                build_views(self.service.store, self.path)
                if self._views is None:
                    self._views = Views.open(self.path)
            return self._views


def _open(path: Path) -> Views | None:
    """The views file at `path`, or None when there is none or it cannot be read (rebuild it)."""
    try:
        return Views.open(path)
    except StoreError:
        return None


def _version(views: Views) -> str | None:
    """The store version a views file records (None when it cannot be read: rebuild it)."""
    try:
        return views.store_version
    except StoreError:
        return None


_KEEPERS_LOCK = threading.Lock()


def get_fresh_views(request: Request, service: Annotated[Service, Depends(get_service)]) -> FreshViews:
    """The app's one FreshViews, made on first use."""
    state = request.app.state
    with _KEEPERS_LOCK:
        keeper = getattr(state, "browse_views", None)
        if keeper is None or keeper.service is not service:
            keeper = state.browse_views = FreshViews(service, service.settings.views_path)
    return keeper


def get_views(keeper: Annotated[FreshViews, Depends(get_fresh_views)]) -> Views:
    """Fresh views for a page (a sync dependency: FastAPI runs it in a worker thread)."""
    return keeper.current()


def get_filters(request: Request) -> Filters:
    params = {name: request.query_params.getlist(name) for name in request.query_params}
    try:
        return Filters.from_query(params)
    except InputError as exc:
        raise PageError(400, str(exc)) from None


FreshViewsDep = Annotated[FreshViews, Depends(get_fresh_views)]
ViewsDep = Annotated[Views, Depends(get_views)]
FiltersDep = Annotated[Filters, Depends(get_filters)]
