"""The timeline layout (pure): each dated programme as a bar from its start to its end, in
percent of the span of years shown, open-ended ones running to the last year with a mark."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from dataclasses import dataclass

from ...views import ProgrammeRow

_DATE = re.compile(r"(\d{4})(?:-(\d{2}))?")


def year_position(lexical: str | None, end: bool = False) -> float | None:
    """A date as a fractional year: the start of its period, or with `end` the end of it
    ('2014' ends at 2015.0, '2014-06' at 2014.5, '2014-06-30' inside June)."""
    match = _DATE.match(lexical or "")
    if not match:
        return None
    year, month = int(match.group(1)), int(match.group(2)) if match.group(2) else None
    if month is None:
        return year + (1.0 if end else 0.0)
    return year + (month if end else month - 1) / 12


@dataclass(frozen=True)
class Bar:
    row: ProgrammeRow
    left: float  # percent
    width: float  # percent
    open_ended: bool


@dataclass(frozen=True)
class Timeline:
    first: int
    last: int
    bars: tuple[Bar, ...]
    ticks: tuple[tuple[int, float], ...]  # (year, percent)
    undated: tuple[ProgrammeRow, ...]


def layout(rows: Iterable[ProgrammeRow], max_ticks: int = 12) -> Timeline:
    """Bars ordered by start, then end, then title; ticks at round years."""
    dated, undated = [], []
    for row in rows:
        start = year_position(row.start)
        (dated if start is not None else undated).append((row, start, year_position(row.end, end=True)))
    if not dated:
        return Timeline(0, 0, (), (), tuple(r for r, *_ in undated))
    first = int(min(start for _, start, _ in dated))
    last = max(math.ceil(max(max(start, end or start) for _, start, end in dated)), first + 1)
    span = max(last - first, 1)

    def percent(value: float) -> float:
        return round(100 * (value - first) / span, 2)

    bars = []
    for row, start, end in sorted(dated, key=lambda d: (d[1], d[2] or last, d[0].label.casefold())):
        finish = end if end is not None and end > start else (last if end is None else start + 1 / 12)
        bars.append(Bar(row, percent(start), max(percent(finish) - percent(start), 0.5), end is None))
    step = next(s for s in (1, 2, 5, 10, 20, 50, 100) if span / s <= max_ticks)
    ticks = tuple((year, percent(year)) for year in range(first, last + 1) if year % step == 0)
    return Timeline(first, last, tuple(bars), ticks, tuple(r for r, *_ in undated))
