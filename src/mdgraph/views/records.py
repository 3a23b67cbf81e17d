"""What the views answer with: plain frozen records, ready for templates, CSV and JSON.

The records of programme lists and the 3W cube (Ref, ProgrammeRow, Cell) are named tuples
rather than frozen dataclasses: an answer can hold a hundred thousand of them, which C code
makes in milliseconds (tuple.__new__ through map), in half the memory.
"""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
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


@dataclass(frozen=True)
class Matrix:
    """Two axes of the 3W cube crossed, among the programmes the filters keep: `counts` of the
    programmes with both values by (row key, column key), the programmes of each row and column
    value (a programme counts once in a row however many columns it has), and `total`, the
    programmes with a value on both axes. Rows and columns are the values with programmes,
    most programmes first, then by name; only values the programme list can filter by."""

    rows: tuple[Ref, ...]
    columns: tuple[Ref, ...]
    counts: dict[tuple[str, str], int]
    row_totals: dict[str, int]
    column_totals: dict[str, int]
    total: int


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
