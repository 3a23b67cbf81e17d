"""Build the views from the published graph: three SPARQL SELECTs in, one SQLite file out.

What it holds: resources and their names (with an FTS5 index), programmes with their link
tables, the 3W cube and its cells precomputed for any role and each role, and the programme
sets of every facet value (bitsets.py).

The file is written beside its final path and moved into place with os.replace, so readers
always open a complete file that matches one published graph (its store version is recorded).
Resource ids are given in label order within each kind (programmes first: ids 1..N, which are
also their bits), so ordering by id is ordering by name.
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from ..errors import StoreError
from ..extract.text import normalise_key
from ..namespaces import KINDS, MDG, MDGID
from ..store import GraphStore
from . import bitsets
from .filters import ROLES
from .records import ViewStats

SCHEMA_VERSION = "3"
FIELDS = ("label", "alt", "description")
#: Role masks the 3W cells are precomputed for: any role, then each role alone.
CELL_ROLES = (0, *ROLES.values())

_PREFIXES = """
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
"""
#: Every resource of the five kinds. (Names are read apart: joining them here would make the
#: engine pair every copy of a type with every copy of a name, one per document graph.)
TYPES_QUERY = _PREFIXES + """
SELECT DISTINCT ?resource ?class WHERE {
  VALUES ?class { mdg:Programme mdg:Organisation mdg:Country mdg:Sector mdg:Document }
  ?resource a ?class .
}"""
#: Labels, alternative names and descriptions of anything.
NAMES_QUERY = _PREFIXES + """
SELECT DISTINCT ?resource ?property ?name WHERE {
  VALUES ?property { rdfs:label skos:prefLabel dcterms:title skos:altLabel skos:notation
                     dcterms:description skos:definition }
  ?resource ?property ?name .
  FILTER(isLiteral(?name))
}"""
#: Every link and date of every programme.
LINKS_QUERY = _PREFIXES + """
SELECT DISTINCT ?programme ?property ?value WHERE {
  VALUES ?property { mdg:targetsCountry mdg:hasSector mdg:implementedBy mdg:fundedBy mdg:hasPartner
                     mdg:startDate mdg:endDate }
  ?programme a mdg:Programme ; ?property ?value .
}"""

_CLASS_KINDS = {str(MDG[kind.capitalize()]): kind for kind in KINDS}
_LABEL_PROPERTIES = {
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://purl.org/dc/terms/title",
}
_ALT_PROPERTIES = {"http://www.w3.org/2004/02/skos/core#altLabel", "http://www.w3.org/2004/02/skos/core#notation"}
_LINK_KINDS = {str(MDG.targetsCountry): "country", str(MDG.hasSector): "sector"}
_ROLE_BITS = {str(MDG.implementedBy): ROLES["implementer"], str(MDG.fundedBy): ROLES["funder"],
              str(MDG.hasPartner): ROLES["partner"]}
_START, _END = str(MDG.startDate), str(MDG.endDate)
_YEAR = re.compile(r"(\d{4})")

SCHEMA = f"""
CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE resource(id INTEGER PRIMARY KEY, kind TEXT NOT NULL, key TEXT NOT NULL,
                      iri TEXT NOT NULL UNIQUE, label TEXT NOT NULL);
CREATE UNIQUE INDEX resource_by_key ON resource(kind, key);
CREATE TABLE name(id INTEGER PRIMARY KEY, resource INTEGER NOT NULL, field INTEGER NOT NULL,
                  text TEXT NOT NULL, norm TEXT NOT NULL);
CREATE INDEX name_by_norm ON name(norm, resource, field) WHERE field < 2;
CREATE VIRTUAL TABLE name_fts USING fts5({", ".join(FIELDS)}, content='',
    tokenize='unicode61 remove_diacritics 2', prefix='1 2 3');
CREATE TABLE programme(id INTEGER PRIMARY KEY, start TEXT, end TEXT, start_year INTEGER, end_year INTEGER,
                       roles INTEGER NOT NULL);
CREATE TABLE programme_country(country INTEGER, programme INTEGER, PRIMARY KEY(country, programme)) WITHOUT ROWID;
CREATE INDEX programme_country_by_programme ON programme_country(programme, country);
CREATE TABLE programme_sector(sector INTEGER, programme INTEGER, PRIMARY KEY(sector, programme)) WITHOUT ROWID;
CREATE INDEX programme_sector_by_programme ON programme_sector(programme, sector);
CREATE TABLE programme_organisation(organisation INTEGER, programme INTEGER, roles INTEGER NOT NULL,
                                    PRIMARY KEY(organisation, programme)) WITHOUT ROWID;
CREATE INDEX programme_organisation_by_programme ON programme_organisation(programme, organisation, roles);
CREATE TABLE cube(organisation INTEGER, sector INTEGER, country INTEGER, programme INTEGER,
                  roles INTEGER NOT NULL, start_year INTEGER, end_year INTEGER,
                  PRIMARY KEY(organisation, sector, country, programme)) WITHOUT ROWID;
CREATE INDEX cube_by_sector ON cube(sector, country);
CREATE INDEX cube_by_country ON cube(country, sector);
CREATE TABLE cell(rank INTEGER PRIMARY KEY, roles INTEGER NOT NULL, organisation INTEGER, sector INTEGER,
                  country INTEGER, count INTEGER NOT NULL, programmes TEXT NOT NULL);
CREATE INDEX cell_by_roles ON cell(roles);
CREATE INDEX cell_by_organisation ON cell(roles, organisation);
CREATE INDEX cell_by_sector ON cell(roles, sector);
CREATE INDEX cell_by_country ON cell(roles, country);
CREATE TABLE facet_bits(facet TEXT NOT NULL, value INTEGER NOT NULL, role INTEGER NOT NULL, bits BLOB NOT NULL,
                        PRIMARY KEY(facet, value, role)) WITHOUT ROWID;
"""


@dataclass
class _Resource:
    iri: str
    kind: str
    names: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))  # field -> (text, lang)


@dataclass
class _Programme:
    links: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))   # country/sector -> IRIs
    roles: dict[str, int] = field(default_factory=lambda: defaultdict(int))         # organisation IRI -> mask
    starts: list[str] = field(default_factory=list)
    ends: list[str] = field(default_factory=list)


def build_views(store: GraphStore, path: Path) -> ViewStats:
    """Read the published graph and replace the views file at `path` with views of it."""
    started = time.monotonic()
    path = Path(path)
    version = store.version()  # read first: a publish during the build leaves the views marked stale
    resources = _resources(_select(store, TYPES_QUERY), _select(store, NAMES_QUERY))
    programmes = _programmes(_select(store, LINKS_QUERY), resources)
    ids = _ids(resources)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise StoreError(f"{path}: cannot create the folder of the views: {exc}") from exc
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        connection = sqlite3.connect(temporary)
        try:
            counts = _write(connection, resources, programmes, ids)
            stats = ViewStats(
                path=str(path), store_version=version,
                built_at=datetime.now(UTC).isoformat(timespec="seconds"),
                seconds=round(time.monotonic() - started, 3), **counts,
            )
            connection.executemany("INSERT INTO meta VALUES (?, ?)",
                                   [("schema", SCHEMA_VERSION), ("stats", json.dumps(asdict(stats)))])
            connection.commit()
        finally:
            connection.close()
        with open(temporary, "rb+") as written:
            os.fsync(written.fileno())
        os.replace(temporary, path)
    except (OSError, sqlite3.Error) as exc:
        raise StoreError(f"{path}: cannot write the views: {exc}") from exc
    finally:
        temporary.unlink(missing_ok=True)
    return stats


def _select(store: GraphStore, query: str) -> Iterator[dict]:
    """Rows of a SELECT as SPARQL JSON bindings (the canonical payload: no term objects made)."""
    return iter(json.loads(store.query(query).payload)["results"]["bindings"])


def _resources(types: Iterator[dict], names: Iterator[dict]) -> dict[str, _Resource]:
    """Resources by IRI, each of the first of KINDS it is typed with, with its names by field."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    kinds: dict[str, str] = {}
    for row in types:
        iri, kind = row["resource"]["value"], _CLASS_KINDS[row["class"]["value"]]
        if iri not in kinds or order[kind] < order[kinds[iri]]:
            kinds[iri] = kind
    resources = {iri: _Resource(iri, kind) for iri, kind in kinds.items()}
    for row in names:
        resource = resources.get(row["resource"]["value"])
        if resource is None:
            continue
        prop = row["property"]["value"]
        field_name = "label" if prop in _LABEL_PROPERTIES else "alt" if prop in _ALT_PROPERTIES else "description"
        resource.names[field_name].append((row["name"]["value"], row["name"].get("xml:lang", "")))
    return resources


def _programmes(rows: Iterator[dict], resources: dict[str, _Resource]) -> dict[str, _Programme]:
    """Links and dates by programme; link targets the graph does not type get the kind the link implies."""
    programmes: dict[str, _Programme] = defaultdict(_Programme)
    for row in rows:
        programme = programmes[row["programme"]["value"]]
        prop, value = row["property"]["value"], row["value"]
        if prop == _START or prop == _END:
            if value["type"] == "literal":
                (programme.starts if prop == _START else programme.ends).append(value["value"])
            continue
        if value["type"] != "uri":
            continue
        kind = _LINK_KINDS.get(prop, "organisation")
        resources.setdefault(value["value"], _Resource(value["value"], kind))
        if prop in _ROLE_BITS:
            programme.roles[value["value"]] |= _ROLE_BITS[prop]
        else:
            programme.links[kind].add(value["value"])
    for iri in programmes:
        resources.setdefault(iri, _Resource(iri, "programme"))
    return programmes


def _key(iri: str, kind: str) -> str:
    prefix = f"{MDGID}{kind}/"
    return iri.removeprefix(prefix)


def _label(resource: _Resource) -> str:
    """The English label, else one without a language, else any; the key when there is none."""
    labels = resource.names.get("label") or []
    if not labels:
        return _key(resource.iri, resource.kind)
    return min(labels, key=lambda entry: (entry[1] not in ("en", ""), entry[1] != "en", entry[0]))[0]


def _ids(resources: dict[str, _Resource]) -> dict[str, int]:
    """Ids in (kind, label) order, so that ORDER BY id lists by name."""
    order = {kind: index for index, kind in enumerate(KINDS)}
    ranked = sorted(resources.values(), key=lambda r: (order[r.kind], normalise_key(_label(r)), r.iri))
    return {resource.iri: number for number, resource in enumerate(ranked, start=1)}


def _year(lexical: str) -> int | None:
    match = _YEAR.match(lexical.strip())
    return int(match.group(1)) if match else None


def _span(programme: _Programme) -> tuple[str | None, str | None, int | None, int | None]:
    """Earliest start and latest end (lexical forms and years)."""
    starts = sorted((y, s) for s in programme.starts if (y := _year(s)) is not None)
    ends = sorted((y, e) for e in programme.ends if (y := _year(e)) is not None)
    start = starts[0] if starts else (None, None)
    end = ends[-1] if ends else (None, None)
    return start[1], end[1], start[0], end[0]


def _write(connection: sqlite3.Connection, resources: dict[str, _Resource],
           programmes: dict[str, _Programme], ids: dict[str, int]) -> dict[str, int]:
    connection.executescript("PRAGMA journal_mode = OFF; PRAGMA synchronous = OFF;" + SCHEMA)
    connection.executemany(
        "INSERT INTO resource VALUES (?, ?, ?, ?, ?)",
        ((ids[r.iri], r.kind, _key(r.iri, r.kind), r.iri, _label(r)) for r in resources.values()),
    )
    names = list(_names(resources, ids))
    connection.executemany("INSERT INTO name VALUES (?, ?, ?, ?, ?)", names)
    connection.executemany(
        f"INSERT INTO name_fts(rowid, {', '.join(FIELDS)}) VALUES (?, ?, ?, ?)",
        ((number, *(text if field_index == column else None for column in range(len(FIELDS))))
         for number, _, field_index, text, _ in names),
    )
    spans = {iri: _span(p) for iri, p in programmes.items()}
    connection.executemany("INSERT INTO programme VALUES (?, ?, ?, ?, ?, ?)",
                           ((ids[iri], *span, _mask(programmes[iri])) for iri, span in spans.items()))
    countries = [(ids[c], ids[p]) for p, prog in programmes.items() for c in prog.links["country"]]
    sectors = [(ids[s], ids[p]) for p, prog in programmes.items() for s in prog.links["sector"]]
    organisations = [(ids[o], ids[p], mask) for p, prog in programmes.items() for o, mask in prog.roles.items()]
    connection.executemany("INSERT INTO programme_country VALUES (?, ?)", countries)
    connection.executemany("INSERT INTO programme_sector VALUES (?, ?)", sectors)
    connection.executemany("INSERT INTO programme_organisation VALUES (?, ?, ?)", organisations)
    cube = [
        (ids[o], ids[s], ids[c], ids[p], mask, spans[p][2], spans[p][3])
        for p, prog in programmes.items() for o, mask in prog.roles.items()
        for s in prog.links["sector"] for c in prog.links["country"]
    ]
    connection.executemany("INSERT INTO cube VALUES (?, ?, ?, ?, ?, ?, ?)", cube)
    connection.executemany("INSERT INTO cell VALUES (NULL, ?, ?, ?, ?, ?, ?)", _cells(cube))
    connection.executemany("INSERT INTO facet_bits VALUES (?, ?, ?, ?)",
                           _facet_bits(spans, countries, sectors, organisations, ids))
    connection.execute("INSERT INTO name_fts(name_fts) VALUES ('optimize')")
    connection.execute("ANALYZE")
    kinds = defaultdict(int)
    for resource in resources.values():
        kinds[resource.kind] += 1
    return {
        "programmes": kinds["programme"], "organisations": kinds["organisation"], "countries": kinds["country"],
        "sectors": kinds["sector"], "documents": kinds["document"], "names": len(names),
        "links": len(countries) + len(sectors) + len(organisations), "cube_rows": len(cube),
        "cells": len({row[:3] for row in cube}),
    }


def _facet_bits(spans: dict[str, tuple], countries: list[tuple[int, int]], sectors: list[tuple[int, int]],
                organisations: list[tuple[int, int, int]], ids: dict[str, int]) -> Iterator[tuple]:
    """The programme sets of bitsets.FacetBits: (facet, value, role bit, bits)."""
    members: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for value, programme in countries:
        members[bitsets.COUNTRY, value, 0].append(programme)
    for value, programme in sectors:
        members[bitsets.SECTOR, value, 0].append(programme)
    for organisation, programme, mask in organisations:
        for bit in ROLES.values():
            if mask & bit:
                members[bitsets.ORGANISATION, organisation, bit].append(programme)
                members[bitsets.ROLE, bit, 0].append(programme)
    years = [year for *_, start, end in spans.values() for year in (start, end) if year is not None]
    last_year = max(years, default=0)
    for iri, (_, _, start, end) in spans.items():
        members[bitsets.ALL, 0, 0].append(ids[iri])
        if start is None:
            continue  # a programme without a start is in no year, as in queries/programmes-in-year.rq
        if end is None:
            members[bitsets.OPEN, 0, 0].append(ids[iri])
        for year in range(start, (max(last_year, start) if end is None else end) + 1):
            members[bitsets.YEAR, year, 0].append(ids[iri])
    for (facet, value, role), programmes in members.items():
        yield facet, value, role, bitsets.encode(set(programmes))


def _mask(programme: _Programme) -> int:
    mask = 0
    for bits in programme.roles.values():
        mask |= bits
    return mask


def _cells(cube: list[tuple]) -> Iterator[tuple]:
    """3W cells for each of CELL_ROLES, largest first: (roles, organisation, sector, country,
    count, programme ids in title order)."""
    for roles in CELL_ROLES:
        cells: dict[tuple[int, int, int], list[int]] = defaultdict(list)
        for organisation, sector, country, programme, mask, *_ in cube:
            if not roles or mask & roles:
                cells[organisation, sector, country].append(programme)
        for (organisation, sector, country), members in sorted(cells.items(), key=lambda c: (-len(c[1]), c[0])):
            yield roles, organisation, sector, country, len(members), ",".join(map(str, sorted(members)))


def _names(resources: dict[str, _Resource], ids: dict[str, int]) -> Iterator[tuple[int, int, int, str, str]]:
    """(id, resource, field, text, normalised text) for every distinct name; the label first."""
    number = 0
    for resource in resources.values():
        label = _label(resource)
        entries = [("label", label)]
        entries += [("alt", text) for text, _ in resource.names.get("label", []) if text != label]
        entries += [(f, text) for f in ("alt", "description") for text, _ in resource.names.get(f, [])]
        seen: set[tuple[bool, str]] = set()
        for field_name, text in entries:
            field_index, norm = FIELDS.index(field_name), normalise_key(text)
            if not norm or (field_name == "description", norm) in seen:
                continue
            seen.add((field_name == "description", norm))
            number += 1
            yield number, ids[resource.iri], field_index, text, norm
