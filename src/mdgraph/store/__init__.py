"""One store interface, implementations chosen by URL.

    memory://                  pyoxigraph in memory (tests)
    oxigraph:///abs/path       pyoxigraph on disk, atomically replaced on publish (the default)
    http(s)://host/path        a remote SPARQL 1.1 endpoint (see store/remote.py)
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import StoreError
from .base import DESCRIBE_QUERY, EXPORT_FORMATS, GraphStore, Overloaded, QueryResult, QueryTimeout
from .oxigraph import DiskStore, OxigraphStore

__all__ = [
    "DESCRIBE_QUERY",
    "EXPORT_FORMATS",
    "GraphStore",
    "Overloaded",
    "QueryResult",
    "QueryTimeout",
    "default_store_url",
    "open_store",
]


def default_store_url(settings) -> str:
    """The store a Settings names: its store_url, else the embedded store under data_dir."""
    return settings.store_url or f"oxigraph://{Path(settings.data_dir).resolve()}/store"


def open_store(url: str) -> GraphStore:
    parts = urlsplit(url)
    if parts.scheme == "memory":
        return OxigraphStore()
    if parts.scheme == "oxigraph":
        if parts.netloc or not parts.path.startswith("/"):
            raise StoreError(f"{url}: expected oxigraph:///absolute/path (three slashes)")
        return DiskStore(Path(unquote(parts.path)))
    if parts.scheme in ("http", "https"):
        from .remote import RemoteStore  # httpx is only needed for remote stores

        return RemoteStore(url)
    raise StoreError(f"{url}: unknown store URL; expected memory://, oxigraph:///path or http(s)://host/path")
