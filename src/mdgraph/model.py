"""Typed records passed between the pipeline stages.

extract/  : document text        -> ProgrammeRecord (raw strings as written, with evidence)
resolve/  : ProgrammeRecord      -> Programme, Organisation (keys of countries, sectors, organisations)
mapping/  : Programme, ...       -> rdflib triples, through the rules in mappings/rdf.yaml
"""

from __future__ import annotations

from dataclasses import dataclass, field

#: Document families an extractor can recognise; also the `family` of a ProgrammeRecord.
ANNEX_ENTRY = "annex-entry"        # GFMD "policy and practice" annex entries
PROJECT_SHEET = "project-sheet"    # IOM "Project Title / Mission / Donor / Timeframe" blocks
NARRATIVE = "narrative"            # a named programme mentioned only in running text


@dataclass(frozen=True)
class Evidence:
    """A verbatim span of a source document that supports a fact.

    `quote` is the span with white space folded (line breaks of the PDF extraction removed);
    `line` is the 1-based line of the document where the span starts.
    """

    quote: str
    line: int


@dataclass(frozen=True)
class Mention:
    """A string as the document writes it ("MD Government", "Kosovo*"), with its evidence."""

    text: str
    evidence: Evidence


@dataclass(frozen=True)
class ProgrammeRecord:
    """One programme as one document describes it: nothing resolved yet."""

    document: str                       # document key (see Document.key)
    family: str                         # ANNEX_ENTRY, PROJECT_SHEET or NARRATIVE
    title: str                          # "" when the document gives none
    evidence: Evidence                  # the title line (or the sentence naming the programme)
    aliases: tuple[str, ...] = ()       # acronyms and other names ("DEED", "MISMES")
    countries: tuple[Mention, ...] = ()
    implementers: tuple[Mention, ...] = ()
    funders: tuple[Mention, ...] = ()
    partners: tuple[Mention, ...] = ()
    units: tuple[Mention, ...] = ()     # implementing offices ("IOM Tirana, Albania")
    thematic_areas: tuple[Mention, ...] = ()
    tags: tuple[Mention, ...] = ()
    start: str | None = None            # "2013", "2013-11" or "2013-11-27": as precise as written
    end: str | None = None
    timeframe: Evidence | None = None   # the span the dates come from
    web_links: tuple[str, ...] = ()
    description: str = ""               # summary / narrative text, white space folded
    description_line: int = 0


@dataclass(frozen=True)
class Link:
    """A resolved link from a programme to a resource key, with the quote that supports it."""

    key: str
    evidence: Evidence


@dataclass
class Organisation:
    """An organisation node: one per real organisation, whatever the spelling."""

    key: str                            # slug: "iom", "iom-tirana", "ministry-of-health-gh"
    label: str
    alt_labels: set[str] = field(default_factory=set)
    parent: str | None = None           # key of the organisation this is a unit of (IOM missions)
    country: str | None = None          # ISO 3166-1 alpha-2, lower case, when known
    kind: str | None = None             # "intergovernmental", "government", "donor-agency", ...
    known: bool = True                  # False when created from the text, not the alias table
    seen_as: set[str] = field(default_factory=set)  # surface strings resolved to it


@dataclass
class Programme:
    """A programme with everything resolved; possibly merged from several records."""

    key: str
    title: str
    documents: set[str] = field(default_factory=set)
    aliases: set[str] = field(default_factory=set)
    families: set[str] = field(default_factory=set)
    countries: list[Link] = field(default_factory=list)
    sectors: list[Link] = field(default_factory=list)
    implementers: list[Link] = field(default_factory=list)
    funders: list[Link] = field(default_factory=list)
    partners: list[Link] = field(default_factory=list)
    units: list[Link] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    timeframe: Evidence | None = None
    web_links: set[str] = field(default_factory=set)
    description: str = ""
    title_evidence: list[tuple[str, Evidence]] = field(default_factory=list)  # (document, evidence)
    no_country_reason: str | None = None
    unresolved: list[tuple[str, str]] = field(default_factory=list)  # (field, surface string)


@dataclass(frozen=True)
class Document:
    """A corpus document and its manifest metadata."""

    key: str                            # stable slug: the file name without extension, lower case
    path: str
    title: str
    publisher: str
    year: int | None
    family: str                         # "gfmd-background-paper", "iom-showcase", "un-brief", ...
    sha256: str
    language: str = "en"
    text: str = field(repr=False, default="")
