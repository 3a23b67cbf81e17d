"""Answer search, facet, programme-list and 3W questions from the views file.

Search is FTS5 (exact names, then names starting with the text, then bm25 over names, then
over descriptions); facet counts are bitset arithmetic (bitsets.py); programme lists and 3W
cells are indexed SQL over the link tables and the precomputed cells.

A Views object holds one read-only connection. Before each question it checks whether the
file was replaced (a publish in this or another process) and then reopens it, so a running
server answers from the newest views without being told.
"""

from __future__ import annotations

import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Self

from ..errors import InputError, StoreError
from ..extract.text import normalise_key
from ..namespaces import KINDS, MDG
from .bitsets import FacetBits
from .filters import ROLES, Filters
from .records import Cell, FacetValue, Hit, ProgrammeRow, Ref, ViewStats
from .writer import FIELDS, SCHEMA_VERSION

__all__ = ["Views", "fts_query"]

#: Longest input that search reads, and most words it matches: enough for any name.
MAX_TEXT = 256
MAX_TOKENS = 16
MAX_LIMIT = 200
#: bm25 column weights: a word in a label or alternative name counts far more than in a description.
WEIGHTS = (10.0, 8.0, 1.0)
_ROLE_LABELS = {"implementer": "Implementer", "funder": "Funder", "partner": "Partner"}
_ROLE_IRIS = {"implementer": str(MDG.implementedBy), "funder": str(MDG.fundedBy), "partner": str(MDG.hasPartner)}
_KIND_ORDER = {kind: index for index, kind in enumerate(("country", "organisation", "sector", "programme", "document"))}
_OPEN_END = 9999
NO_FILTERS = Filters()


def _identity(path: Path) -> tuple[int, int, int]:
    status = os.stat(path)
    return status.st_dev, status.st_ino, status.st_mtime_ns


def _marks(values: Sequence) -> str:
    return ", ".join("?" * len(values))


def _clean(text: str) -> str:
    """At most MAX_TEXT characters of valid text (lone surrogates cannot be stored in SQLite)."""
    return str(text)[:MAX_TEXT].encode("utf-8", "ignore").decode("utf-8")


def fts_query(tokens: Sequence[str], columns: Sequence[str], prefix: bool) -> str:
    """An FTS5 query matching all `tokens` in `columns`, each quoted so no input is syntax;
    the last token matches as a prefix when `prefix` is set (autocomplete)."""
    quoted = ['"' + token.replace('"', '""') + '"' for token in tokens]
    if prefix:
        quoted[-1] += "*"
    return "{" + " ".join(columns) + "} : (" + " ".join(quoted) + ")"


class Views:
    """Read-only access to a views file built by `build_views`."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._snapshot: _Snapshot | None = _Snapshot.open(self.path)

    @classmethod
    def open(cls, path: Path) -> Views:
        return cls(path)

    def close(self) -> None:
        with self._lock:
            if self._snapshot is not None:
                self._snapshot.close()
            self._snapshot = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _current(self) -> _Snapshot:
        """The snapshot of the file as it is now: reopened when a publish replaced it. A
        question already running keeps the snapshot it started with."""
        with self._lock:
            if self._snapshot is None:
                raise StoreError(f"{self.path}: the views are closed")
            try:
                replaced = _identity(self.path) != self._snapshot.identity
            except OSError:
                replaced = False  # being replaced right now: answer from the file already open
            if replaced:
                self._snapshot = _Snapshot.open(self.path)
            return self._snapshot

    def search(self, text: str, limit: int = 20, kinds: Iterable[str] | None = None) -> list[Hit]:
        """Resources whose label, alternative name or description has every word of `text`:
        exact names first, then names starting with it, then word matches ranked by bm25."""
        return self._current().rank(text, limit, kinds, prefix=False)

    def suggest(self, prefix: str, limit: int = 10, kinds: Iterable[str] | None = None) -> list[Hit]:
        """Autocomplete: names (not descriptions) matching what was typed, its last word as a prefix."""
        return self._current().rank(prefix, limit, kinds, prefix=True)

    def count(self, filters: Filters = NO_FILTERS) -> int:
        """The number of programmes the filters keep."""
        return self._current().count(filters)

    def programmes(self, filters: Filters = NO_FILTERS, limit: int | None = None, offset: int = 0) -> list[ProgrammeRow]:
        """The programmes the filters keep, by title, with their countries, sectors and organisations."""
        return self._current().programmes(filters, limit, offset)

    def facets(self, filters: Filters = NO_FILTERS) -> dict[str, list[FacetValue]]:
        """For each facet, every value with the number of programmes it would show given the
        other facets' filters (selected values always listed, even when the count is 0)."""
        return self._current().facets(filters)

    def three_w(self, filters: Filters = NO_FILTERS, limit: int | None = None) -> list[Cell]:
        """Organisation x sector x country cells with their programmes (in title order), largest
        first; `limit` keeps the largest. Filters on country, sector and organisation keep only
        those rows and columns; role and year keep the programmes that match them."""
        return self._current().three_w(filters, limit)

    def stats(self) -> ViewStats:
        return self._current().stats

    @property
    def store_version(self) -> str:
        """The version of the published graph the views were built from (GraphStore.version())."""
        return self.stats().store_version


class _Snapshot:
    """One opened views file: its connection and the resources read from it once."""

    def __init__(self, path: Path, connection: sqlite3.Connection, identity: tuple[int, int, int],
                 refs: dict[int, Ref], stats: ViewStats) -> None:
        self.path, self.identity, self.stats = path, identity, stats
        self._connection = connection
        self._lock = threading.Lock()
        self._refs = refs
        self._by_key = {(ref.kind, ref.key): number for number, ref in refs.items()}
        self._programme_iris: dict[int, str] | None = None
        self._facet_bits: FacetBits | None = None

    @classmethod
    def open(cls, path: Path) -> _Snapshot:
        try:
            identity = _identity(path)
        except OSError:
            raise StoreError(f"{path}: there are no views; publishing the graph (mdgraph build) makes them") from None
        connection = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True, check_same_thread=False)
        try:
            meta = dict(connection.execute("SELECT key, value FROM meta"))
            if meta.get("schema") != SCHEMA_VERSION:
                raise StoreError(f"{path}: views of another version (schema {meta.get('schema', 'none')}, "
                                 f"expected {SCHEMA_VERSION}); publish the graph again to rebuild them")
            refs = {number: Ref(iri, kind, key, label) for number, kind, key, iri, label in connection.execute(
                "SELECT id, kind, key, iri, label FROM resource WHERE kind != 'programme'")}
            stats = ViewStats(**json.loads(meta["stats"]))
        except (sqlite3.Error, KeyError, TypeError, ValueError) as exc:
            connection.close()
            raise StoreError(f"{path}: not a readable views file: {exc}") from exc
        except StoreError:
            connection.close()
            raise
        return cls(path, connection, identity, refs, stats)

    def close(self) -> None:
        with self._lock:
            self._connection.close()

    def _rows(self, sql: str, params: Sequence = ()) -> list[tuple]:
        with self._lock:
            try:
                return self._connection.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise StoreError(f"{self.path}: cannot read the views: {exc}") from exc

    def _ids(self, kind: str, keys: Iterable[str]) -> list[int]:
        return [number for key in keys if (number := self._by_key.get((kind, key))) is not None]

    def _load_programme_iris(self) -> dict[int, str]:
        self._programme_iris = dict(self._rows("SELECT id, iri FROM resource WHERE kind = 'programme'"))
        return self._programme_iris

    # -- search ----------------------------------------------------------------------------------

    def rank(self, text: str, limit: int, kinds: Iterable[str] | None, *, prefix: bool) -> list[Hit]:
        if not isinstance(limit, int) or limit < 1:
            raise InputError(f"limit: expected a positive integer, got {limit!r}")
        limit = min(limit, MAX_LIMIT)
        norm = normalise_key(_clean(text))
        tokens = norm.split()[:MAX_TOKENS]
        if not tokens:
            return []
        norm = " ".join(tokens)
        kind_sql, kind_params = self._kind_filter(kinds)
        fetch = min(limit * 5, 500)
        weights = ", ".join(map(str, WEIGHTS))
        if kind_sql:
            fts_sql = (f"SELECT n.resource, n.field, n.text, bm25(name_fts, {weights}) AS rank FROM name_fts "
                       f"JOIN name n ON n.id = name_fts.rowid WHERE name_fts MATCH ?"
                       f"{kind_sql.replace('resource IN', 'n.resource IN')} ORDER BY rank LIMIT ?")
        else:  # rank and cut inside the index, then read the few names
            fts_sql = (f"SELECT n.resource, n.field, n.text, f.rank FROM (SELECT rowid AS id, bm25(name_fts, {weights}) "
                       "AS rank FROM name_fts WHERE name_fts MATCH ? ORDER BY rank LIMIT ?) f JOIN name n ON n.id = f.id")
        tiers = [  # (SQL, parameters, score of a row's last column); each tier outranks the next
            (f"SELECT resource, field, text, field FROM name WHERE norm = ? AND field < 2{kind_sql}",
             [norm, *kind_params], lambda field: 3000.0 + (50 if field == 0 else 40)),
            ((f"SELECT resource, field, text, length(norm) FROM name WHERE norm > ? AND norm < ? "
              f"AND field < 2{kind_sql} ORDER BY length(norm) LIMIT ?"),
             [norm, norm + "\U0010ffff", *kind_params, fetch],
             lambda length: 2000.0 + round(999 * len(norm) / max(length, 1), 3)),
            (fts_sql, [fts_query(tokens, FIELDS[:2], prefix), *kind_params, fetch],
             lambda rank: 1000.0 + min(999.0, round(-rank * 10, 3))),
        ]
        if not prefix:
            tiers.append((fts_sql, [fts_query(tokens, FIELDS[2:], prefix), *kind_params, fetch],
                          lambda rank: min(999.0, round(-rank * 10, 3))))
        best: dict[int, tuple[float, int, str]] = {}
        for sql, params, score_of in tiers:
            if len(best) >= limit:  # later tiers score lower: they could not enter the first `limit`
                break
            for resource, field, matched, measure in self._rows(sql, params):
                score = score_of(measure)
                if resource not in best or score > best[resource][0]:
                    best[resource] = (score, field, matched)
        refs = self._resolve(list(best))
        hits = [
            Hit(ref.iri, ref.kind, ref.key, ref.label, _excerpt(matched), FIELDS[field], score)
            for number, (score, field, matched) in best.items() if (ref := refs.get(number))
        ]
        hits.sort(key=lambda h: (-h.score, _KIND_ORDER.get(h.kind, 9), normalise_key(h.label), h.iri))
        return hits[:limit]

    def _kind_filter(self, kinds: Iterable[str] | None) -> tuple[str, list[str]]:
        if kinds is None:
            return "", []
        chosen = sorted({kinds} if isinstance(kinds, str) else set(kinds))
        unknown = [k for k in chosen if k not in KINDS]
        if unknown or not chosen:
            raise InputError(f"kinds: {', '.join(map(repr, unknown)) or 'none given'}; expected some of {', '.join(KINDS)}")
        return f" AND resource IN (SELECT id FROM resource WHERE kind IN ({_marks(chosen)}))", chosen

    def _resolve(self, numbers: list[int]) -> dict[int, Ref]:
        """Refs for resource ids: cached ones, and programmes read in one query."""
        refs = {n: self._refs[n] for n in numbers if n in self._refs}
        missing = [n for n in numbers if n not in refs]
        if missing:
            for number, kind, key, iri, label in self._rows(
                    "SELECT id, kind, key, iri, label FROM resource WHERE id IN (SELECT value FROM json_each(?))",
                    [json.dumps(missing)]):
                refs[number] = Ref(iri, kind, key, label)
        return refs

    # -- programmes and facets -------------------------------------------------------------------

    def _conditions(self, filters: Filters) -> tuple[list[str], list]:
        """SQL conditions on the programme table for `filters` (the semantics of FacetBits.matching)."""
        clauses: list[str] = []
        params: list = []
        for facet, keys in (("country", filters.countries), ("sector", filters.sectors)):
            if keys:
                ids = self._ids(facet, keys)
                clauses.append(f"programme.id IN (SELECT programme FROM programme_{facet} WHERE {facet} IN ({_marks(ids)}))")
                params += ids
        if filters.organisations:
            inner, inner_params = self._organisation_conditions(filters)
            clauses.append(f"programme.id IN (SELECT programme FROM programme_organisation WHERE {' AND '.join(inner)})")
            params += inner_params
        elif filters.roles:
            clauses.append("(programme.roles & ?) != 0")  # anyone in one of the roles: the programme's mask
            params.append(filters.role_mask)
        if filters.year is not None:
            clauses.append(f"programme.start_year <= ? AND coalesce(programme.end_year, {_OPEN_END}) >= ?")
            params += [filters.year, filters.year]
        return clauses, params

    def _organisation_conditions(self, filters: Filters) -> tuple[list[str], list]:
        clauses, params = [], []
        if filters.organisations:
            ids = self._ids("organisation", filters.organisations)
            clauses.append(f"organisation IN ({_marks(ids)})")
            params += ids
        if filters.roles:
            clauses.append("(roles & ?) != 0")
            params.append(filters.role_mask)
        return clauses, params

    def _bits(self) -> FacetBits:
        if self._facet_bits is None:
            self._facet_bits = FacetBits.from_rows(self._rows("SELECT facet, value, role, bits FROM facet_bits"))
        return self._facet_bits

    def _selected(self, filters: Filters) -> dict[str, list[int]]:
        return {"country": self._ids("country", filters.countries), "sector": self._ids("sector", filters.sectors),
                "organisation": self._ids("organisation", filters.organisations)}

    def count(self, filters: Filters) -> int:
        return self._bits().matching(filters, self._selected(filters)).bit_count()

    def programmes(self, filters: Filters, limit: int | None, offset: int) -> list[ProgrammeRow]:
        clauses, params = self._conditions(filters)
        where = f" WHERE {' AND '.join(clauses)}" if clauses else ""
        rows = self._rows(
            f"SELECT programme.id, r.iri, r.key, r.label, programme.start, programme.end FROM programme "
            f"JOIN resource r ON r.id = programme.id{where} ORDER BY programme.id LIMIT ? OFFSET ?",
            [*params, -1 if limit is None else max(limit, 0), max(offset, 0)],
        )
        if not rows:
            return []
        numbers = json.dumps([row[0] for row in rows])
        links: dict[int, dict[str, list[Ref]]] = {row[0]: {} for row in rows}
        for facet in ("country", "sector"):
            for programme, value in self._rows(
                    f"SELECT programme, {facet} FROM programme_{facet} "
                    f"WHERE programme IN (SELECT value FROM json_each(?)) ORDER BY programme, {facet}", [numbers]):
                links[programme].setdefault(facet, []).append(self._refs[value])
        for programme, organisation, mask in self._rows(
                "SELECT programme, organisation, roles FROM programme_organisation "
                "WHERE programme IN (SELECT value FROM json_each(?)) ORDER BY programme, organisation", [numbers]):
            for role, bit in ROLES.items():
                if mask & bit:
                    links[programme].setdefault(role, []).append(self._refs[organisation])
        return [
            ProgrammeRow(iri, key, label, start, end,
                         *(tuple(links[number].get(name, ())) for name in ("country", "sector", *ROLES)))
            for number, iri, key, label, start, end in rows
        ]

    def facets(self, filters: Filters) -> dict[str, list[FacetValue]]:
        bits, selected = self._bits(), self._selected(filters)
        facets = {facet: self._entity_values(facet, bits.counts(facet, filters, selected), keys)
                  for facet, keys in (("country", filters.countries), ("sector", filters.sectors),
                                      ("organisation", filters.organisations))}
        roles = bits.counts("role", filters, selected)
        facets["role"] = [FacetValue(role, _ROLE_LABELS[role], _ROLE_IRIS[role], roles.get(bit, 0), role in filters.roles)
                          for role, bit in ROLES.items() if roles.get(bit) or role in filters.roles]
        years = bits.counts("year", filters, selected)
        if filters.year is not None:
            years.setdefault(filters.year, 0)
        facets["year"] = [FacetValue(str(year), str(year), None, count, year == filters.year)
                          for year, count in sorted(years.items())]
        return facets

    def _entity_values(self, kind: str, counts: dict[int, int], selected: Sequence[str]) -> list[FacetValue]:
        rows = sorted(counts.items(), key=lambda row: (-row[1], row[0]))
        values = [FacetValue(ref.key, ref.label, ref.iri, count, ref.key in selected)
                  for number, count in rows if (ref := self._refs.get(number))]
        listed = {value.key for value in values}
        for key in selected:
            if key not in listed:
                number = self._by_key.get((kind, key))
                ref = self._refs.get(number) if number is not None else None
                values.append(FacetValue(key, ref.label if ref else key, ref.iri if ref else None, 0, True))
        return values

    # -- the 3W cube -------------------------------------------------------------------------------

    def three_w(self, filters: Filters, limit: int | None) -> list[Cell]:
        clauses, params = [], []
        for facet, keys in (("country", filters.countries), ("sector", filters.sectors),
                            ("organisation", filters.organisations)):
            if keys:
                ids = self._ids(facet, keys)
                clauses.append(f"{facet} IN ({_marks(ids)})")
                params += ids
        limit_sql = -1 if limit is None else max(limit, 0)
        if filters.year is None and len(filters.roles) <= 1:
            rows = self._rows(
                f"SELECT organisation, sector, country, count, programmes FROM cell "
                f"WHERE {' AND '.join(['roles = ?', *clauses])} ORDER BY rank LIMIT ?",
                [filters.role_mask, *params, limit_sql])
            return [self._cell(*row) for row in rows]
        if filters.roles:
            clauses.append("(roles & ?) != 0")
            params.append(filters.role_mask)
        if filters.year is not None:
            clauses.append(f"start_year <= ? AND coalesce(end_year, {_OPEN_END}) >= ?")
            params += [filters.year, filters.year]
        rows = self._rows(
            "SELECT organisation, sector, country, COUNT(*), GROUP_CONCAT(programme) FROM cube"
            f"{' WHERE ' + ' AND '.join(clauses) if clauses else ''} GROUP BY organisation, sector, country "
            "ORDER BY COUNT(*) DESC, organisation, sector, country LIMIT ?",
            [*params, limit_sql],
        )
        return [self._cell(o, s, c, count, ",".join(map(str, sorted(map(int, members.split(","))))))
                for o, s, c, count, members in rows]

    def _cell(self, organisation: int, sector: int, country: int, count: int, members: str) -> Cell:
        refs, iris = self._refs, self._programme_iris or self._load_programme_iris()
        return Cell(refs[organisation], refs[sector], refs[country], count,
                    tuple(iris[int(number)] for number in members.split(",")))


def _excerpt(text: str, width: int = 200) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"
