"""What the views answer with: plain frozen records, ready for templates, CSV and JSON.

The records of programme lists and the 3W cube (Ref, ProgrammeRow, Cell) are named tuples
rather than frozen dataclasses: an answer can hold a hundred thousand of them, which C code
makes in milliseconds (tuple.__new__ through map), in half the memory.
"""

from __future__ import annotations

from array import array
from collections.abc import Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from itertools import chain, compress
from typing import NamedTuple


class Ref(NamedTuple):
    """A resource as the views know it: enough to link to its page and name it."""

    iri: str
    kind: str
    key: str
    label: str


@dataclass(frozen=True)
class Hit:
    """One search result. `matched` is the name (or description) that matched, `field` which
    kind of name it is (label, alt, description); a higher `score` ranks first."""

    iri: str
    kind: str
    key: str
    label: str
    matched: str
    field: str
    score: float


@dataclass(frozen=True, slots=True)
class FacetValue:
    """A value of a facet with the number of programmes it would show, given the other filters."""

    key: str
    label: str
    iri: str | None
    count: int
    selected: bool


class ProgrammeRow(NamedTuple):
    iri: str
    key: str
    label: str
    start: str | None
    end: str | None
    countries: tuple[Ref, ...]
    sectors: tuple[Ref, ...]
    implementers: tuple[Ref, ...]
    funders: tuple[Ref, ...]
    partners: tuple[Ref, ...]

    def as_dict(self) -> dict:
        """The row as nested dicts (each linked resource a dict too)."""
        return {name: tuple(ref._asdict() for ref in value) if isinstance(value, tuple) else value
                for name, value in self._asdict().items()}


class Cell(NamedTuple):
    """One cell of the 3W cube: the programmes in which the organisation (in any of the
    selected roles) works in the sector and the country."""

    organisation: Ref
    sector: Ref
    country: Ref
    count: int
    programmes: tuple[str, ...]


class Grid(Mapping):
    """Counts by (row, column) of a matrix, held as one array of every pair, row after row: 4
    bytes a pair where a dict takes about a hundred, so the server can keep many matrices
    ready. As a mapping it has the pairs with a count above 0."""

    __slots__ = ("_rows", "_columns", "_cells", "_places")

    def __init__(self, rows: Sequence[Hashable], columns: Sequence[Hashable], cells: array) -> None:
        if len(cells) != len(rows) * len(columns):
            raise ValueError(f"{len(rows)} x {len(columns)} pairs, but {len(cells)} counts")
        self._rows, self._columns, self._cells = tuple(rows), tuple(columns), cells
        self._places: tuple[dict, dict] | None = None

    def count(self, row: Hashable, column: Hashable) -> int:
        """The count of a pair, 0 for one it does not have (a page reads every pair it shows)."""
        if self._places is None:
            self._places = tuple({value: index for index, value in enumerate(axis)}
                                 for axis in (self._rows, self._columns))
        row_at, column_at = self._places
        if row not in row_at or column not in column_at:
            return 0
        return self._cells[row_at[row] * len(self._columns) + column_at[column]]

    def __getitem__(self, pair: tuple[Hashable, Hashable]) -> int:
        found = self.count(*pair)
        if not found:
            raise KeyError(pair)
        return found

    def __iter__(self) -> Iterator[tuple[Hashable, Hashable]]:
        width = len(self._columns)
        for index in compress(range(len(self._cells)), self._cells):
            yield self._rows[index // width], self._columns[index % width]

    def __len__(self) -> int:
        return len(self._cells) - self._cells.count(0)

    @property
    def highest(self) -> int:
        return max(self._cells, default=0)

    def keyed(self, row_key, column_key) -> Grid:
        """The same counts under other names for the rows and columns (`row_key(row)`...)."""
        return Grid(list(map(row_key, self._rows)), list(map(column_key, self._columns)), self._cells)

    def transposed(self) -> Grid:
        width = len(self._columns)
        cells = array("i", chain.from_iterable(self._cells[column::width] for column in range(width)))
        return Grid(self._columns, self._rows, cells)


@dataclass(frozen=True)
class Matrix:
    """Two axes of the 3W cube crossed, among the programmes the filters keep: `counts` of the
    programmes with both values by (row key, column key), the programmes of each row and column
    value (a programme counts once in a row however many columns it has), and `total`, the
    programmes with a value on both axes. Rows and columns are the values with programmes,
    most programmes first, then by name; only values the programme list can filter by."""

    rows: tuple[Ref, ...]
    columns: tuple[Ref, ...]
    counts: Grid
    row_totals: dict[str, int]
    column_totals: dict[str, int]
    total: int

    @property
    def highest(self) -> int:
        """The largest count (0 when there is none)."""
        return self.counts.highest

    def transposed(self) -> Matrix:
        """The same matrix with rows and columns swapped."""
        return Matrix(self.columns, self.rows, self.counts.transposed(), self.column_totals, self.row_totals, self.total)


@dataclass(frozen=True)
class ViewStats:
    """What a build of the views holds, and which published graph it was built from."""

    path: str
    store_version: str
    built_at: str
    seconds: float
    programmes: int
    organisations: int
    countries: int
    sectors: int
    documents: int
    names: int
    links: int
    cube_rows: int
    cells: int
