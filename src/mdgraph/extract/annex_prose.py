"""What the summary of an annex entry says about the programme: the organisations it names
as running, funding or working with it ("The Government of Ghana has attempted ...",
"supported by the Swiss Agency for Development and Cooperation (SDC)") and the dates it
gives ("The project started in 2002 and finished in December 2012"). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mdgraph.extract import dates
from mdgraph.extract.names import ORGANISATION_HEADS, qualify_by_place, split_organisations
from mdgraph.extract.text import is_acronym
from mdgraph.model import Evidence, Mention

__all__ = ["narrative_roles", "summary_dates"]

_NAME_WORD = r"(?:[A-Z][\w’'&.\-/]*)"
_NAME_LINK = r"(?:of|for|and|on|in|the|de|del|la|el|des|du|pour|y|et)"
_NAME = rf"(?:[Tt]he\s+)?{_NAME_WORD}(?:\s+(?:{_NAME_LINK}\s+)*{_NAME_WORD})*(?:\s*\([^()]{{1,60}}\))?"
_NAMES = rf"(?P<names>{_NAME}(?:\s*,\s*{_NAME})*(?:\s*,?\s+and\s+{_NAME})?)"
_PASSIVE = r"(?:,\s*|\b(?:is|was|are|were|been|being|and)\s+)(?:\w+ly\s+)?"
_SUBJECT_VERBS = (
    r"(?:attempted|developed|spearheaded|launched|implemented|established|initiated|created|conducted|issued"
    r"|adopted|encouraged|decided\s+to|runs|implements|manages|coordinates|leads"
    r"|(?:is|are)\s+(?:coordinating|implementing|managing|leading|running)"
    r"|(?:has|have)\s+an?\s+(?:[\w-]+\s+){0,3}(?:program|programme|project|scheme)"
    r"|recogni[sz]ed\s+the\s+need|(?:has|have)\s+been\s+interested\s+(?:in|to)|(?:is|are)\s+providing|provides"
    r"|(?:co-?)?chairs|(?:co-?)?chaired"
    r"|made\s+(?:the|a|an)\s+(?:[\w-]+\s+){0,2}(?:survey|study|assessment|census))\b"
)


@dataclass(frozen=True)
class _Saying:
    """A way the text says who runs, funds or works with the programme."""

    role: str
    pattern: re.Pattern[str]
    subject: bool = False       # the names are the subject of a verb: keep them only if they name a body
    in_titles: bool = False     # also read in titles ("..., funded by SDC")


_SAYINGS = (
    _Saying("implementers", re.compile(
        rf"{_PASSIVE}(?:implemented|managed|coordinated|led|run|executed|carried\s+out|organi[sz]ed)\s+by\s+{_NAMES}")),
    _Saying("funders", re.compile(rf"{_PASSIVE}(?:co-?)?(?:funded|financed|sponsored|supported)\s+by\s+{_NAMES}"),
            in_titles=True),
    _Saying("funders", re.compile(  # "contributions from clubs of migrants, the Federal Government (...)"
        rf"\b(?:contributions?|co-?funding|co-?financing)\s+(?:from|of)\s+(?:[a-z][^,.;]*,\s+)*{_NAMES}")),
    _Saying("partners", re.compile(
        rf"\b(?:(?:in\s+(?:close\s+)?|[a-z]+\s+)(?:cooperation|collaboration|partnership)\s+with"
        rf"|(?:has|have|had)\s+(?:collaborated|cooperated|partnered)\s+with"
        rf"|under\s+the\s+(?:leadership|coordination|auspices)\s+of"
        rf"|(?:ministries|institutions|agencies|organi[sz]ations|bodies|partners)\s+(?:such\s+as|including|like)"
        rf"|(?:provided|provides|providing)\s+(?:\w+\s+){{0,2}}(?:assistance|support)\s+to)\s+{_NAMES}")),
    _Saying("partners", re.compile(
        rf"(?:^|[,;:]\s+)(?P<names>{_NAME})\s+(?:has|have|had|is|are)\s+(?:also\s+)?"
        r"(?:collaborated|cooperated|partnered|working\s+in\s+(?:collaboration|cooperation|partnership))\s+with\b"),
            subject=True),
    _Saying("partners", re.compile(  # "a working group (Ministry of Foreign Affairs, Ministry of Health, ...)"
        r"\b(?:group|committee|task\s+force|board|council|network|consortium|coalition|platform)\s*"
        r"\((?P<names>[^()]*(?:\([^()]*\)[^()]*)*,[^()]*(?:\([^()]*\)[^()]*)*)\)")),
    _Saying("implementers", re.compile(
        rf"(?:^|[,;:]\s+)(?P<names>{_NAME})"
        r"(?:\s*,\s*[A-Z][A-Z0-9&-]{1,12}\s*,)?"  # "the Ministry of Health, MINSAL, has been interested"
        r"(?:\s*,\s*with\s+(?:the\s+)?support\s+(?:of|from)\s+[^.;]{1,120}?,)?\s+"
        rf"(?:(?:has|have|had)\s+(?:also\s+)?)?{_SUBJECT_VERBS}"), subject=True),
    _Saying("funders", re.compile(rf"(?:^|[,;:]\s+)(?P<names>{_NAME})\s+(?:co-?)?(?:funds|finances|sponsors)\b"),
            subject=True),
)
_AUXILIARIES = {"has", "have", "had", "is", "are", "was", "were", "will", "would", "can", "could"}
_PROGRAMME_WORDS = re.compile(
    r"\b(?:project|programme|program|initiative|scheme|fund|policy|strategy|plan|partnership|portal|platform"
    r"|campaign)s?\b", re.IGNORECASE)


def narrative_roles(title: Evidence | None, sentences: list[Evidence],
                    countries: set[str] = frozenset()) -> dict[str, list[Mention]]:
    """Organisations the title or summary plainly names as running, funding or working with
    the programme ("implemented by IOM", "The Government of Ghana has attempted ...",
    "funded by SDC", "in cooperation with the Academy of Sciences"). In an entry about
    several `countries` (alpha-2 codes), a national body takes the one its sentence is about."""
    found: dict[str, list[Mention]] = {"implementers": [], "funders": [], "partners": []}
    texts = [(title, True)] if title else []
    quotes = [sentence.quote for sentence in sentences]
    for number, (evidence, is_title) in enumerate(texts + [(sentence, False) for sentence in sentences]):
        text = evidence.quote
        for saying in _SAYINGS:
            if is_title and not saying.in_titles:
                continue
            for match in saying.pattern.finditer(text):
                names = _trim_names(match.group("names"), text[match.end("names"):])
                if saying.subject and not _names_an_organisation(names):
                    continue
                for name, _ in split_organisations([names], article_runs=False):
                    if len(countries) > 1 and not is_title:
                        name = qualify_by_place(name, quotes, number - len(texts), countries)
                    found[saying.role].append(Mention(name, evidence))
    return found


def _trim_names(names: str, after: str) -> str:
    """Names cut back to what the verb governs: in "... by IOM and UNDP, UNICEF Tunisia has
    collaborated" the last name is the subject of the next clause; in "with the Ministry of
    Health and Ghanaian diaspora professionals" the adjective belongs to a common noun."""
    following = re.match(r"\s+([a-z]+)", after)
    if not following:
        return names
    if following.group(1) in _AUXILIARIES and "," in names:
        return names.rsplit(",", 1)[0]
    last = names.rsplit(" and ", 1)[-1]
    if following.group(1) not in _NAME_LINK and " and " in names and len(last.split()) == 1 \
            and not is_acronym(last) and last.lower() not in ORGANISATION_HEADS:
        return names.rsplit(" and ", 1)[0]
    return names


def _names_an_organisation(names: str) -> bool:
    words = re.sub(r"\([^()]*\)", " ", names).split()
    return any(is_acronym(word) for word in words) or any(
        word.lower() in ORGANISATION_HEADS for word in words)


_START_VERB = re.compile(
    r"\b(?:started|starts|began|begins|commenced|launched|initiated|established|created|set\s+up|introduced"
    r"|inaugurated)\b", re.IGNORECASE)
_END_VERB = re.compile(
    r"\b(?:finished|finishes|ended|ends|completed|concluded|closed|terminated|expired|continues?|continued"
    r"|runs?|ran|lasts?|lasted)\b", re.IGNORECASE)
_START_LEAD = re.compile(r"\b(?:in|on|from|since)\s+(?:the\s+)?", re.IGNORECASE)
_END_LEAD = re.compile(r"\b(?:in|on|by|till|until|to|through|up\s+to)\s+(?:the\s+)?", re.IGNORECASE)
_OPENING_DATE = re.compile(r"^(?:In|On|Since|From)\s+", re.IGNORECASE)
_PERIOD = re.compile(r"\b(?:in|during)\s+the\s+period(?:\s+of)?\s+|\b(?:runs?|ran|lasts?|lasted)\s+from\s+"
                     r"|\bfrom\s+(?=(?:19|20)\d\d\s+(?:to|until|till)\s+(?:19|20)\d\d)", re.IGNORECASE)
#: "Since 2012 the municipalities run ...", "... has offered the loans since 2003": when it started.
_SINCE = re.compile(r"\b[Ss]ince\s+(?=(?:19|20)\d\d\b)")
#: Words that end a title's head noun phrase ("Diaspora mapping in Kenya": "mapping").
_TITLE_TAIL = re.compile(r"\s+(?:in|of|for|from|with|between|to|on|at|by)\s+.*$|\s*\(.*$", re.IGNORECASE)
_NARRATIVE_GAP = 60  # characters a date may stand after its verb ("launched, after a pilot, on ...")


def summary_dates(sentences: list[Evidence], title: str = "") -> tuple[str | None, str | None, Evidence] | None:
    """Start and end the summary plainly states of the programme ("The project started in 2002
    and finished in December 2012", "In January 2013, the OECD launched the project", "Since
    2012 the municipalities run migrant information desks" under the title "Municipal migrant
    information desks"), to the month at most: a day in running text dates an event, not the
    programme. Only sentences about the programme count: those with a programme word or the
    head noun of the title."""
    start = end = None
    evidence = None
    head = _title_head(title)
    for sentence in sentences:
        text = sentence.quote
        if not (_PROGRAMME_WORDS.search(text) or head and head.search(text)):
            continue
        period = _PERIOD.search(text)
        if period and start is None:
            first, last = dates.parse_timeframe(text[period.end(): period.end() + 40])
            if first and last:
                start, end, evidence = first, last, sentence
                continue
        opening = _OPENING_DATE.match(text)
        opening_date = dates.DATE.match(text, opening.end()) if opening else None
        if start is None and opening_date and _START_VERB.search(text, opening_date.end(),
                                                                  opening_date.end() + _NARRATIVE_GAP * 2):
            start, evidence = dates.parse_date(opening_date.group(0)), sentence
        start = start or _date_after_verb(text, _START_VERB, _START_LEAD) or _date_after(text, _SINCE)
        end = end or _date_after_verb(text, _END_VERB, _END_LEAD)
        evidence = evidence or (sentence if start or end else None)
    if not (start or end):
        start, end, evidence = _phases(sentences)
    if start and end and not dates.start_not_after_end(start, end):
        end = None
    if not (start or end):
        return None
    return (start[:7] if start else None), (end[:7] if end else None), evidence


_PHASE_YEARS = re.compile(r"\(\s*((?:19|20)\d\d)\s*[-–—]\s*((?:19|20)\d\d)\s*\)")
_PHASE_WORDS = re.compile(r"\b(?:phases?|rounds?|editions?|waves?|cycles?)\b", re.IGNORECASE)


def _phases(sentences: list[Evidence]) -> tuple[str | None, str | None, Evidence | None]:
    """ "The latest phase of the MICS survey (MICS4 (2009-2011)) ... the forthcoming MICS5
    (2012-2014)": in a summary that speaks of phases, the years in brackets are theirs, and the
    programme runs from the first one's start to the last one's end."""
    spans = [(match.group(1), match.group(2), sentence) for sentence in sentences
             for match in _PHASE_YEARS.finditer(sentence.quote)]
    if not spans or not any(_PHASE_WORDS.search(sentence.quote) for sentence in sentences):
        return None, None, None
    return min(s for s, _, _ in spans), max(e for _, e, _ in spans), spans[0][2]


def _title_head(title: str) -> re.Pattern[str] | None:
    """The head noun of a title ("Remittance-backed housing loans": "loans"), singular or plural."""
    words = _TITLE_TAIL.sub("", title).split()
    if not words or len(words[-1]) < 4:
        return None
    stem = re.escape(re.sub(r"(?:es|s)$", "", words[-1].lower()))
    return re.compile(rf"\b{stem}(?:s|es)?\b", re.IGNORECASE)


def _date_after(text: str, lead: re.Pattern[str]) -> str | None:
    """The date that `lead` ("since") introduces."""
    for found in lead.finditer(text):
        match = dates.DATE.match(text, found.end())
        if match:
            return dates.parse_date(match.group(0))
    return None


def _date_after_verb(text: str, verb: re.Pattern[str], lead: re.Pattern[str]) -> str | None:
    """The first date that a `lead` word ("in", "till the end of") introduces shortly after a `verb`."""
    for found in verb.finditer(text):
        window = text[found.end(): found.end() + _NARRATIVE_GAP]
        for preposition in lead.finditer(window):
            match = dates.DATE.match(window, preposition.end())
            if match:
                return dates.parse_date(match.group(0))
    return None
