"""Facet counts as bitset arithmetic: one set of programmes (a Python int, bit = programme id)
per facet value, precomputed at publish time.

Counting a facet value given the other filters is then one AND and one popcount, whatever
the filters: a few microseconds per value, so the facets of any page cost about a millisecond
at five million triples, where GROUP BY over the link tables grows with the graph. The 3W
matrix crosses two axes the same way, but counts the programmes of small organisations
(listed once per file, `Listing`) rather than AND them with every value of the other axis.
"""

from __future__ import annotations

from array import array
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import chain, compress

from .filters import ROLES, Filters
from .records import Grid

#: facet_bits.facet names: every programme, those running in a year, the open-ended ones,
#: those of a country / sector, those with someone in a role, an organisation in a role.
ALL, YEAR, OPEN, COUNTRY, SECTOR, ROLE, ORGANISATION = "all", "year", "open", "country", "sector", "role", "organisation"

ALL_ROLES = sum(ROLES.values())
#: Crossing two axes, a value with fewer programmes than this many per value of the other
#: axis is counted programme by programme (about 0.2 µs each) rather than ANDed with each of
#: them (about 2.7 µs per pair with sets of 58,000 programmes, at five million triples).
COUNT_BELOW = 13


def encode(ids: Iterable[int]) -> bytes:
    """The set of `ids` as little-endian bits."""
    ids = list(ids)
    bits = bytearray(max(ids, default=0) // 8 + 1)
    for number in ids:
        bits[number >> 3] |= 1 << (number & 7)
    return bytes(bits)


_FLAGS = bytes.maketrans(b"01", b"\x00\x01")
#: Ids read at a time when only the first few members of a set are wanted.
PAGE_BITS = 4096
_PAGE_MASK = (1 << PAGE_BITS) - 1


def _flags(bits: int) -> bytes:
    """Byte i is 1 when bit i is set."""
    return bin(bits)[:1:-1].encode("ascii").translate(_FLAGS)


def members(bits: int, limit: int | None = None) -> list[int]:
    """The ids in a set, ascending (the first `limit` of them): its binary digits turned into
    one byte per id and kept by `compress`, so listing forty thousand ids costs about a
    millisecond, not a Python loop. A limit reads the set PAGE_BITS ids at a time, so the
    first page of a list costs the same whatever the size of the set."""
    if limit is None:
        flags = _flags(bits)
        return list(compress(range(len(flags)), flags))
    found: list[int] = []
    start = 0
    while bits and len(found) < limit:
        flags = _flags(bits & _PAGE_MASK)
        found += compress(range(start, start + len(flags)), flags)
        bits >>= PAGE_BITS
        start += PAGE_BITS
    return found[:limit]


def union(sets: Iterable[int]) -> int:
    """The programmes in any of the sets."""
    result = 0
    for bits in sets:
        result |= bits
    return result


@dataclass
class FacetBits:
    """The programme sets of one views file, read once."""

    all: int = 0
    open: int = 0
    years: dict[int, int] = field(default_factory=dict)
    countries: dict[int, int] = field(default_factory=dict)
    sectors: dict[int, int] = field(default_factory=dict)
    roles: dict[int, int] = field(default_factory=dict)                    # role bit -> programmes
    organisations: dict[int, dict[int, int]] = field(default_factory=dict)  # organisation -> role bit -> programmes
    anyone: dict[int, int] = field(default_factory=dict)                   # organisation -> in any role

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[str, int, int, bytes]]) -> FacetBits:
        bits = cls()
        tables = {YEAR: bits.years, COUNTRY: bits.countries, SECTOR: bits.sectors, ROLE: bits.roles}
        for facet, value, role, blob in rows:
            number = int.from_bytes(blob, "little")
            if facet == ALL:
                bits.all = number
            elif facet == OPEN:
                bits.open = number
            elif facet == ORGANISATION:
                bits.organisations.setdefault(value, {})[role] = number
            else:
                tables[facet][value] = number
        bits.anyone = {number: union(by_role.values()) for number, by_role in bits.organisations.items()}
        return bits

    def running(self, year: int) -> tuple[str, int] | None:
        """Which precomputed set holds the programmes running in `year`: (YEAR, year); after
        the last year any date names, (OPEN, 0), the open-ended ones; None before any date."""
        if year in self.years:
            return YEAR, year
        return (OPEN, 0) if self.years and year > max(self.years) else None

    def year(self, year: int) -> int:
        """Programmes running in `year`."""
        held = self.running(year)
        if held is None:
            return 0
        return self.years[year] if held[0] == YEAR else self.open

    def organisation(self, number: int, role_mask: int) -> int:
        """Programmes in which the organisation has one of the roles (any role for mask 0)."""
        if not role_mask or role_mask == ALL_ROLES:
            return self.anyone.get(number, 0)
        by_role = self.organisations.get(number, {})
        return union(bits for role, bits in by_role.items() if not role_mask or role & role_mask)

    def matching(self, filters: Filters, ids: Mapping[str, list[int]], skip: Iterable[str] = ()) -> int:
        """The programmes every facet of `filters` but those in `skip` keeps. `ids` holds the
        resource ids of the selected keys by facet (unknown keys have none: they keep nothing)."""
        skip = set(skip)
        result = self.all
        if filters.countries and "country" not in skip:
            result &= union(self.countries.get(n, 0) for n in ids["country"])
        if filters.sectors and "sector" not in skip:
            result &= union(self.sectors.get(n, 0) for n in ids["sector"])
        if not skip & {"organisation", "role"}:
            if filters.organisations:
                result &= union(self.organisation(n, filters.role_mask) for n in ids["organisation"])
            elif filters.roles:
                result &= union(self.roles.get(ROLES[r], 0) for r in filters.roles)
        if filters.year is not None and "year" not in skip:
            result &= self.year(filters.year)
        return result

    def axis(self, facet: str, filters: Filters, ids: Mapping[str, list[int]]) -> dict[int, int]:
        """The programmes of each value of a 3W axis (country, sector or organisation) as the
        filters see it: only the selected values of a filtered facet, and an organisation only
        in the selected roles (any role when none is)."""
        if facet == "organisation":
            chosen: Iterable[int] = ids[facet] if filters.organisations else self.organisations
            return {n: self.organisation(n, filters.role_mask) for n in chosen}
        table = self.countries if facet == "country" else self.sectors
        chosen = ids[facet] if (filters.countries if facet == "country" else filters.sectors) else table
        return {n: table.get(n, 0) for n in chosen}

    def crossed(self, listing: Listing, rows: str, down: Mapping[int, int], columns: str, across: Mapping[int, int],
                kept: int, role_mask: int, count_below: int = COUNT_BELOW) -> Grid:
        """Programmes in each (row, column) pair of two 3W axes, rows and columns in the order
        of `down` and `across` (value -> its programmes among `kept`).
        One AND and popcount per pair, except for organisations with fewer than `count_below`
        programmes per value of the other axis: the countries or sectors of their programmes
        are counted instead, which takes an organisation × country matrix at five million
        triples from 46 to about 25 ms."""
        by_row = by_column = {}
        if columns == "organisation":
            by_column = self._tallies(listing, across, rows, count_below * len(down), kept, role_mask)
        elif rows == "organisation":
            by_row = self._tallies(listing, down, columns, count_below * len(across), kept, role_mask)
        cells, pair = array("i", bytes(4 * len(down) * len(across))), 0
        for row, row_bits in down.items():
            tally = by_row.get(row)
            for column, column_bits in across.items():
                if tally is not None:
                    cells[pair] = tally[column]
                elif column in by_column:
                    cells[pair] = by_column[column][row]
                else:
                    cells[pair] = (row_bits & column_bits).bit_count()
                pair += 1
        return Grid(list(down), list(across), cells)

    def _tallies(self, listing: Listing, organisations: Iterable[int], facet: str, below: int,
                 kept: int, role_mask: int) -> dict[int, Counter]:
        """For each organisation with fewer than `below` programmes (in the roles of
        `role_mask`), how many of those among `kept` each value of `facet` (country or sector) has."""
        of_programme = listing.of_programme[facet]
        kept_flags = None if kept == self.all else _flags(kept).ljust(len(of_programme), b"\0")
        tallies = {}
        for organisation in organisations:
            found = listing.programmes(organisation, role_mask)
            if len(found) < below:
                if kept_flags is not None:
                    found = compress(found, map(kept_flags.__getitem__, found))
                tallies[organisation] = Counter(chain.from_iterable(map(of_programme.__getitem__, found)))
        return tallies

    def counts(self, facet: str, filters: Filters, ids: Mapping[str, list[int]]) -> dict[int, int]:
        """Programmes per value of `facet` given the other facets' filters (zero counts left out).
        Values are resource ids, role bits, or years."""
        if facet in ("organisation", "role"):
            base = self.matching(filters, ids, {"organisation", "role"})
            if facet == "organisation":
                sets = {n: self.organisation(n, filters.role_mask) for n in self.organisations}
            elif filters.organisations:
                sets = {bit: union(self.organisations.get(n, {}).get(bit, 0) for n in ids["organisation"])
                        for bit in ROLES.values()}
            else:
                sets = self.roles
        else:
            base = self.matching(filters, ids, {facet})
            sets = {"country": self.countries, "sector": self.sectors, "year": self.years}[facet]
        counts = {value: (bits & base).bit_count() for value, bits in sets.items()}
        return {value: count for value, count in counts.items() if count}


@dataclass(frozen=True)
class Listing:
    """The sets of FacetBits as lists, for `FacetBits.crossed`: the programmes of each
    organisation in any role (0) and in each role, and the countries and sectors of each programme."""

    organisations: dict[int, dict[int, array]]
    of_programme: dict[str, list[tuple[int, ...]]]  # "country" / "sector" -> programme id -> its values

    @classmethod
    def of(cls, bits: FacetBits) -> Listing:
        by_role = (found for roles in bits.organisations.values() for found in roles.values())
        size = max(found.bit_length() for found in chain([bits.all], bits.countries.values(),
                                                           bits.sectors.values(), by_role))
        of_programme = {}
        for facet, table in (("country", bits.countries), ("sector", bits.sectors)):
            values: list[list[int]] = [[] for _ in range(size)]
            for value, programmes in table.items():
                for programme in members(programmes):
                    values[programme].append(value)
            shared: dict[tuple[int, ...], tuple[int, ...]] = {}
            of_programme[facet] = [shared.setdefault(key, key) for key in map(tuple, values)]
        organisations = {}
        for number, by_role in bits.organisations.items():
            anyone = array("i", members(union(by_role.values())))
            listed = organisations[number] = {0: anyone}
            for role, programmes in by_role.items():
                in_role = _flags(programmes).ljust(size, b"\0")
                listed[role] = array("i", compress(anyone, map(in_role.__getitem__, anyone)))
        return cls(organisations, of_programme)

    def programmes(self, organisation: int, role_mask: int) -> Sequence[int]:
        """The programmes of an organisation in one of the roles of `role_mask` (any role for
        0), ascending, as FacetBits.organisation has them."""
        by_role = self.organisations.get(organisation, {})
        chosen = [found for role, found in by_role.items() if role and (not role_mask or role & role_mask)]
        if len(chosen) == len(by_role) - 1:
            return by_role.get(0, ())
        return chosen[0] if len(chosen) == 1 else sorted(set(chain.from_iterable(chosen)))
