"""ProgrammeRecord (raw strings) -> Programme (keys), one document at a time.

Countries, organisations and sectors are resolved by the resolvers of this package; this
module decides what each role gets: the IOM office named as a "Mission" becomes an
implementing unit and gives its country, a programme with no country says why, and records
of the same programme printed twice in one document become one Programme.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from ..extract.dates import dropped_end, start_not_after_end
from ..extract.text import fold, slugify
from ..model import Evidence, Link, Mention, Organisation, Programme, ProgrammeRecord
from .countries import CountryResolver
from .organisations import FIELD_OFFICE, OrganisationResolver
from .sectors import SectorResolver

ROLES = ("implementers", "funders", "partners")
UNTITLED_PREFIX = "Untitled practice: "


def programme_title(record: ProgrammeRecord) -> str:
    """The record's title; an untitled entry is named by the start of its description."""
    if record.title:
        return record.title
    first_sentence = fold(record.description).split(". ")[0]
    if len(first_sentence) > 100:
        first_sentence = first_sentence[:100].rsplit(" ", 1)[0] + "…"
    return UNTITLED_PREFIX + (first_sentence or record.document)


_KEY_LENGTH = 90


def programme_key(title: str) -> str:
    """The title's slug; a longer one is cut and given a digest of the whole, so that two
    titles sharing their first 90 characters ("X ... (phase 2)" and "X ...") stay two programmes."""
    whole = slugify(title, max_length=len(title) + 1)
    if len(whole) <= _KEY_LENGTH:
        return whole
    return f"{slugify(title, max_length=_KEY_LENGTH - 9)}-{hashlib.sha1(whole.encode()).hexdigest()[:8]}"


def _add(links: list[Link], key: str, evidence: Evidence) -> None:
    if all(link.key != key for link in links):
        links.append(Link(key, evidence))


class ProgrammeResolver:
    """Holds the three resolvers; organisations resolved across calls stay one node each."""

    def __init__(self, countries: CountryResolver, organisations: OrganisationResolver, sectors: SectorResolver):
        self.countries = countries
        self.organisations = organisations
        self.sectors = sectors
        #: (field, surface string) that resolved to nothing, for the review report
        self.unresolved: list[tuple[str, str, str]] = []
        self._organisations_by_key: dict[str, Organisation] = {}

    def _countries(self, mentions: Iterable[Mention], programme: Programme) -> None:
        for mention in mentions:
            country = self.countries.resolve(mention.text)
            found = [country] if country else [hit[0] for hit in self.countries.find(mention.text)]
            if not found:
                programme.unresolved.append(("country", mention.text))
            for each in found:
                _add(programme.countries, each.code.lower(), mention.evidence)

    def _context(self, programme: Programme) -> list[str]:
        """The countries that qualify generic national bodies ("Ministry of Health"): the
        implementing offices' countries when the programme has offices, else its countries."""
        organisations = self._by_key()
        offices = [organisations[link.key].country for link in programme.units
                   if link.key in organisations and organisations[link.key].country]
        return sorted({c.upper() for c in offices}) or [link.key.upper() for link in programme.countries]

    def _organisations(self, role: str, mentions: Iterable[Mention], programme: Programme) -> None:
        context = self._context(programme)
        for mention in mentions:
            organisation = self.organisations.resolve(mention.text, context)
            if organisation is None:
                programme.unresolved.append((role[:-1], mention.text))
                continue
            if organisation.kind == FIELD_OFFICE:
                # An office named in a role ("Coordination: IOM Netherlands") acts for its
                # organisation; the office itself is kept as the implementing unit.
                if role == "implementers":
                    _add(programme.units, organisation.key, mention.evidence)
                organisation = self._root(organisation)
            _add(getattr(programme, role), organisation.key, mention.evidence)

    def _by_key(self) -> dict[str, Organisation]:
        """The organisations resolved so far, by key (remade only when one was added: nodes
        are never replaced, and a programme asks this several times)."""
        nodes = self.organisations.organisations()
        if len(nodes) != len(self._organisations_by_key):
            self._organisations_by_key = {o.key: o for o in nodes}
        return self._organisations_by_key

    def _root(self, organisation: Organisation) -> Organisation:
        organisations = self._by_key()
        while organisation.kind == FIELD_OFFICE and organisation.parent in organisations:
            organisation = organisations[organisation.parent]
        return organisation

    def resolve(self, record: ProgrammeRecord) -> Programme:
        title = programme_title(record)
        programme = Programme(
            key=programme_key(title), title=title, documents={record.document}, aliases=set(record.aliases),
            families={record.family}, start=record.start, end=record.end, timeframe=record.timeframe,
            web_links=set(record.web_links), description=record.description,
            title_evidence=[(record.document, record.evidence)],
        )
        self._countries(record.countries, programme)
        if record.timeframe and (dropped := dropped_end(record.timeframe.quote)):
            programme.unresolved.append(("timeframe", f"{record.timeframe.quote} (end {dropped} dropped)"))
        for mention in record.units:
            unit = self.organisations.resolve_unit(mention.text)
            if unit is None:
                programme.unresolved.append(("unit", mention.text))
                continue
            _add(programme.units, unit.key, mention.evidence)
            if unit.country:
                _add(programme.countries, unit.country.lower(), mention.evidence)
        for role in ROLES:
            self._organisations(role, getattr(record, role), programme)
        for notation, evidence in self.sectors.resolve(record.thematic_areas, record.tags, record.title,
                                                       record.description, record.description_line,
                                                       title_evidence=record.evidence):
            _add(programme.sectors, notation, evidence)
        if not programme.countries:
            tried = [text for field, text in programme.unresolved if field == "country"]
            programme.no_country_reason = (f"the source names no country, only: {'; '.join(tried)}" if tried
                                           else "the source names no country for it")
        self.unresolved.extend((record.document, field, text) for field, text in programme.unresolved)
        return programme


def merge(into: Programme, other: Programme) -> None:
    """Folds a second record of the same programme (a duplicated entry) into the first."""
    into.documents |= other.documents
    into.aliases |= other.aliases
    into.families |= other.families
    into.web_links |= other.web_links
    into.start = into.start or other.start
    into.end = into.end or other.end
    if not start_not_after_end(into.start, into.end):  # the two records disagree: keep no end
        into.end = None
    into.timeframe = into.timeframe or other.timeframe
    into.description = into.description or other.description
    into.title_evidence.extend(other.title_evidence)
    for name in ("countries", "sectors", "implementers", "funders", "partners", "units"):
        links = getattr(into, name)
        for link in getattr(other, name):
            _add(links, link.key, link.evidence)
    if into.countries:
        into.no_country_reason = None


def resolve_document(records: Iterable[ProgrammeRecord], resolver: ProgrammeResolver) -> list[Programme]:
    """One Programme per distinct programme of a document, in order of first appearance."""
    programmes: dict[str, Programme] = {}
    for record in records:
        programme = resolver.resolve(record)
        if programme.key in programmes:
            merge(programmes[programme.key], programme)
        else:
            programmes[programme.key] = programme
    return list(programmes.values())
