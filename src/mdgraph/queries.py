"""The catalogue of named queries: queries/*.rq, each with a small comment header.

Header (comment lines before the query text; other comment lines are free text):

    # title: Programmes in a country
    # description: Every programme that targets the country, with its sectors.
    # param: ?country (iri) the country; example: https://w3id.org/mdgraph/id/country/md

Parameter types and the term each value becomes:
    iri      an absolute IRI, or a prefixed name with a prefix of namespaces.PREFIXES
             (`mdgid:country/md`)                         -> IRI
    string   any text                                     -> "text" (xsd:string)
    integer  an optional sign and digits                  -> xsd:integer
    year     four digits (`2014`)                         -> xsd:integer, so YEAR(?date) = ?year
             and xsd:integer(?year) both work

Values are bound as RDF terms, never as text from the request: the store puts them in a
VALUES block opening the query's WHERE group, each written by pyoxigraph's N-Triples
serialiser, so a value can never change the query's shape. The catalogue checks, when it
loads, that each query parses and has a WHERE group to take its parameters.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Literal, URIRef
from rdflib.namespace import XSD
from rdflib.term import Node

from .errors import QueryError
from .namespaces import PREFIXES
from .store.oxigraph import check_query

PARAM_TYPES = ("iri", "string", "integer", "year")
_HEADER = re.compile(r"#\s*(?P<key>title|description|param)\s*:\s*(?P<value>.*?)\s*$")
_PARAM = re.compile(
    r"[?$](?P<name>\w+)\s+\((?P<type>\w+)\)\s*(?P<description>.*?)(?:;\s*example:\s*(?P<example>.*))?$"
)
_INTEGER = re.compile(r"[+-]?\d+")
_YEAR = re.compile(r"\d{4}")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:")


@dataclass(frozen=True)
class Param:
    name: str
    type: str
    description: str
    example: str | None = None

    def term(self, value: str) -> Node:
        """The term for one value given as text, or QueryError saying what was expected."""
        value = value.strip()
        if self.type == "iri":
            return _iri(self.name, value)
        if self.type == "string":
            return Literal(value)
        pattern = _YEAR if self.type == "year" else _INTEGER
        if not pattern.fullmatch(value):
            expected = "a four-digit year such as 2014" if self.type == "year" else "an integer"
            raise QueryError(f"parameter ?{self.name}: {value!r} is not {expected}")
        return Literal(int(value), datatype=XSD.integer)


@dataclass(frozen=True)
class NamedQuery:
    name: str
    title: str
    description: str
    params: tuple[Param, ...]
    text: str
    path: Path

    def bind(self, params: Mapping[str, str]) -> dict[str, Node]:
        """Bindings for `params` (name -> text value), validated by each parameter's type."""
        declared = {p.name: p for p in self.params}
        unknown = sorted(set(params) - set(declared))
        if unknown:
            raise QueryError(
                f"query {self.name!r} has no parameter {', '.join('?' + u for u in unknown)}; "
                f"it takes {', '.join('?' + p for p in declared) or 'none'}"
            )
        missing = [name for name in declared if name not in params]
        if missing:
            raise QueryError(f"query {self.name!r} needs a value for {', '.join('?' + m for m in missing)}")
        return {name: declared[name].term(value) for name, value in params.items()}

    def example_bindings(self) -> dict[str, Node]:
        return {p.name: p.term(p.example) for p in self.params if p.example is not None}


def _iri(name: str, value: str) -> URIRef:
    prefix, colon, local = value.partition(":")
    if colon and prefix in PREFIXES and not local.startswith("//"):
        value = str(PREFIXES[prefix]) + local
    if not _SCHEME.match(value) or any(c in value for c in ' <>"{}|^`\\') or any(ord(c) < 0x21 for c in value):
        raise QueryError(f"parameter ?{name}: {value!r} is not an absolute IRI (such as https://w3id.org/mdgraph/id/country/md)")
    return URIRef(value)


def parse_named_query(path: Path) -> NamedQuery:
    """Read one .rq file: its header, then check the query parses and takes its parameters."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise QueryError(f"{path}: cannot read the query: {exc}") from exc
    fields: dict[str, str] = {}
    params: list[Param] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            break
        header = _HEADER.match(stripped)
        if not header:
            continue
        key, value = header["key"], header["value"]
        if key != "param":
            fields[key] = value
            continue
        param = _PARAM.match(value)
        if not param or param["type"] not in PARAM_TYPES:
            raise QueryError(
                f"{path}:{number}: malformed parameter {value!r}; expected "
                f"'# param: ?name ({'|'.join(PARAM_TYPES)}) description; example: value'"
            )
        params.append(Param(param["name"], param["type"], param["description"].strip(), param["example"]))
    for key in ("title", "description"):
        if not fields.get(key):
            raise QueryError(f"{path}: the header has no '# {key}: ...' line")
    query = NamedQuery(path.stem, fields["title"], fields["description"], tuple(params), text, path)
    dummy = {p.name: p.term(p.example) if p.example else _placeholder(p) for p in params}
    try:
        check_query(text, dummy)
    except QueryError as exc:
        raise QueryError(f"{path}: {exc}") from exc
    return query


def _placeholder(param: Param) -> Node:
    return {"iri": URIRef("urn:x-mdgraph:placeholder"), "string": Literal("")}.get(
        param.type, Literal(2000, datatype=XSD.integer)
    )


def load_catalogue(queries_dir: Path) -> dict[str, NamedQuery]:
    """Every queries_dir/*.rq by name (the file stem), sorted by name."""
    directory = Path(queries_dir)
    if not directory.is_dir():
        return {}
    return {path.stem: parse_named_query(path) for path in sorted(directory.glob("*.rq"))}
