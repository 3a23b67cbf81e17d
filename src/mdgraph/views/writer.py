"""Build the views from the published graph: three SPARQL SELECTs in, one SQLite file out.

What it holds: resources and their names (with an FTS5 index), programmes with the ids of
everything they link to, the 3W cube (its cells in served order, with their programmes and the
roles held in them, as arrays, and a slice for each role set and each year: cube.py), and the
programme sets of every facet value (bitsets.py).

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
from . import bitsets, cube
from .filters import ROLES
from .records import ViewStats

SCHEMA_VERSION = "6"
FIELDS = ("label", "alt", "description")

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
#: Every link and date of anything; those of programmes are kept (typed by TYPES_QUERY: joining
#: the type here makes the query three times slower, 10 s at 5.4 million triples).
LINKS_QUERY = _PREFIXES + """
SELECT DISTINCT ?programme ?property ?value WHERE {
  VALUES ?property { mdg:targetsCountry mdg:hasSector mdg:implementedBy mdg:fundedBy mdg:hasPartner
                     mdg:startDate mdg:endDate }
  ?programme ?property ?value .
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
CREATE TABLE programme(id INTEGER PRIMARY KEY, start TEXT, end TEXT, countries BLOB NOT NULL, sectors BLOB NOT NULL,
                       implementers BLOB NOT NULL, funders BLOB NOT NULL, partners BLOB NOT NULL);
CREATE TABLE cube_whole(organisations BLOB NOT NULL, sectors BLOB NOT NULL, countries BLOB NOT NULL,
                        offsets BLOB NOT NULL, members BLOB NOT NULL, masks BLOB NOT NULL, places BLOB NOT NULL);
CREATE TABLE cube_slice(facet TEXT NOT NULL, value INTEGER NOT NULL, ranks BLOB NOT NULL, partial BLOB NOT NULL,
                        offsets BLOB NOT NULL, members BLOB NOT NULL, masks BLOB NOT NULL, PRIMARY KEY(facet, value));
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
    """Links and dates by programme (resources typed mdg:Programme); link targets the graph
    does not type get the kind the link implies."""
    programmes: dict[str, _Programme] = defaultdict(_Programme)
    for row in rows:
        subject = resources.get(row["programme"]["value"])
        if subject is None or subject.kind != "programme":
            continue
        programme = programmes[subject.iri]
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
    names = _names(resources, ids)
    connection.executemany("INSERT INTO name VALUES (?, ?, ?, ?, ?)", names)
    connection.executemany(
        f"INSERT INTO name_fts(rowid, {', '.join(FIELDS)}) VALUES (?, ?, ?, ?)",
        ((number, *(text if field_index == column else None for column in range(len(FIELDS))))
         for number, _, field_index, text, _ in names),
    )
    counts = _write_programmes(connection, programmes, ids)
    connection.execute("INSERT INTO name_fts(name_fts) VALUES ('optimize')")
    connection.execute("ANALYZE")
    kinds = defaultdict(int)
    for resource in resources.values():
        kinds[resource.kind] += 1
    return {
        "programmes": kinds["programme"], "organisations": kinds["organisation"], "countries": kinds["country"],
        "sectors": kinds["sector"], "documents": kinds["document"], "names": len(names), **counts,
    }


def _write_programmes(connection: sqlite3.Connection, programmes: dict[str, _Programme],
                      ids: dict[str, int]) -> dict[str, int]:
    """The programme rows, the 3W cube (cells and slices) and the facet bitsets."""
    spans = {ids[iri]: _span(p) for iri, p in programmes.items()}
    years, open_ended = _running(spans)
    links = {ids[iri]: _links(p, ids) for iri, p in programmes.items()}
    connection.executemany("INSERT INTO programme VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                           ((number, start, end, *map(cube.encode, _row_links(*links[number])))
                            for number, (start, end, _, _) in spans.items()))
    roles = {(organisation, programme): mask for programme, (_, _, by_role) in links.items()
             for organisation, mask in by_role.items()}
    cells = cube.ranked((organisation, sector, country, programme)
                        for programme, (countries, sectors, by_role) in links.items() for organisation in by_role
                        for sector in sectors for country in countries)
    masks, placed = cube.role_masks(cells, roles), cube.places(cells)
    connection.execute("INSERT INTO cube_whole VALUES (?, ?, ?, ?, ?, ?, ?)", cube.whole_blobs(cells, masks, placed))
    connection.executemany("INSERT INTO cube_slice VALUES (?, ?, ?, ?, ?, ?, ?)",
                           ((facet, value, *chosen.blobs())
                            for facet, value, chosen in cube.slices(cells, masks, placed, years, open_ended)))
    connection.executemany("INSERT INTO facet_bits VALUES (?, ?, ?, ?)", _facet_bits(links, years, open_ended))
    linked = sum(len(countries) + len(sectors) + len(by_role) for countries, sectors, by_role in links.values())
    return {"links": linked, "cube_rows": sum(len(members) for _, members in cells), "cells": len(cells)}


def _links(programme: _Programme, ids: dict[str, int]) -> tuple[list[int], list[int], dict[int, int]]:
    """Ids of the programme's countries and sectors, and its organisations with their role masks, by id."""
    countries, sectors = (sorted(ids[iri] for iri in programme.links[kind]) for kind in ("country", "sector"))
    return countries, sectors, dict(sorted((ids[iri], mask) for iri, mask in programme.roles.items()))


def _row_links(countries: list[int], sectors: list[int], by_role: dict[int, int]) -> list[list[int]]:
    """What a programme row lists, as ids: countries, sectors, then the organisations in each role."""
    return [countries, sectors, *([organisation for organisation, mask in by_role.items() if mask & bit]
                                  for bit in ROLES.values())]


def _running(spans: dict[int, tuple]) -> tuple[dict[int, range], set[int]]:
    """The years each programme runs in, and the open-ended programmes. A programme with a
    start and no end runs up to the last year any date names (and past it: the open-ended
    set); one without a start runs in no year, as in queries/programmes-in-year.rq."""
    last_year = max((year for *_, start, end in spans.values() for year in (start, end) if year is not None), default=0)
    years = {number: range(start, (max(last_year, start) if end is None else end) + 1)
             for number, (_, _, start, end) in spans.items() if start is not None}
    open_ended = {number for number, (_, _, start, end) in spans.items() if start is not None and end is None}
    return years, open_ended


def _facet_bits(links: dict[int, tuple], years: dict[int, range], open_ended: set[int]) -> Iterator[tuple]:
    """The programme sets of bitsets.FacetBits: (facet, value, role bit, bits)."""
    members: dict[tuple[str, int, int], list[int]] = defaultdict(list)
    for programme, (countries, sectors, by_role) in links.items():
        members[bitsets.ALL, 0, 0].append(programme)
        for country in countries:
            members[bitsets.COUNTRY, country, 0].append(programme)
        for sector in sectors:
            members[bitsets.SECTOR, sector, 0].append(programme)
        for organisation, mask in by_role.items():
            for bit in ROLES.values():
                if mask & bit:
                    members[bitsets.ORGANISATION, organisation, bit].append(programme)
                    members[bitsets.ROLE, bit, 0].append(programme)
    for programme, running in years.items():
        for year in running:
            members[bitsets.YEAR, year, 0].append(programme)
    members[bitsets.OPEN, 0, 0] = list(open_ended)
    for (facet, value, role), programmes in members.items():
        yield facet, value, role, bitsets.encode(programmes)


def _names(resources: dict[str, _Resource], ids: dict[str, int]) -> list[tuple[int, int, int, str, str]]:
    """(id, resource, field, text, normalised text) for every distinct name of a resource, its
    label first. Ids put the names of countries, organisations, sectors and documents first,
    then the rest shortest first: search scores the first names that match
    (reader.CANDIDATES), and bm25 ranks shorter names with the same words higher."""
    found = []
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
            found.append((resource.kind == "programme", len(text), ids[resource.iri], field_index, text, norm))
    found.sort(key=lambda name: name[:2])  # stable: a resource's names keep their order among equals
    return [(number, *name[2:]) for number, name in enumerate(found, start=1)]
