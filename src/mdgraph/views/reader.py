"""Answer search, facet, programme-list and 3W questions from the views file.

Search is FTS5 (exact names, then names starting with the text, then bm25 over names, then
over descriptions). Facet counts, the programmes a filter keeps and the 3W matrix are set
arithmetic on compressed bitmaps (bitsets.py). The whole 3W cube and its slices by role set
or year are precomputed (cube.py); countries, sectors and organisations pick cells of those
by rank, and a role set with a year narrows the year's slice to the programmes the roles are
held in.

What a list or the cube shows is read once per file and kept: the programme rows and the
unfiltered cube, as named tuples (records.py); a list of forty thousand programmes is then a
bitset and a list of references, the whole cube a copy of a list. The facets and matrices of
every filter one click away from an unfiltered page (a set of roles, a year, one country,
sector or organisation) are made when warming, so the pages people open first answer from
memory at any size; other filters are counted when asked.

A Views object holds one read-only connection. Before each question it checks whether the
file was replaced (a publish in this or another process) and then reopens it, so a running
server answers from the newest views without being told. `warm` reads all of that at once
(a server calls it from a background thread, so no question pays for it).
"""

from __future__ import annotations

import gc
import json
import os
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from itertools import combinations
from pathlib import Path
from typing import Self

from pyroaring import FrozenBitMap

from ..errors import InputError, StoreError
from ..extract.text import normalise_key
from ..namespaces import KINDS, MDG
from . import cube
from .bitsets import ALL_ROLES, OPEN, ROLE, FacetBits, union
from .cube import Slice
from .filters import ROLES, Filters, filterable
from .records import Cell, FacetValue, Hit, Matrix, ProgrammeRow, Ref, ViewStats
from .writer import FIELDS, SCHEMA_VERSION

__all__ = ["Views", "fts_query"]

#: Longest input that search reads, and most words it matches: enough for any name.
MAX_TEXT = 256
MAX_TOKENS = 16
MAX_LIMIT = 200
#: Names that search and suggestions score with bm25 at most, in index order: the names of
#: countries, organisations, sectors and documents, then programme titles and descriptions
#: shortest first (writer._names), which is the order bm25 ranks names with the same words.
#: Scoring every match grows with the graph: "migration" is in 3,265 names at 1M triples and
#: 16,157 at 5M, and ranking them all took 2.6 and 20.7 ms.
CANDIDATES = 1000
#: bm25 column weights: a word in a label or alternative name counts far more than in a description.
WEIGHTS = (10.0, 8.0, 1.0)
_ROLE_LABELS = {"implementer": "Implementer", "funder": "Funder", "partner": "Partner"}
_ROLE_IRIS = {"implementer": str(MDG.implementedBy), "funder": str(MDG.fundedBy), "partner": str(MDG.hasPartner)}
#: The axes of the 3W cube, as facets.
AXES = ("organisation", "sector", "country")
_KIND_ORDER = {kind: index for index, kind in enumerate(("country", "organisation", "sector", "programme", "document"))}
_BATCH = 8192
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

    def warm(self) -> bool:
        """Read into memory what questions would otherwise read on first use, from the file
        as it is now (reopened when replaced); True when there was something to read. For the
        process that serves the views: it then freezes the garbage collector's view of what
        is alive (`_spare_from_gc`)."""
        if not self._current().warm():
            return False
        _spare_from_gc()
        return True

    def is_warm(self) -> bool:
        """Whether the file as it is now has been warmed (what `warm` reads is in memory)."""
        return self._current()._warm

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

    def matrix(self, filters: Filters, rows: str, columns: str) -> Matrix:
        """Two of the 3W axes (organisation, sector, country) crossed: how many of the
        programmes the filters keep have each pair of values; what the /3w page shows, and
        what its cells drill down to in the programme list."""
        return self._current().matrix(filters, rows, columns)

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
        self._facet_bits: FacetBits | None = None
        self._cache_lock = threading.RLock()
        self._iris: list[str] | None = None
        self._rows_by_id: list[ProgrammeRow | None] | None = None
        self._cells: tuple[Cell, ...] | None = None
        self._members: cube.Members | None = None
        self._ready_facets: dict[tuple, dict[str, tuple[FacetValue, ...]]] = {}
        self._ready_matrices: dict[tuple, Matrix] = {}
        self._warm = False

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
        # bm25 scores the first CANDIDATES names that match, in index order, and keeps the best
        fts_sql = (f"SELECT n.resource, n.field, n.text, f.rank FROM (SELECT rowid AS id, bm25(name_fts, {weights}) "
                   f"AS rank FROM name_fts WHERE name_fts MATCH ? LIMIT {CANDIDATES}) f JOIN name n ON n.id = f.id "
                   f"WHERE 1{kind_sql.replace('resource IN', 'n.resource IN')} ORDER BY f.rank LIMIT ?")
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

    def _bits(self) -> FacetBits:
        with self._cache_lock:
            if self._facet_bits is None:
                self._facet_bits = FacetBits.from_rows(self._rows("SELECT facet, value, role, bits FROM facet_bits"))
            return self._facet_bits

    def _selected(self, filters: Filters) -> dict[str, list[int]]:
        return {"country": self._ids("country", filters.countries), "sector": self._ids("sector", filters.sectors),
                "organisation": self._ids("organisation", filters.organisations)}

    def count(self, filters: Filters) -> int:
        return len(self._bits().matching(filters, self._selected(filters)))

    def programmes(self, filters: Filters, limit: int | None, offset: int) -> list[ProgrammeRow]:
        start = max(offset, 0)
        stop = None if limit is None else start + max(limit, 0)
        chosen = self._bits().matching(filters, self._selected(filters))[start:stop]
        rows = self._programme_rows()
        return [rows[number] for number in chosen]

    def facets(self, filters: Filters) -> dict[str, list[FacetValue]]:
        made = self._ready_facets.get(self._ready_key(filters))
        if made is not None:
            return {facet: list(values) for facet, values in made.items()}
        return self._counted_facets(filters)

    def _counted_facets(self, filters: Filters) -> dict[str, list[FacetValue]]:
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

    def matrix(self, filters: Filters, rows: str, columns: str) -> Matrix:
        """Counts as bitset intersections (FacetBits.crossed), or made when warming for the
        filters of one click (`_ready_key`); a Matrix is never changed by its readers."""
        made = self._ready_matrices.get((self._ready_key(filters), rows, columns))
        if made is not None:
            return made
        if rows == columns or {rows, columns} - set(AXES):
            raise InputError(f"rows and columns must be two different axes of {', '.join(AXES)}, "
                             f"got {rows!r} and {columns!r}")
        return self._crossed(filters, rows, columns)

    def _ready_key(self, filters: Filters) -> tuple[str, int | str] | None:
        """Which facets and matrices made when warming answer `filters`: those one click away
        from an unfiltered page (no filter, one set of roles, one year, or one country, sector
        or organisation in any role), named as ("role", mask), FacetBits.running(year) (years
        after the last share the open-ended programmes), or (facet, key). None for other
        filters: they are counted when asked, in time that grows with the programmes they keep."""
        selected = [(facet, keys) for facet, keys in (("country", filters.countries), ("sector", filters.sectors),
                                                      ("organisation", filters.organisations)) if keys]
        if not selected:
            if filters.year is None:
                return ROLE, filters.role_mask
            return None if filters.roles else self._bits().running(filters.year)
        (facet, keys), *others = selected
        return (facet, keys[0]) if not others and len(keys) == 1 and not filters.roles and filters.year is None else None

    def _one_click(self) -> list[Filters]:
        """The filters `_ready_key` names, one each."""
        bits = self._bits()
        chosen = [NO_FILTERS, *(Filters(roles=roles) for roles in _role_sets()),
                  *(Filters(year=year) for year in sorted(bits.years))]
        if bits.years:
            chosen.append(Filters(year=max(bits.years) + 1))  # the open-ended programmes
        for facet, table in (("country", bits.countries), ("sector", bits.sectors), ("organisation", bits.anyone)):
            keys = (ref.key for number in table if (ref := self._refs.get(number)))
            chosen += [Filters.from_query({facet: key}) for key in keys if filterable(key)]
        return chosen

    def _crossed(self, filters: Filters, rows: str, columns: str) -> Matrix:
        bits, selected = self._bits(), self._selected(filters)
        kept = bits.matching(filters, selected)
        down, across = (self._axis(bits, axis, filters, selected, kept) for axis in (rows, columns))
        refs = self._refs
        counts = bits.crossed(down, across)
        counts = counts.keyed(lambda n: refs[n].key, lambda n: refs[n].key)
        row_totals, column_totals = ({refs[n].key: len(found) for n, found in axis.items()}
                                     for axis in (down, across))
        both = union(down.values()) & union(across.values())
        return Matrix(_by_size(map(refs.__getitem__, down), row_totals),
                      _by_size(map(refs.__getitem__, across), column_totals),
                      counts, row_totals, column_totals, len(both))

    def _axis(self, bits: FacetBits, facet: str, filters: Filters, selected: dict[str, list[int]],
              kept: FrozenBitMap) -> dict[int, FrozenBitMap]:
        """The kept programmes of each value of an axis that has some, by resource id."""
        return {n: kept_found for n, found in bits.axis(facet, filters, selected).items()
                if n in self._refs and filterable(self._refs[n].key) and (kept_found := found & kept)}

    def three_w(self, filters: Filters, limit: int | None) -> list[Cell]:
        """The whole cube and its slices come from memory and cube_slice: a role set or a year
        is its slice, narrowed to the cells of the countries, sectors and organisations
        selected; a role set with a year is the year's slice narrowed to the role set."""
        limit = None if limit is None else max(limit, 0)
        mask = 0 if filters.role_mask == ALL_ROLES else filters.role_mask  # all roles: every cube row
        if filters.year is None and not mask:
            return self._cube_cells(filters, limit)
        chosen = self._slice(ROLE, mask) if filters.year is None else self._year_slice(filters.year)
        if not chosen:
            return []
        ranks = self._cube_ranks(filters, None)
        wanted = None if ranks is None else set(ranks)
        if filters.year is not None and mask:
            chosen = chosen.held(mask, self._cube_members(), wanted, limit)
        elif wanted is not None:
            chosen = chosen.among(wanted, limit)
        cube, iris = self._cube(), self._programme_iris()
        with _COLLECTOR_PAUSED:
            return chosen.cells(cube, limit, iris)

    def _cube_cells(self, filters: Filters, limit: int | None) -> list[Cell]:
        """Cells of the unfiltered cube, those of the selected countries, sectors and organisations."""
        cells, ranks = self._cube(), self._cube_ranks(filters, limit)
        return list(cells[:limit]) if ranks is None else list(map(cells.__getitem__, ranks))

    def _cube_ranks(self, filters: Filters, limit: int | None) -> Sequence[int] | None:
        """The ranks of the first `limit` cells (all for None) of the selected countries,
        sectors and organisations; None when none are selected."""
        selected = [self._ids(kind, keys) for kind, keys in (("country", filters.countries), ("sector", filters.sectors),
                                                              ("organisation", filters.organisations)) if keys]
        if not selected:
            return None
        members = self._cube_members()
        if members is None:
            return []
        each = [_union([members.cells_of.get(number, ()) for number in ids]) for ids in selected]
        smallest, *others = sorted(each, key=len)
        if others:
            within = [set(ranks) for ranks in others]
            smallest = [rank for rank in smallest if all(rank in ranks for ranks in within)]
        return smallest[:limit]

    def _year_slice(self, year: int) -> Slice | None:
        held = self._bits().running(year)
        return self._slice(*held) if held else None

    def _slice(self, facet: str, value: int) -> Slice | None:
        rows = self._rows("SELECT ranks, partial, offsets, members, masks FROM cube_slice WHERE facet = ? AND value = ?",
                          [facet, value])
        return Slice.from_blobs(*rows[0]) if rows else None

    # -- what is read once per file: programme IRIs and rows, the unfiltered cube -------------------

    def warm(self) -> bool:
        """Read everything kept in memory (each part under the cache lock, so a question
        asked meanwhile waits for the part it needs, never reads it twice) and make the
        facets and matrices of the filters one click away from an unfiltered page; False
        when done before."""
        if self._warm:
            return False
        self._bits()
        self._programme_rows()
        self._cube()
        for filters in self._one_click():
            ready = self._ready_key(filters)
            if ready[0] != OPEN:  # the year facet lists the year asked for: no answer for every later year
                self._ready_facets[ready] = {facet: tuple(v) for facet, v in self._counted_facets(filters).items()}
            for rows, columns in combinations(AXES, 2):
                made = self._crossed(filters, rows, columns)
                self._ready_matrices[ready, rows, columns] = made
                self._ready_matrices[ready, columns, rows] = made.transposed()
        self._warm = True
        return True

    def _programme_iris(self) -> list[str]:
        """Programme IRIs by id ('' at the ids of other resources)."""
        with self._cache_lock:
            if self._iris is None:
                found = self._rows("SELECT id, iri FROM resource WHERE kind = 'programme'")
                iris = [""] * (max((number for number, _ in found), default=0) + 1)
                for number, iri in found:
                    iris[number] = iri
                self._iris = iris
            return self._iris

    def _programme_rows(self) -> list[ProgrammeRow | None]:
        """Every programme row by id, built once: a list of thousands of programmes is then a
        bitset and a list of references. Read in batches, so building it needs little more
        memory than it keeps; rows that link to the same resources share one tuple of them."""
        with self._cache_lock:
            if self._rows_by_id is None:
                iris = self._programme_iris()
                shared = _SharedRefs(self._refs)
                rows: list[ProgrammeRow | None] = [None] * len(iris)
                for first in range(0, len(iris), _BATCH):
                    for number, key, label, start, end, *links in self._rows(
                            "SELECT p.id, r.key, r.label, p.start, p.end, p.countries, p.sectors, p.implementers, "
                            "p.funders, p.partners FROM programme p JOIN resource r ON r.id = p.id "
                            "WHERE p.id >= ? AND p.id < ?", [first, first + _BATCH]):
                        rows[number] = ProgrammeRow(iris[number], key, label, start, end,
                                                    *map(shared.__getitem__, links))
                self._rows_by_id = rows
            return self._rows_by_id

    def _cube(self) -> tuple[Cell, ...]:
        """The unfiltered cube in served order, built once (with its Members)."""
        with self._cache_lock:
            if self._cells is None:
                blobs = self._rows("SELECT organisations, sectors, countries, offsets, members, masks, places "
                                   "FROM cube_whole")
                self._members = cube.Members.from_blobs(blobs[0]) if blobs else None
                self._cells = cube.whole(blobs[0], self._refs.__getitem__, self._programme_iris()) if blobs else ()
            return self._cells

    def _cube_members(self) -> cube.Members | None:
        """The programmes of each cube cell and the roles held in them, read with the cube."""
        self._cube()
        return self._members


def _union(ranks: list[Sequence[int]]) -> Sequence[int]:
    """Ascending ranks in any of `ranks` (each ascending)."""
    return ranks[0] if len(ranks) == 1 else sorted(set().union(*ranks))


def _role_sets() -> list[tuple[str, ...]]:
    """Every non-empty set of roles."""
    return [roles for size in range(1, len(ROLES) + 1) for roles in combinations(ROLES, size)]


def _spare_from_gc() -> None:
    """Move every object alive now to the collector's permanent generation (gc.freeze).

    A warmed snapshot holds a few hundred thousand long-lived objects (programme rows, cube
    cells, IRIs by id), and every full collection walked those still tracked, however few
    were new: a question that makes many objects (the cube filtered by a year, at 5M
    triples) spent 86 ms per answer collecting, 47 ms once they were frozen. Frozen objects
    are still freed by reference counting when their snapshot goes; only the cyclic
    collector skips them. Unfreezing and collecting first lets cycles frozen by an earlier
    call be collected rather than kept for ever (one full collection per publish)."""
    gc.unfreeze()
    gc.collect()
    gc.freeze()


class _CollectorPause:
    """While a large answer is assembled, the cyclic collector does not run (it resumes
    when no question is assembling one; a collector someone else disabled stays so).

    The cube filtered by a year makes 100,000 tuples at 5M triples, none of them garbage;
    collecting meanwhile walks them again and again (each full collection walks all made
    so far), where after the pause one collection walks them once: 21 ms per answer instead
    of 47 with the snapshot frozen (`_spare_from_gc`)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._assembling = 0
        self._resume = False

    def __enter__(self) -> None:
        with self._lock:
            self._assembling += 1
            if self._assembling == 1:
                self._resume = gc.isenabled()
                gc.disable()

    def __exit__(self, *exc) -> None:
        with self._lock:
            self._assembling -= 1
            if not self._assembling and self._resume:
                gc.enable()


_COLLECTOR_PAUSED = _CollectorPause()


class _SharedRefs(dict):
    """Encoded resource ids -> the tuple of their Refs, made on first use."""

    def __init__(self, refs: dict[int, Ref]) -> None:
        super().__init__()
        self._ref = refs.__getitem__

    def __missing__(self, blob: bytes) -> tuple[Ref, ...]:
        value = self[blob] = tuple(map(self._ref, cube.decode(blob)))
        return value


def _by_size(axis: Iterable[Ref], totals: dict[str, int]) -> tuple[Ref, ...]:
    return tuple(sorted(axis, key=lambda ref: (-totals[ref.key], ref.label.casefold(), ref.key)))


def _excerpt(text: str, width: int = 200) -> str:
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"
