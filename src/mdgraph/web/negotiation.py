"""Content negotiation (RFC 9110 section 12.5.1), pure: Accept header + offers -> a format.

Each table lists what the server offers, in its order of preference, as (media type a client
may ask for, canonical media type we answer with); the first entry is the default when the
client sends no Accept header or only `*/*`. Ranking: highest q, then the most specific
matching range (`text/csv` beats `text/*` beats `*/*`), then the server's order. Aliases
match only when the client names them, so `*/*, application/sparql-results+json;q=0` is not
answered with JSON under another name.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

Offers = Sequence[tuple[str, str]]

JSON_RESULTS = "application/sparql-results+json"
XML_RESULTS = "application/sparql-results+xml"
CSV, TSV = "text/csv", "text/tab-separated-values"
TURTLE, NTRIPLES, JSONLD, RDFXML = "text/turtle", "application/n-triples", "application/ld+json", "application/rdf+xml"
HTML = "text/html"

SELECT_OFFERS: Offers = (
    (JSON_RESULTS, JSON_RESULTS),
    ("application/json", JSON_RESULTS),
    (XML_RESULTS, XML_RESULTS),
    ("application/xml", XML_RESULTS),
    ("text/xml", XML_RESULTS),
    (CSV, CSV),
    (TSV, TSV),
)
ASK_OFFERS: Offers = tuple(offer for offer in SELECT_OFFERS if offer[1] in (JSON_RESULTS, XML_RESULTS))
RDF_OFFERS: Offers = (
    (TURTLE, TURTLE),
    ("application/x-turtle", TURTLE),
    (NTRIPLES, NTRIPLES),
    (JSONLD, JSONLD),
    ("application/json", JSONLD),
    (RDFXML, RDFXML),
    ("application/xml", RDFXML),
)
#: Documents that exist as RDF and as a page: RDF wins unless HTML is asked for explicitly.
RDF_OR_HTML_OFFERS: Offers = (*RDF_OFFERS, (HTML, HTML), ("application/xhtml+xml", HTML))
#: Documents that are pages first (lists) with a JSON form for programs.
HTML_OR_JSON_OFFERS: Offers = ((HTML, HTML), ("application/json", "application/json"))

#: `?format=` names for the resource, query and dump routes.
FORMAT_NAMES = {
    "ttl": TURTLE, "turtle": TURTLE,
    "nt": NTRIPLES, "ntriples": NTRIPLES,
    "jsonld": JSONLD, "json-ld": JSONLD,
    "rdf": RDFXML, "rdfxml": RDFXML, "xml": XML_RESULTS,
    "json": JSON_RESULTS, "csv": CSV, "tsv": TSV,
    "html": HTML,
}
#: Content-Type header for each canonical media type.
CONTENT_TYPES = {
    CSV: "text/csv; charset=utf-8",
    TSV: "text/tab-separated-values; charset=utf-8",
    TURTLE: "text/turtle; charset=utf-8",
    HTML: "text/html; charset=utf-8",
}


@dataclass(frozen=True)
class MediaRange:
    type: str
    subtype: str
    q: float

    def specificity(self, media_type: str) -> int:
        """-1 when this range does not match `media_type`, else 0 (*/*), 1 (type/*) or 2 (exact)."""
        kind, _, sub = media_type.partition("/")
        if self.type == "*":
            return 0
        if self.type != kind:
            return -1
        if self.subtype == "*":
            return 1
        return 2 if self.subtype == sub else -1


def parse_accept(header: str | None) -> list[MediaRange]:
    """The well-formed media ranges of an Accept header (malformed entries are skipped)."""
    ranges = []
    for entry in (header or "").split(","):
        media, *params = (part.strip() for part in entry.split(";"))
        media = "*/*" if media == "*" else media.lower()
        kind, slash, sub = media.partition("/")
        if not (kind and slash and sub) or (kind == "*" and sub != "*"):
            continue
        q = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    q = min(max(float(value), 0.0), 1.0)
                except ValueError:
                    q = 0.0
                break
        ranges.append(MediaRange(kind, sub, q))
    return ranges


@lru_cache(maxsize=256)
def negotiate(header: str | None, offers: Offers) -> str | None:
    """The canonical media type to answer with, or None when nothing offered is acceptable (406).
    Remembered per header and offers (tuples): clients send the same few Accept headers, and
    parsing one took a tenth of a small query's time."""
    ranges = parse_accept(header)
    if not ranges:
        return offers[0][1]
    best: tuple[float, int, int] | None = None
    chosen = None
    for position, (asked, canonical) in enumerate(offers):
        # an alias (application/json for SPARQL JSON) counts only when named, never through a wildcard
        lowest = 0 if asked == canonical else 2
        matches = [(r.specificity(asked), r.q) for r in ranges if r.specificity(asked) >= lowest]
        if not matches:
            continue
        specificity, q = max(matches)
        rank = (q, specificity, -position)
        if q > 0 and (best is None or rank > best):
            best, chosen = rank, canonical
    return chosen


def by_format_name(name: str, offers: Offers) -> str | None:
    """The canonical media type for a `?format=` value, when that route offers it."""
    wanted = FORMAT_NAMES.get(name.lower())
    canonical = {c for _, c in offers}
    if wanted == XML_RESULTS and RDFXML in canonical and XML_RESULTS not in canonical:
        wanted = RDFXML
    if wanted == JSON_RESULTS and JSONLD in canonical and JSON_RESULTS not in canonical:
        wanted = JSONLD
    return wanted if wanted in canonical else None


def content_type(media_type: str) -> str:
    return CONTENT_TYPES.get(media_type, media_type)


def acceptable(offers: Offers) -> str:
    """The list of media types a route offers, for 406 messages."""
    return ", ".join(dict.fromkeys(asked for asked, _ in offers))
