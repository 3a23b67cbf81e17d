"""Timeframes as written ("November 2013 to March 2015", "1997—Present (Open-ended)")
turned into ISO strings exactly as precise as the text: "2013", "2013-11" or "2013-11-27".

A timeframe never ends before it starts. "2013–15" is the short way of writing 2013 to 2015
(as is "2013-15"; "2013-05" stays May 2013). An end that still precedes its start ("2019 –
2015", "March 2015 to January 2013") is a typo no rule can undo: the timeframe keeps its
start and has no end, and `dropped_end` gives what was dropped so the build's review lists it.
"""

from __future__ import annotations

import re

MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("january", "jan"), ("february", "feb"), ("march", "mar"), ("april", "apr"),
            ("may",), ("june", "jun"), ("july", "jul"), ("august", "aug"),
            ("september", "sep", "sept"), ("october", "oct"), ("november", "nov"),
            ("december", "dec"),
        ],
        start=1,
    )
    for name in names
}

_MONTH = r"(?:" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")\.?"
_YEAR = r"(?:19|20)\d{2}"
#: One date: "27 February 2014", "February 27, 2014", "February 2014", "02/2014", "2014-02", "2014".
DATE = re.compile(
    rf"(?:(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?P<m1>{_MONTH})\s*,?\s*(?P<y1>{_YEAR}))"
    rf"|(?:(?P<m2>{_MONTH})\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s*,\s*(?P<y2>{_YEAR}))"
    rf"|(?:(?:end\s+of\s+|late\s+)?(?P<m3>{_MONTH})\s*,?\s*(?P<y3>{_YEAR}))"
    rf"|(?:(?P<mm>0?[1-9]|1[0-2])/(?P<y4>{_YEAR}))"
    rf"|(?:(?P<y5>{_YEAR})-(?P<m5>0[1-9]|1[0-2])(?!\d))"
    rf"|(?:(?P<end_of>end\s+of\s+)?(?P<y6>{_YEAR})(?!\d))",
    re.IGNORECASE,
)
#: What every DATE holds: a text without it has no date, and is not searched position by position.
_ANY_YEAR = re.compile(_YEAR)
#: The most a DATE holds before its year when white space is folded: "end of september. , ".
#: A date of a folded text starts no earlier than this before the first year of the text.
_BEFORE_YEAR = 20
OPEN_END = re.compile(r"\b(present|ongoing|on-going|open[- ]ended|today|to date|now)\b", re.IGNORECASE)
#: What may stand between the two ends of a range.
RANGE_SEPARATOR = re.compile(r"^\s*(?:[-–—‒―]+|to|until|till|through|thru|and)\s*", re.IGNORECASE)
#: The end of "2013–15" written right after the starting year: two digits, not a month of
#: "2013-05", a percentage, or the start of a longer number or date.
_SHORT_END = re.compile(r"^[-–—‒―](\d{2})(?!\d|[-/.]\d|\s*%)")
#: How many years a short end ("–15") may reach past its start ("1998–02" is 1998 to 2002).
_SHORT_END_SPAN = 20


def _iso(match: re.Match, end_of_year_as_december: bool) -> str:
    g = match.groupdict()
    if g["y1"]:
        return f"{g['y1']}-{MONTHS[g['m1'].casefold().rstrip('.')]:02d}-{int(g['d1']):02d}"
    if g["y2"]:
        return f"{g['y2']}-{MONTHS[g['m2'].casefold().rstrip('.')]:02d}-{int(g['d2']):02d}"
    if g["y3"]:
        return f"{g['y3']}-{MONTHS[g['m3'].casefold().rstrip('.')]:02d}"
    if g["y4"]:
        return f"{g['y4']}-{int(g['mm']):02d}"
    if g["y5"]:
        return f"{g['y5']}-{g['m5']}"
    if g["end_of"] and end_of_year_as_december:
        return f"{g['y6']}-12"
    return g["y6"]


def _first_date(text: str, folded: bool = False) -> re.Match | None:
    """DATE.search(text), without trying every offset of a long text: from the first year on
    (less what a date may hold before its year, when `text` has its white space folded)."""
    year = _ANY_YEAR.search(text)
    if year is None:
        return None
    return DATE.search(text, max(0, year.start() - _BEFORE_YEAR)) if folded else DATE.search(text)


def parse_date(text: str) -> str | None:
    """The first date in `text`, as precise as written; None when there is none."""
    match = _first_date(text)
    return _iso(match, end_of_year_as_december=True) if match else None


def _short_end(start_year: int, digits: str) -> int:
    """The year a two-digit end means after `start_year` ("2013–15": 2015, "1998–02": 2002);
    one that precedes the start or lies more than _SHORT_END_SPAN years after it is no end."""
    year = start_year - start_year % 100 + int(digits)
    if year < start_year and year + 100 - start_year <= _SHORT_END_SPAN:
        year += 100
    return year


def _read_timeframe(text: str) -> tuple[str | None, str | None, str | None]:
    """(start, end, dropped): `dropped` is the end of a written range ("2019 – 2015") that
    cannot be its end. A later date that only follows in the text is no range: dropped silently."""
    text = " ".join(text.split())
    first = _first_date(text, folded=True)
    if not first:
        return None, None, None
    start = _iso(first, end_of_year_as_december=False)
    rest = text[first.end():]
    short = _SHORT_END.match(rest) if len(start) == 4 else None
    separator = RANGE_SEPARATOR.match(rest)
    if short:
        end = str(_short_end(int(start), short.group(1)))
        within = int(start) <= int(end) <= int(start) + _SHORT_END_SPAN
        return (start, end, None) if within else (start, None, end)
    if separator:
        after = rest[separator.end():]
        if OPEN_END.match(after.lstrip("( ")):
            return start, None, None
        second = DATE.match(after)
        if second:
            end = _iso(second, end_of_year_as_december=True)
            return (start, end, None) if start_not_after_end(start, end) else (start, None, end)
    second = _first_date(rest, folded=True)
    if second and not OPEN_END.search(rest[: second.start()]):
        end = _iso(second, end_of_year_as_december=True)
        return start, (end if start_not_after_end(start, end) else None), None
    return start, None, None


def parse_timeframe(text: str) -> tuple[str | None, str | None]:
    """(start, end) of a written timeframe; an open end ("Present", "ongoing") gives None.

    A single date gives (date, None): the text says when it started, not when it ends.
    An end before the start is dropped (see `dropped_end`).
    """
    start, end, _ = _read_timeframe(text)
    return start, end


def dropped_end(text: str) -> str | None:
    """The end of a written range that cannot be its end, which parse_timeframe and
    parse_timeframe_field drop: before the start ("2019 – 2015" gives "2015", "2019-15" too) or,
    written short, far after it ("2000–99"). None when there is none. For the build's review."""
    return _read_timeframe(text)[2]


def parse_timeframe_field(text: str) -> tuple[str | None, str | None]:
    """The dates a timeframe field gives: as `parse_timeframe`, but a year written alone
    ("Timeframe: 2016") is the whole of that year, so the programme starts and ends in it."""
    year = re.fullmatch(rf"\s*({_YEAR})\s*\.?\s*", text)
    return (year.group(1), year.group(1)) if year else parse_timeframe(text)


def start_not_after_end(start: str | None, end: str | None) -> bool:
    """Compares ISO dates of mixed precision on their common prefix."""
    if not start or not end:
        return True
    width = min(len(start), len(end))
    return start[:width] <= end[:width]
