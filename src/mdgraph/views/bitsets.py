"""Facet counts as set arithmetic on compressed bitmaps (pyroaring): one set of programmes
per facet value, precomputed at publish time.

Counting a facet value given the other filters is then one intersection count, whatever the
filters. Roaring bitmaps keep a set of up to 65,536 ids in one container (sorted ids while
sparse, a bitmap of 1,024 words once dense), and intersect containers in C: the
cost of a count follows the smaller set and stays flat as the programme list grows, where
Python integers as bitsets grow with the largest id. The 3W matrix crosses two axes the same
way, one intersection count per pair.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from pyroaring import BitMap, FrozenBitMap

from .filters import ROLES, Filters
from .records import Grid

#: facet_bits.facet names: every programme, those running in a year, the open-ended ones,
#: those of a country / sector, those with someone in a role, an organisation in a role.
ALL, YEAR, OPEN, COUNTRY, SECTOR, ROLE, ORGANISATION = "all", "year", "open", "country", "sector", "role", "organisation"

ALL_ROLES = sum(ROLES.values())
#: The set of no programmes.
EMPTY = FrozenBitMap()


def encode(ids: Iterable[int]) -> bytes:
    """The set of `ids` in roaring's portable serialisation, without run containers: programme
    ids follow label order, so a country's programmes come in short runs, and intersecting
    those runs took four times as long as intersecting sorted ids."""
    return BitMap(ids, optimize=False).serialize()


def decode(blob: bytes) -> FrozenBitMap:
    return FrozenBitMap.deserialize(blob)


def union(sets: Iterable[FrozenBitMap]) -> FrozenBitMap:
    """The programmes in any of the sets."""
    return EMPTY.union(*sets)


@dataclass
class FacetBits:
    """The programme sets of one views file, read once."""

    all: FrozenBitMap = EMPTY
    open: FrozenBitMap = EMPTY
    years: dict[int, FrozenBitMap] = field(default_factory=dict)
    countries: dict[int, FrozenBitMap] = field(default_factory=dict)
    sectors: dict[int, FrozenBitMap] = field(default_factory=dict)
    roles: dict[int, FrozenBitMap] = field(default_factory=dict)                    # role bit -> programmes
    organisations: dict[int, dict[int, FrozenBitMap]] = field(default_factory=dict)  # organisation -> role bit -> programmes
    anyone: dict[int, FrozenBitMap] = field(default_factory=dict)                   # organisation -> in any role

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, int, bytes]]) -> FacetBits:
        bits = cls()
        tables = {YEAR: bits.years, COUNTRY: bits.countries, SECTOR: bits.sectors, ROLE: bits.roles}
        for facet, value, role, blob in rows:
            programmes = decode(blob)
            if facet == ALL:
                bits.all = programmes
            elif facet == OPEN:
                bits.open = programmes
            elif facet == ORGANISATION:
                bits.organisations.setdefault(value, {})[role] = programmes
            else:
                tables[facet][value] = programmes
        bits.anyone = {number: union(by_role.values()) for number, by_role in bits.organisations.items()}
        return bits

    def running(self, year: int) -> tuple[str, int] | None:
        """Which precomputed set holds the programmes running in `year`: (YEAR, year); after
        the last year any date names, (OPEN, 0), the open-ended ones; None before any date."""
        if year in self.years:
            return YEAR, year
        return (OPEN, 0) if self.years and year > max(self.years) else None

    def year(self, year: int) -> FrozenBitMap:
        """Programmes running in `year`."""
        held = self.running(year)
        if held is None:
            return EMPTY
        return self.years[year] if held[0] == YEAR else self.open

    def organisation(self, number: int, role_mask: int) -> FrozenBitMap:
        """Programmes in which the organisation has one of the roles (any role for mask 0)."""
        if not role_mask or role_mask == ALL_ROLES:
            return self.anyone.get(number, EMPTY)
        by_role = self.organisations.get(number, {})
        if role_mask in by_role:  # one role: its set as read, with no union to make
            return by_role[role_mask]
        return union(bits for role, bits in by_role.items() if role & role_mask)

    def matching(self, filters: Filters, ids: Mapping[str, list[int]], skip: Iterable[str] = ()) -> FrozenBitMap:
        """The programmes every facet of `filters` but those in `skip` keeps. `ids` holds the
        resource ids of the selected keys by facet (unknown keys have none: they keep nothing)."""
        skip = set(skip)
        result = self.all
        if filters.countries and "country" not in skip:
            result &= union(self.countries.get(n, EMPTY) for n in ids["country"])
        if filters.sectors and "sector" not in skip:
            result &= union(self.sectors.get(n, EMPTY) for n in ids["sector"])
        if not skip & {"organisation", "role"}:
            if filters.organisations:
                result &= union(self.organisation(n, filters.role_mask) for n in ids["organisation"])
            elif filters.roles:
                result &= union(self.roles.get(ROLES[r], EMPTY) for r in filters.roles)
        if filters.year is not None and "year" not in skip:
            result &= self.year(filters.year)
        return result

    def axis(self, facet: str, filters: Filters, ids: Mapping[str, list[int]]) -> dict[int, FrozenBitMap]:
        """The programmes of each value of a 3W axis (country, sector or organisation) as the
        filters see it: only the selected values of a filtered facet, and an organisation only
        in the selected roles (any role when none is)."""
        if facet == "organisation":
            chosen: Iterable[int] = ids[facet] if filters.organisations else self.organisations
            return {n: self.organisation(n, filters.role_mask) for n in chosen}
        table = self.countries if facet == "country" else self.sectors
        chosen = ids[facet] if (filters.countries if facet == "country" else filters.sectors) else table
        return {n: table.get(n, EMPTY) for n in chosen}

    def crossed(self, down: Mapping[int, FrozenBitMap], across: Mapping[int, FrozenBitMap]) -> Grid:
        """Programmes in each (row, column) pair of two 3W axes, rows and columns in the order
        of `down` and `across` (value -> its programmes among those the filters keep): one
        intersection count per pair."""
        cells = array("i", [row.intersection_cardinality(column) for row in down.values() for column in across.values()])
        return Grid(list(down), list(across), cells)

    def counts(self, facet: str, filters: Filters, ids: Mapping[str, list[int]]) -> dict[int, int]:
        """Programmes per value of `facet` given the other facets' filters (zero counts left out).
        Values are resource ids, role bits, or years."""
        if facet in ("organisation", "role"):
            base = self.matching(filters, ids, {"organisation", "role"})
            if facet == "organisation":
                sets = {n: self.organisation(n, filters.role_mask) for n in self.organisations}
            elif filters.organisations:
                sets = {bit: union(self.organisations.get(n, {}).get(bit, EMPTY) for n in ids["organisation"])
                        for bit in ROLES.values()}
            else:
                sets = self.roles
        else:
            base = self.matching(filters, ids, {facet})
            sets = {"country": self.countries, "sector": self.sectors, "year": self.years}[facet]
        counts = {value: base.intersection_cardinality(bits) for value, bits in sets.items()}
        return {value: count for value, count in counts.items() if count}
