"""The errors mdgraph raises on purpose; anything else is a bug.

    MdgraphError                  base: a message a person can act on
    ├── InputError                bad input: names the file, line or field and what is wrong
    │   ├── DocumentError         a corpus document cannot be read or extracted
    │   ├── MappingError          a data file under mappings/, ontology/ or shapes/ is malformed
    │   └── QueryError            a SPARQL query is malformed, refused or names an unknown query
    ├── StoreError                the store cannot be opened, read or written
    └── ConfigError               a MDGRAPH_ setting has a value that cannot be used

Validation failure is not an error: it is a result (see validate.py).
"""


class MdgraphError(Exception):
    """Base of every deliberate mdgraph error."""


class InputError(MdgraphError):
    """Input that cannot be used; the message says where and why."""


class DocumentError(InputError):
    def __init__(self, path: str, reason: str, line: int | None = None):
        where = f"{path}:{line}" if line else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = str(path)
        self.reason = reason
        self.line = line


class MappingError(InputError):
    def __init__(self, path: str, reason: str, field: str | None = None):
        where = f"{path} [{field}]" if field else str(path)
        super().__init__(f"{where}: {reason}")
        self.path = str(path)
        self.reason = reason
        self.field = field


class QueryError(InputError):
    """A query that cannot run: syntax error, refused feature, unknown name or parameter."""


class StoreError(MdgraphError):
    """The store failed; wraps the engine's own exception with `from`."""


class ConfigError(MdgraphError):
    """A setting that cannot be used."""
