"""Small pure helpers for pages: marking names in quotes, grouping, counting, dates."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence

from ...views import Ref


def highlight(text: str, names: Iterable[str]) -> list[tuple[str, bool]]:
    """`text` cut into (segment, marked) pieces, marking every whole-word occurrence of one of
    `names` (case-insensitive, longest name first), so a template can wrap them in <mark>."""
    wanted = sorted({n.strip() for n in names if n and len(n.strip()) > 1}, key=len, reverse=True)
    if not text or not wanted:
        return [(text, False)] if text else []
    pattern = re.compile(r"(?<!\w)(?:" + "|".join(re.escape(n) for n in wanted) + r")(?!\w)", re.IGNORECASE)
    pieces, position = [], 0
    for match in pattern.finditer(text):
        if match.start() > position:
            pieces.append((text[position:match.start()], False))
        pieces.append((match.group(), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces


def safe_url(iri: str) -> str | None:
    """`iri` when a browser may follow it as a link (http or https), else None: data must
    never smuggle a javascript: or data: URL into a page."""
    return iri if re.match(r"https?://", iri, re.IGNORECASE) else None


def tally(groups: Iterable[Sequence[Ref]], skip: str | None = None) -> list[tuple[Ref, int]]:
    """Each resource of the groups (one group per programme) with the number of groups it is
    in, most first, then by label; `skip` leaves one IRI out (the page's own resource)."""
    counts: Counter[Ref] = Counter()
    for refs in groups:
        counts.update({ref for ref in refs if ref.iri != skip})
    return sorted(counts.items(), key=lambda item: (-item[1], item[0].label.casefold(), item[0].iri))


def span(start: str | None, end: str | None) -> str:
    """A programme's dates for people: '2011 – 2014-12', '2013 – open-ended', '' when unknown."""
    if start and end:
        return f"{start} – {end}"
    if start:
        return f"{start} – open-ended"
    if end:
        return f"until {end}"
    return ""


def year_of(lexical: str | None) -> int | None:
    """The year of an xsd:date, gYearMonth or gYear lexical form."""
    match = re.match(r"-?(\d{4})", lexical or "")
    return int(match.group(1)) if match else None


def heat_level(count: int, highest: int, levels: int = 6) -> int:
    """The colour step (0 for none, then 1..levels) of a count on a log scale up to `highest`:
    a few cells or countries with many programmes must not wash out the rest."""
    if count <= 0 or highest <= 0:
        return 0
    return max(1, min(levels, math.ceil(levels * math.log1p(count) / math.log1p(highest))))
