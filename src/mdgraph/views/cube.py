"""The 3W cube precomputed for the questions asked of it whole: every cell in its served order,
and the cube as each single role or year filter leaves it (pure; the writer stores these, the
reader assembles answers from them).

A cell is (organisation, sector, country) with the ids of its programmes in title order;
cells are ranked largest first, then by organisation, sector and country (ids are in label
order). The unfiltered cube is read once and kept as Cell objects; a filter by one role set
or one year then does not aggregate anything: its *slice* lists, in the filtered order, the
rank of each cell it keeps, and for the cells it keeps only in part, the programmes kept. So
the whole cube filtered by a year is one read of four arrays and one new Cell per cell that
lost programmes, where grouping the cube rows in SQL takes seconds at five million triples.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial, reduce
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add, and_, floordiv, itemgetter, mod, or_, sub

from .bitsets import OPEN, ROLE, YEAR
from .records import Cell, Ref

#: Role masks with a slice (facet ROLE): every set of the three roles but all of them (the
#: unfiltered cube: each cube row has at least one role). Years have slices (facet YEAR) as
#: the facet counts do, and the open-ended programmes (facet OPEN) any year after those.
ROLE_MASKS = tuple(range(1, 7))

CellKey = tuple[int, int, int]  # organisation, sector, country
_CELL = partial(tuple.__new__, Cell)  # a Cell from a 5-tuple, made in C
_WHERE = itemgetter(0, 1, 2)  # a Cell's organisation, sector and country
_NEVER = range(0)  # the years of a programme without a start


def encode(numbers: Iterable[int]) -> bytes:
    """Ids as a packed array of 32-bit integers (the file is read on the machine that wrote it)."""
    return array("i", numbers).tobytes()


def decode(blob: bytes) -> array:
    """Ids from `encode`."""
    return array("i", blob)


def ranked(rows: Iterable[tuple[int, int, int, int]]) -> list[tuple[CellKey, list[int]]]:
    """Cells from (organisation, sector, country, programme) rows, in served order, each with
    its programmes in id (title) order."""
    cells: dict[CellKey, list[int]] = defaultdict(list)
    for organisation, sector, country, programme in rows:
        cells[organisation, sector, country].append(programme)
    for members in cells.values():
        members.sort()
    return sorted(cells.items(), key=lambda cell: (-len(cell[1]), cell[0]))


@dataclass(frozen=True)
class Slice:
    """The cube under one filter: `ranks` of the cells kept, in the filtered order; for the
    cells kept in part, their index in `ranks` (`partial`, ascending) and the programmes kept
    (`members[offsets[k]:offsets[k + 1]]` for the k-th)."""

    ranks: array
    partial: array
    offsets: array
    members: array

    @classmethod
    def from_blobs(cls, ranks: bytes, partial: bytes, offsets: bytes, members: bytes) -> Slice:
        return cls(decode(ranks), decode(partial), decode(offsets), decode(members))

    def blobs(self) -> tuple[bytes, bytes, bytes, bytes]:
        return self.ranks.tobytes(), self.partial.tobytes(), self.offsets.tobytes(), self.members.tobytes()

    def cells(self, cube: Sequence[Cell], limit: int | None, iris: Sequence[str]) -> list[Cell]:
        """The first `limit` cells (all for None): the cells of `cube` kept whole, and those
        kept in part narrowed to the programmes kept (`iris`: programme IRIs by id). Every
        step but the last loop is a C-level map, so tens of thousands of cells take
        milliseconds."""
        cells = list(map(cube.__getitem__, self.ranks if limit is None else self.ranks[:limit]))
        within = bisect_left(self.partial, len(cells))  # the cells kept in part within the limit
        positions, starts, ends = self.partial[:within], self.offsets[:within], self.offsets[1:within + 1]
        programmes = tuple(map(iris.__getitem__, self.members[:self.offsets[within]]))
        kept = map(programmes.__getitem__, map(slice, starts, ends))
        where = map(_WHERE, map(cells.__getitem__, positions))  # (organisation, sector, country)
        narrowed = map(_CELL, map(add, where, zip(map(sub, ends, starts), kept)))
        for position, cell in zip(positions, narrowed):
            cells[position] = cell
        return cells

    def among(self, wanted: Container[int], limit: int | None) -> Slice:
        """The first `limit` of its cells (all for None) that are in `wanted` (cube ranks: the
        cells of some countries, sectors or organisations), in the same order: a role or year
        combined with those is this slice narrowed, where grouping their cube rows in SQL takes
        tens of milliseconds at five million triples."""
        positions = array("i", islice(compress(count(), map(wanted.__contains__, self.ranks)), limit))
        in_part, offsets, members = array("i"), array("i", [0]), array("i")
        for place, position in enumerate(positions):
            k = bisect_left(self.partial, position)
            if k < len(self.partial) and self.partial[k] == position:
                in_part.append(place)
                members += self.members[self.offsets[k]:self.offsets[k + 1]]
                offsets.append(len(members))
        return Slice(array("i", map(self.ranks.__getitem__, positions)), in_part, offsets, members)


def whole_blobs(cells: list[tuple[CellKey, list[int]]]) -> tuple[bytes, ...]:
    """The cube as `ranked` gives it, as five arrays: the organisation, sector and country of
    each cell, and where its programmes start and end in the array of programme ids."""
    organisations, sectors, countries = (encode(key[column] for key, _ in cells) for column in range(3))
    offsets = encode(accumulate((len(members) for _, members in cells), initial=0))
    return organisations, sectors, countries, offsets, encode(chain.from_iterable(members for _, members in cells))


def whole(blobs: Sequence[bytes], ref: Callable[[int], Ref], iris: Sequence[str]) -> tuple[Cell, ...]:
    """The cube from `whole_blobs`; `ref` gives the resource of an id, `iris` programme IRIs by id."""
    organisations, sectors, countries, offsets, members = map(decode, blobs)
    programmes = tuple(map(iris.__getitem__, members))
    kept = map(programmes.__getitem__, map(slice, offsets, offsets[1:]))
    where = (map(ref, organisations), map(ref, sectors), map(ref, countries))
    return tuple(map(_CELL, zip(*where, map(sub, offsets[1:], offsets), kept)))


def slices(cells: list[tuple[CellKey, list[int]]], roles: Mapping[tuple[int, int], int],
           years: Mapping[int, range], open_ended: set[int]) -> Iterator[tuple[str, int, Slice]]:
    """(facet, value, slice) for each role mask of ROLE_MASKS, each year some cell has a
    programme in, and the open-ended programmes. `cells` as `ranked` gives them; `roles` maps
    (organisation, programme) to its role mask, `years` a programme to the years it runs (as
    bitsets.FacetBits counts them).

    Each entry of a slice is first one int that sorts in served order: (largest - size) *
    cells + place in (organisation, sector, country) order, times two, plus one when the cell
    is kept in part; the programmes kept are listed only for those."""
    total = len(cells)
    by_place = sorted(range(total), key=lambda rank: cells[rank][0])
    places = [0] * total
    for place, rank in enumerate(by_place):
        places[rank] = place
    largest = max((len(members) for _, members in cells), default=0) + 1
    codes: dict[tuple[str, int], list[int]] = defaultdict(list)
    narrowed: dict[tuple[str, int], dict[int, list[int]]] = defaultdict(dict)  # rank -> programmes kept

    def keep(keys: Iterable[tuple[str, int]], rank: int, size: int, kept: list[int]) -> None:
        """The cell of `rank` (of `size` programmes) is in the slices of `keys` with `kept`."""
        if kept:
            in_part = len(kept) < size
            code = ((largest - len(kept)) * total + places[rank]) * 2 + in_part
            for key in keys:
                codes[key].append(code)
                if in_part:
                    narrowed[key][rank] = kept

    for rank, ((organisation, _, _), members) in enumerate(cells):
        size = len(members)
        masks = [roles[organisation, programme] for programme in members]
        common, anyone = reduce(and_, masks), reduce(or_, masks)
        for mask in ROLE_MASKS:
            if mask & anyone:
                kept = members if mask & common else [p for p, held in zip(members, masks) if held & mask]
                keep([(ROLE, mask)], rank, size, kept)
        spans = [years.get(programme, _NEVER) for programme in members]
        bounds = sorted({year for span in spans if span for year in (span.start, span.stop)})
        for low, high in zip(bounds, bounds[1:]):  # the same programmes run from low to high
            keep([(YEAR, year) for year in range(low, high)], rank, size,
                 [programme for programme, span in zip(members, spans) if low in span])
        keep([(OPEN, 0)], rank, size, [programme for programme in members if programme in open_ended])
    for (facet, value), chosen in codes.items():
        yield facet, value, _encoded(chosen, narrowed[facet, value], by_place, total)


def _encoded(codes: list[int], narrowed: dict[int, list[int]], by_place: list[int], total: int) -> Slice:
    """A Slice from the sort codes of its entries and the programmes of those kept in part."""
    codes.sort()
    ranks = array("i", map(by_place.__getitem__, map(mod, map(floordiv, codes, repeat(2)), repeat(total))))
    positions = array("i", compress(count(), map(and_, codes, repeat(1))))
    lists = [narrowed[ranks[position]] for position in positions]
    offsets = array("i", accumulate(map(len, lists), initial=0))
    return Slice(ranks, positions, offsets, array("i", chain.from_iterable(lists)))
