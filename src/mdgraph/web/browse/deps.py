"""Dependencies of the browsing pages: views that always match the published graph, and the
filters of a page read from its URL."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Request
from starlette.datastructures import State

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
    publishes a version they were not built from, so a page never shows a stale graph.

    `start` warms them in a background thread, which then looks about once a second whether
    the views file was replaced (a publish by this process or by `mdgraph build` in another)
    and warms the new one, so the first question after a publish is as fast as the next."""

    def __init__(self, service: Service, path: Path) -> None:
        self.service = service
        self.path = path
        self._views: Views | None = None
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None

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
                self._views.warm()  # this question waited for a rebuild; the next ones should not wait
            return self._views

    def state(self) -> str:
        """"ready" when the views are open and warmed, "warming" while they are read into memory
        (pages answer meanwhile, more slowly), "absent" before any views file can be read."""
        views = self._views
        try:
            return "absent" if views is None else "ready" if views.is_warm() else "warming"
        except StoreError:
            return "absent"

    def warm(self) -> None:
        """Open the views file if not yet open, and read it into memory when it is new."""
        with self._lock:
            if self._views is None:
                self._views = _open(self.path)
            views = self._views
        if views is not None:
            views.warm()

    def start(self, interval: float = 1.0) -> None:
        """Warm the views now and every `interval` seconds, in a daemon thread (until `stop`)."""
        self._stopping.clear()
        self._watcher = threading.Thread(target=self._watch, args=(interval,), name="mdgraph-views", daemon=True)
        self._watcher.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout)
            self._watcher = None

    def _watch(self, interval: float) -> None:
        while not self._stopping.is_set():
            try:
                self.warm()
            except StoreError:
                pass  # no views yet, or the file is being replaced: the next look finds it
            self._stopping.wait(interval)


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


def fresh_views(state: State, service: Service) -> FreshViews:
    """The app's one FreshViews (in `state`), made on first use."""
    with _KEEPERS_LOCK:
        keeper = getattr(state, "browse_views", None)
        if keeper is None or keeper.service is not service:
            keeper = state.browse_views = FreshViews(service, service.settings.views_path)
    return keeper


def get_fresh_views(request: Request, service: Annotated[Service, Depends(get_service)]) -> FreshViews:
    return fresh_views(request.app.state, service)


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
