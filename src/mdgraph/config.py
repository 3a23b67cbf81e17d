"""Settings: the only reader of the environment (variables prefixed MDGRAPH_)."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import ConfigError

#: The project root: corpus/, ontology/, mappings/, shapes/ and queries/ live here.
PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _path(env: dict, name: str, default: Path) -> Path:
    value = env.get(name)
    return Path(value).expanduser().resolve() if value else default


def _number(env: dict, name: str, default: float, kind=float):
    value = env.get(name)
    if value in (None, ""):
        return default
    try:
        number = kind(value)
    except ValueError:
        raise ConfigError(f"{name}={value!r}: expected a {kind.__name__}") from None
    if number <= 0:
        raise ConfigError(f"{name}={value!r}: expected a positive number")
    return number


@dataclass(frozen=True)
class Settings:
    """Everything configurable, read once from the environment."""

    data_dir: Path = PROJECT_ROOT / "data"
    corpus_dir: Path = PROJECT_ROOT / "corpus"
    ontology_dir: Path = PROJECT_ROOT / "ontology"
    mappings_dir: Path = PROJECT_ROOT / "mappings"
    shapes_dir: Path = PROJECT_ROOT / "shapes"
    queries_dir: Path = PROJECT_ROOT / "queries"
    #: Where the published graph lives: empty means the embedded store under data_dir;
    #: otherwise a URL understood by store.open_store (memory://, oxigraph:///path, http://...).
    store_url: str = ""
    public_base: str = "https://w3id.org/mdgraph/"
    query_timeout: float = 30.0
    result_limit: int = 10000
    #: Queries running or waiting for a query worker; one more waits up to a second, then 503.
    max_pending_queries: int = 16
    max_body_bytes: int = 1_000_000
    max_document_bytes: int = 50_000_000
    update_token: str = ""
    cors_origins: tuple[str, ...] = ("*",)
    extra: dict = field(default_factory=dict, compare=False, repr=False)

    @property
    def views_path(self) -> Path:
        """The precomputed views of the published graph (views/), beside the store."""
        return self.data_dir / "views.sqlite"

    @classmethod
    def from_env(cls, env: dict | None = None) -> "Settings":
        env = dict(os.environ if env is None else env)
        defaults = cls()
        cors = env.get("MDGRAPH_CORS_ORIGINS")
        return cls(
            data_dir=_path(env, "MDGRAPH_DATA_DIR", defaults.data_dir),
            corpus_dir=_path(env, "MDGRAPH_CORPUS_DIR", defaults.corpus_dir),
            ontology_dir=defaults.ontology_dir,
            mappings_dir=defaults.mappings_dir,
            shapes_dir=defaults.shapes_dir,
            queries_dir=defaults.queries_dir,
            store_url=env.get("MDGRAPH_STORE_URL", ""),
            public_base=env.get("MDGRAPH_PUBLIC_BASE", defaults.public_base),
            query_timeout=_number(env, "MDGRAPH_QUERY_TIMEOUT", defaults.query_timeout),
            result_limit=_number(env, "MDGRAPH_RESULT_LIMIT", defaults.result_limit, int),
            max_pending_queries=_number(env, "MDGRAPH_MAX_PENDING_QUERIES", defaults.max_pending_queries, int),
            max_body_bytes=_number(env, "MDGRAPH_MAX_BODY_BYTES", defaults.max_body_bytes, int),
            max_document_bytes=_number(env, "MDGRAPH_MAX_DOCUMENT_BYTES", defaults.max_document_bytes, int),
            update_token=env.get("MDGRAPH_UPDATE_TOKEN", ""),
            cors_origins=tuple(o.strip() for o in cors.split(",") if o.strip()) if cors is not None else defaults.cors_origins,
        )
