"""What the views answer with: plain frozen records, ready for templates, CSV and JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Ref:
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


@dataclass(frozen=True)
class ProgrammeRow:
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
        return asdict(self)


@dataclass(frozen=True)
class Cell:
    """One cell of the 3W cube: the programmes in which the organisation (in any of the
    selected roles) works in the sector and the country."""

    organisation: Ref
    sector: Ref
    country: Ref
    count: int
    programmes: tuple[str, ...]


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
