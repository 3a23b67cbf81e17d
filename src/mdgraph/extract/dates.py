"""Timeframes as written ("November 2013 to March 2015", "1997—Present (Open-ended)")
turned into ISO strings exactly as precise as the text: "2013", "2013-11" or "2013-11-27"."""

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
OPEN_END = re.compile(r"\b(present|ongoing|on-going|open[- ]ended|today|to date|now)\b", re.IGNORECASE)
#: What may stand between the two ends of a range.
RANGE_SEPARATOR = re.compile(r"^\s*(?:[-–—‒―]+|to|until|till|through|thru|and)\s*", re.IGNORECASE)


def _iso(match: re.Match, end_of_year_as_december: bool) -> str:
    g = match.groupdict()
    if g["y1"]:
        return f"{g['y1']}-{MONTHS[g['m1'].lower().rstrip('.')]:02d}-{int(g['d1']):02d}"
    if g["y2"]:
        return f"{g['y2']}-{MONTHS[g['m2'].lower().rstrip('.')]:02d}-{int(g['d2']):02d}"
    if g["y3"]:
        return f"{g['y3']}-{MONTHS[g['m3'].lower().rstrip('.')]:02d}"
    if g["y4"]:
        return f"{g['y4']}-{int(g['mm']):02d}"
    if g["y5"]:
        return f"{g['y5']}-{g['m5']}"
    if g["end_of"] and end_of_year_as_december:
        return f"{g['y6']}-12"
    return g["y6"]


def parse_date(text: str) -> str | None:
    """The first date in `text`, as precise as written; None when there is none."""
    match = DATE.search(text)
    return _iso(match, end_of_year_as_december=True) if match else None


def parse_timeframe(text: str) -> tuple[str | None, str | None]:
    """(start, end) of a written timeframe; an open end ("Present", "ongoing") gives None.

    A single date gives (date, None): the text says when it started, not when it ends.
    """
    text = " ".join(text.split())
    first = DATE.search(text)
    if not first:
        return None, None
    start = _iso(first, end_of_year_as_december=False)
    rest = text[first.end():]
    separator = RANGE_SEPARATOR.match(rest)
    if separator:
        after = rest[separator.end():]
        if OPEN_END.match(after.lstrip("( ")):
            return start, None
        second = DATE.match(after)
        if second:
            return start, _iso(second, end_of_year_as_december=True)
    second = DATE.search(rest)
    if second and not OPEN_END.search(rest[: second.start()]):
        return start, _iso(second, end_of_year_as_december=True)
    return start, None


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
