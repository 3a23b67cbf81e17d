"""The 3W cube precomputed for the questions asked of it whole: every cell in its served order,
and the cube as each single role or year filter leaves it (pure; the writer stores these, the
reader assembles answers from them).

A cell is (organisation, sector, country) with the ids of its programmes in title order;
cells are ranked largest first, then by organisation, sector and country (ids are in label
order). The unfiltered cube is read once and kept as Cell objects; a filter by one role set
or one year then does not aggregate anything: its *slice* lists, in the filtered order, the
rank of each cell it keeps, and for the cells it keeps only in part, the programmes kept. So
the whole cube filtered by a year is one read of four arrays and one new Cell per cell that
lost programmes, where grouping the cube rows in SQL took seconds at five million triples.
A role set with a year is the year's slice narrowed to the programmes in which each cell's
organisation holds one of the roles (`Slice.held`), with the cube's `Members`.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Callable, Container, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from functools import partial, reduce
from heapq import heappop, heappush
from itertools import accumulate, chain, compress, count, islice, repeat
from operator import add, and_, floordiv, itemgetter, mod, or_, sub

from .bitsets import OPEN, ROLE, YEAR
from .records import Cell, Ref

#: Role masks with a slice (facet ROLE): every set of the three roles but all of them (the
#: unfiltered cube: each cube row has at least one role). Years have slices (facet YEAR) as
#: the facet counts do, and the open-ended programmes (facet OPEN) any year after those.
ROLE_MASKS = tuple(range(1, 7))

#: For each role mask, a bytes.translate table: 1 for the masks that share a role with it, else 0.
_HOLDS = {mask: bytes(int(bool(held & mask)) for held in range(256)) for mask in range(8)}

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
    cells kept in part, their index in `ranks` (`partial`, ascending), the programmes kept
    (`members[offsets[k]:offsets[k + 1]]` for the k-th) and the role mask of the cell's
    organisation in each (`masks`, aligned with `members`)."""

    ranks: array
    partial: array
    offsets: array
    members: array
    masks: bytes

    @classmethod
    def from_blobs(cls, ranks: bytes, partial: bytes, offsets: bytes, members: bytes, masks: bytes) -> Slice:
        return cls(decode(ranks), decode(partial), decode(offsets), decode(members), masks)

    def blobs(self) -> tuple[bytes, ...]:
        return tuple(map(bytes, (self.ranks, self.partial, self.offsets, self.members, self.masks)))

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
        combined with those is this slice narrowed, where grouping their cube rows in SQL took
        tens of milliseconds at five million triples."""
        chosen = _Chosen()
        for position in islice(compress(count(), map(wanted.__contains__, self.ranks)), limit):
            k = self._in_part(position)
            chosen.add(self.ranks[position], *(() if k is None else self._kept(k)))
        return chosen.slice()

    def held(self, mask: int, cube: Members, wanted: Container[int] | None, limit: int | None) -> Slice:
        """The first `limit` of its cells (all for None), of those in `wanted` (cube ranks; None
        for every cell), narrowed to the programmes in which the cell's organisation holds a
        role of `mask`, in served order: a role set with a year is the year's slice narrowed.

        A cell that keeps all its programmes keeps its place; one that loses some waits in a
        heap until no cell still to come can be larger. So the top 500 cells of a year for one
        role read a few thousand cells (6-8 ms at five million triples, where grouping the cube
        rows in SQL took 80 ms). Cells whose organisation holds none of the roles are passed
        over in C, and those it holds one in for every programme read no programmes."""
        ranks, offsets, places = self.ranks, cube.offsets, cube.places
        positions = range(len(ranks)) if wanted is None else list(compress(count(), map(wanted.__contains__, ranks)))
        some = map(and_, map(cube.anyone.__getitem__, map(ranks.__getitem__, positions)), repeat(mask))
        limit = len(ranks) if limit is None else limit
        chosen = _Chosen()
        waiting: list[tuple] = []  # (-size, place, rank, programmes, masks) of the cells that lost some
        for position in compress(positions, some):
            rank, k = ranks[position], self._in_part(position)
            kept = masks = None  # all the cell's programmes
            if k is not None or not cube.common[rank] & mask:
                start, end = offsets[rank], offsets[rank + 1]
                listed, masks = (cube.members[start:end], cube.masks[start:end]) if k is None else self._kept(k)
                holds = masks.translate(_HOLDS[mask])  # 1 for each programme the organisation holds a role of mask in
                if 0 in holds:  # it lost some: it waits, with a smaller size (or goes)
                    kept = array("i", compress(listed, holds))
                    if kept:
                        heappush(waiting, (-len(kept), places[rank], rank, kept, bytes(compress(masks, holds))))
                    continue
                kept, masks = (None, None) if k is None else (listed, masks)
            size = offsets[rank + 1] - offsets[rank] if kept is None else len(kept)
            while waiting and waiting[0] < (-size, places[rank]) and len(chosen.ranks) < limit:
                chosen.add(*heappop(waiting)[2:])
            if len(chosen.ranks) >= limit:
                break
            chosen.add(rank, kept, masks)
        while waiting and len(chosen.ranks) < limit:
            chosen.add(*heappop(waiting)[2:])
        return chosen.slice()

    def _in_part(self, position: int) -> int | None:
        """k when the cell at `position` is the k-th kept in part, None when kept whole."""
        k = bisect_left(self.partial, position)
        return k if k < len(self.partial) and self.partial[k] == position else None

    def _kept(self, k: int) -> tuple[array, bytes]:
        """The programmes of the k-th cell kept in part, and the role masks in them."""
        start, end = self.offsets[k], self.offsets[k + 1]
        return self.members[start:end], self.masks[start:end]


@dataclass(frozen=True)
class Members:
    """The programmes of each cube cell (`members[offsets[rank]:offsets[rank + 1]]`, ascending
    ids), the role mask of the cell's organisation in each (`masks`, aligned), each cell's
    place in (organisation, sector, country) order, which orders cells of one size, and the
    cells of each organisation, sector and country."""

    offsets: array
    members: array
    masks: bytes
    places: array
    anyone: array  # by rank: the roles the organisation holds in some of the cell's programmes
    common: array  # and in all of them
    cells_of: Mapping[int, array]  # organisation, sector or country id -> the ranks of its cells, ascending

    @classmethod
    def from_blobs(cls, blobs: Sequence[bytes]) -> Members:
        """The Members of the cube `whole_blobs` gave."""
        offsets, masks = decode(blobs[3]), blobs[5]
        each = [masks[start:end] for start, end in zip(offsets, offsets[1:])]
        cells_of: dict[int, list[int]] = defaultdict(list)
        for rank, where in enumerate(zip(*map(decode, blobs[:3]))):
            for number in where:
                cells_of[number].append(rank)
        return cls(offsets, decode(blobs[4]), masks, decode(blobs[6]),
                   array("B", [reduce(or_, cell) for cell in each]), array("B", [reduce(and_, cell) for cell in each]),
                   {number: array("i", ranks) for number, ranks in cells_of.items()})


class _Chosen:
    """A Slice being assembled cell by cell, in served order."""

    def __init__(self) -> None:
        self.ranks, self.partial, self.offsets, self.members = array("i"), array("i"), array("i", [0]), array("i")
        self.masks = bytearray()

    def add(self, rank: int, kept: array | None = None, masks: bytes | None = None) -> None:
        """The cell of `rank`, kept whole (`kept` None) or in part: `kept`, with their `masks`."""
        if kept is not None:
            self.partial.append(len(self.ranks))
            self.members += kept
            self.masks += masks
            self.offsets.append(len(self.members))
        self.ranks.append(rank)

    def slice(self) -> Slice:
        return Slice(self.ranks, self.partial, self.offsets, self.members, bytes(self.masks))


def role_masks(cells: list[tuple[CellKey, list[int]]], roles: Mapping[tuple[int, int], int]) -> list[bytes]:
    """For each cell (by rank), the role mask of its organisation in each of its programmes
    (`roles`: (organisation, programme) -> mask)."""
    return [bytes(roles[organisation, programme] for programme in members) for (organisation, _, _), members in cells]


def places(cells: list[tuple[CellKey, list[int]]]) -> list[int]:
    """The place of each cell (by rank) in (organisation, sector, country) order."""
    placed = [0] * len(cells)
    for place, rank in enumerate(sorted(range(len(cells)), key=lambda rank: cells[rank][0])):
        placed[rank] = place
    return placed


def whole_blobs(cells: list[tuple[CellKey, list[int]]], masks: list[bytes], placed: list[int]) -> tuple[bytes, ...]:
    """The cube as `ranked` gives it, as seven arrays: the organisation, sector and country of
    each cell, where its programmes start and end in the array of programme ids, those ids,
    the organisation's role mask in each (`role_masks`), and the place of each cell (`places`)."""
    organisations, sectors, countries = (encode(key[column] for key, _ in cells) for column in range(3))
    offsets = encode(accumulate((len(members) for _, members in cells), initial=0))
    members = encode(chain.from_iterable(members for _, members in cells))
    return organisations, sectors, countries, offsets, members, b"".join(masks), encode(placed)


def whole(blobs: Sequence[bytes], ref: Callable[[int], Ref], iris: Sequence[str]) -> tuple[Cell, ...]:
    """The cube from `whole_blobs`; `ref` gives the resource of an id, `iris` programme IRIs by id."""
    organisations, sectors, countries, offsets, members = map(decode, blobs[:5])
    programmes = tuple(map(iris.__getitem__, members))
    kept = map(programmes.__getitem__, map(slice, offsets, offsets[1:]))
    where = (map(ref, organisations), map(ref, sectors), map(ref, countries))
    return tuple(map(_CELL, zip(*where, map(sub, offsets[1:], offsets), kept)))


def slices(cells: list[tuple[CellKey, list[int]]], masks: list[bytes], placed: list[int],
           years: Mapping[int, range], open_ended: set[int]) -> Iterator[tuple[str, int, Slice]]:
    """(facet, value, slice) for each role mask of ROLE_MASKS, each year some cell has a
    programme in, and the open-ended programmes. `cells` as `ranked` gives them, with their
    `role_masks` and `places`; `years` maps a programme to the years it runs (as
    bitsets.FacetBits counts them).

    Each entry of a slice is first one int that sorts in served order: (largest - size) *
    cells + place in (organisation, sector, country) order, times two, plus one when the cell
    is kept in part; the programmes kept are listed only for those."""
    total = len(cells)
    by_place = [0] * total
    for rank, place in enumerate(placed):
        by_place[place] = rank
    largest = max((len(members) for _, members in cells), default=0) + 1
    codes: dict[tuple[str, int], list[int]] = defaultdict(list)
    narrowed: dict[tuple[str, int], dict[int, tuple]] = defaultdict(dict)  # rank -> programmes kept, masks

    def keep(keys: Iterable[tuple[str, int]], rank: int, held: dict[int, int], kept: list[int]) -> None:
        """The cell of `rank` (`held`: the role mask of its organisation in each of its
        programmes) is in the slices of `keys` with `kept`."""
        if kept:
            in_part = len(kept) < len(held)
            code = ((largest - len(kept)) * total + placed[rank]) * 2 + in_part
            if in_part:
                narrowing = kept, bytes(map(held.__getitem__, kept))
            for key in keys:
                codes[key].append(code)
                if in_part:
                    narrowed[key][rank] = narrowing

    for rank, ((_, members), cell_masks) in enumerate(zip(cells, masks)):
        held = dict(zip(members, cell_masks))
        common, anyone = reduce(and_, cell_masks), reduce(or_, cell_masks)
        for mask in ROLE_MASKS:
            if mask & anyone:
                kept = members if mask & common else list(compress(members, map(and_, cell_masks, repeat(mask))))
                keep([(ROLE, mask)], rank, held, kept)
        spans = [years.get(programme, _NEVER) for programme in members]
        bounds = sorted({year for span in spans if span for year in (span.start, span.stop)})
        for low, high in zip(bounds, bounds[1:]):  # the same programmes run from low to high
            keep([(YEAR, year) for year in range(low, high)], rank, held,
                 [programme for programme, span in zip(members, spans) if low in span])
        keep([(OPEN, 0)], rank, held, [programme for programme in members if programme in open_ended])
    for (facet, value), chosen in codes.items():
        yield facet, value, _encoded(chosen, narrowed[facet, value], by_place, total)


def _encoded(codes: list[int], narrowed: dict[int, tuple], by_place: list[int], total: int) -> Slice:
    """A Slice from the sort codes of its entries and the programmes (and masks) of those kept in part."""
    codes.sort()
    ranks = array("i", map(by_place.__getitem__, map(mod, map(floordiv, codes, repeat(2)), repeat(total))))
    positions = array("i", compress(count(), map(and_, codes, repeat(1))))
    kept = [narrowed[ranks[position]] for position in positions]
    offsets = array("i", accumulate((len(members) for members, _ in kept), initial=0))
    return Slice(ranks, positions, offsets, array("i", chain.from_iterable(members for members, _ in kept)),
                 b"".join(masks for _, masks in kept))
