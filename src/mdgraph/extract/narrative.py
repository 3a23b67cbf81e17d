"""Named programmes that a document mentions only in running text (family model.NARRATIVE):
"the Migration for development in Africa (MIDA) initiative", "The International Recruitment
Integrity System (IRIS) is ...", "One of the programs, “Mobilization of Moroccans Living
Abroad”", "the UN Development Programme-led Joint Migration and Development Initiative
(Egypt, Georgia, ...)".

Precision first: a name must look like a programme's (a programme word in it or right after
it, an acronym or quotation marks that make it a name), must not be an organisation acting
("developed with the JMDI", "UNDP-led"), a policy instrument ("... Framework adopted by"),
a publication or a common noun ("a Regional Consultative Process"), and must not be one of
the `known_names` (annex entries and project sheets of the document) under another spelling.
"""

from __future__ import annotations

import dataclasses
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from mdgraph.extract.dates import parse_date, parse_timeframe
from mdgraph.extract.project_sheet import block_lines
from mdgraph.extract.names import ORGANISATION_HEADS, organisation_list
from mdgraph.extract.narrative_known import (
    PROGRAMME_HEADS, STOP_WORDS, KnownNames, names_organisation, without_brackets,
)
from mdgraph.extract.prose import (
    FUNDER, IMPLEMENTER, PARTNER, Passage, acronym_fits, add_mention, defined_acronyms, make_passage,
    names_before, passage_sentences, roles_in_sentence, vocabulary,
)
from mdgraph.extract.text import (
    find_countries, fold, is_acronym, normalise_key, organisation_names, spans_of, whole_word_offsets,
)
from mdgraph.model import NARRATIVE, Evidence, Mention, ProgrammeRecord

__all__ = ["extract_narrative_programmes"]

_HEADS = PROGRAMME_HEADS
_HEAD = re.compile(r"\b(?:" + "|".join(_HEADS) + r")\b")
#: A programme word, possibly plural ("UNDP's Municipal Employment Partnerships were piloted").
_HEAD_OR_PLURAL = re.compile(r"\b(?:" + "|".join(_HEADS) + r")(?P<plural>s)?\b")
_LOWER_HEAD = r"(?:programme|program|project|initiative|framework|scheme)"
_PRODUCT_HEADS = {"profile", "toolbox", "toolkit"}
#: Programme words that also name agreements and institutions ("Sendai Framework", "Bologna
#: Process"): a name with one needs an acronym, or a sentence that launches or runs it.
_WEAK_HEAD = re.compile(r"\b(?:Framework|Process|System|Partnership|Facility)\b")
_RUN_VERBS = re.compile(r"\b(?:launched|established|implemented|implementing|piloted|funded|financed|"
                        r"operating|operates|set\s+up|started|initiated|run|runs|managed)\b")
#: Head words whose modifier makes them a plan, a policy or an institution, not a programme.
_NOT_A_PROGRAMME = re.compile(
    r"\b(?:Partnership|Cooperation|Assistance|Operational|Policy|Legal|Regulatory|Results|Governance|"
    r"Strategic)\s+Framework\b|"
    r"\b(?:Information|Management|Health|Education|Statistical|Data|Monitoring|Social|Protection|"
    r"Pension|Welfare|Banking|Financial|Justice|School|Nations)\s+System\b|"
    r"\b(?:Consultative|Peace|Policy|Planning|Review|Budget|Selection|Application|Registration|"
    r"Accession)\s+Process\b|"
    r"\bProgramme\s+of\s+Action\b"
)
#: What may follow a programme word in its name: "... Process on Refugee Protection and ...".
_NAME_TAIL = re.compile(r"\s+(?:on|for|of|between)\s+(?:the\s+)?[A-Z][\w*-]*"
                        r"(?:\s+(?:and\s+|of\s+|for\s+|the\s+)*[A-Z][\w*-]*)*")
#: ", known as PALIM": another name of the programme just named.
_KNOWN_AS = re.compile(r",?\s+(?:also\s+)?(?:known|referred\s+to)\s+as\s+(?:the\s+)?(?P<alias>[A-Z][\w-]{1,15})\b")
_THROUGH_THE = re.compile(r"\b(?:Through|Under|Within)\s+the\s+(?P<name>(?:[A-Z][\w’'*-]*\s+){1,6})"
                          + _LOWER_HEAD + r"\b")
_THE_NAMED = re.compile(r"\b[Tt]he\s+(?P<name>(?:[A-Z][\w’'*-]*\s+){1,5})" + _LOWER_HEAD + r"\b")
_DETERMINERS = {"This", "That", "These", "Those", "Each", "Every", "Such", "Our", "Its", "Their", "His",
                "Her", "Any", "Another", "Other", "Some", "All", "Both", "One", "Within", "Under", "Through"}
_ACTOR_BEFORE = re.compile(r"\b(?:by|with|from)\s+(?:the\s+)?$", re.IGNORECASE)
_ACTOR_AFTER = re.compile(r"^(?:-led|-funded|-supported|-sponsored|\s+and\s+IOM\b)")
_ACTOR_SUFFIX = re.compile(r"-(?:led|funded|supported|sponsored|run)$")
_INDEFINITE = re.compile(r"\b(?:an?|A|An)\s+$")
_ADOPTED = re.compile(r"^[^.;]{0,80}\badopted\b")
_PUBLICATION = re.compile(
    r"\b(?:publication|published|guide|guidance|handbook|manual|report|study|paper|brief|book|"
    r"entitled|video|film|series|tool)\b[^“”\"]{0,40}$", re.IGNORECASE)
#: Verbs that start a programme.
_LAUNCH_VERBS = r"(?:launched|established|started|initiated|created|introduced|set\s+up)"
_QUOTE_CUE_BEFORE = re.compile(
    rf"\b{_LAUNCH_VERBS}\s+(?:the|a|an|its|their)\s*$|"
    r"\b(?:programmes?|programs?|projects?|initiatives?|schemes?|frameworks?|titled|called|named)\b"
    r"[\s,:]*$", re.IGNORECASE)
_QUOTE_CUE_AFTER = re.compile(r"^[”\"]?\s+" + _LOWER_HEAD + r"\b", re.IGNORECASE)
_QUOTED = re.compile(r"[“\"]([A-Z][^”\"]{2,120}?)[”\"]")
_COVERAGE = re.compile(r"\b(?:version|edition|issue|volume)\s+of\s+(?:the\s+)?$", re.IGNORECASE)
#: "(2002-2004)": the years a programme ran, in brackets after its name.
_YEAR_RANGE = re.compile(r"\(\s*((?:19|20)\d\d)\s*(?:[-–—]\s*((?:19|20)\d\d))?\s*\)")
#: "launched in June 2013": when it started.
_LAUNCH = re.compile(rf"\b(?:{_LAUNCH_VERBS}|endorsed)\b[^.;]{{0,60}}?"
                     r"\b(?:in|on|since)\s+(?P<date>(?:\d{1,2}\s+)?[A-Z]?[a-z]*\s*(?:19|20)\d\d)")
#: "between 2008 and 2011": when it ran.
_BETWEEN = re.compile(r"\b(?:between|from)\s+((?:19|20)\d\d)\s+(?:and|to|until|till)\s+((?:19|20)\d\d)\b")
#: "In 2016 the Ministry ... launched": the date opens the sentence of a launch.
_LAUNCHED_ON = re.compile(r"^(?:In|On)\s+(?P<date>(?:\d{1,2}\s+)?(?:[A-Z][a-z]+\s+)?(?:19|20)\d\d)\b,?\s+"
                          rf"(?=[^.;]{{0,120}}\b{_LAUNCH_VERBS}\b)")
#: "Since 2001, ...": when it started.
_SINCE = re.compile(r"\b(?:Since|(?:run|running|operating|operated|active|worked|working)"
                    r"(?:\s+in\s+(?:the\s+)?[A-Z][\w*-]*(?:\s+(?:and\s+|of\s+)?[A-Z][\w*-]*)*)?\s+since)"
                    r"\s+((?:19|20)\d\d)\b")
#: "EU-BK PHASE I (2011-2013)": a phase of a programme, with its years.
_PHASE = re.compile(r"\b(?P<base>[A-Z][\w*-]*(?:\s+[A-Z][\w*-]*){0,4})\s+(?i:phase)\s+(?P<number>[IVX]+|\d+)\b"
                    r"\s*\(\s*(?P<start>(?:19|20)\d\d)\s*[-–—]\s*(?P<end>(?:19|20)\d\d)\s*\)")
_ASSISTED_TO_IMPLEMENT = re.compile(
    r"(?P<org>\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)\s+(?:has\s+|have\s+)?(?:further\s+|also\s+)?"
    r"(?:assisted|supported|helped)\s+(?:states|countries|governments|the\s+government)\s+"
    r"(?:to|in)\s+implement")
_ANNEX_TITLE = re.compile(r"^\s*Title(?:\s+of\s+M&D\s+Policy\s+or\s+Practice)?\s*:", re.IGNORECASE)
_ANNEX_END = re.compile(r"^\s*Web\s*Links?\s*:", re.IGNORECASE)
_DESCRIPTION_LIMIT = 1500
_MAX_NAME_WORDS = 16  # words of a programme's name, at most


@dataclass
class _Candidate:
    title: str
    offset: int                               # in its sentence, then in the prose passage
    aliases: list[str] = field(default_factory=list)
    owner: str = ""                           # "IOM" of "the IOM’s ... programme"
    start: str | None = None
    end: str | None = None
    evidence: Evidence | None = None          # the sentence it was found in
    dated: bool = False                       # start/end come from the name ("Phase I (2011-2013)")

    def names(self) -> list[str]:
        return [self.title, *self.aliases]


# --------------------------------------------------------------------------- where to look

def _structured_lines(lines: list[str], text: str) -> set[int]:
    """Lines of annex entries (title label to web links) and of project blocks: their
    programmes are extracted by their own extractors."""
    skipped = block_lines(text)
    inside = links = False
    for number, line in enumerate(lines, 1):
        if _ANNEX_TITLE.match(line):
            inside, links = True, False
        elif links and not line.strip():
            inside = links = False  # the web links and references end at a blank line
        if inside:
            skipped.add(number)
        if inside and _ANNEX_END.match(line):
            links = True
    return skipped


# --------------------------------------------------------------------------- candidates

def _clean(name: str) -> str:
    return re.sub(r"^(?:the|The)\s+", "", fold(name).strip(" ,;:.“”\""))


def _acceptable(name: str, sentence: str, start: int, end: int) -> bool:
    """A programme's name, not an acting organisation, a policy, a common noun or a plural."""
    before, after = sentence[:start], sentence[end:]
    letters = [c for c in name if c.isalpha()]
    if not letters or all(c.isupper() for c in letters) or len(name.split()) > _MAX_NAME_WORDS:
        return False
    return not (_NOT_A_PROGRAMME.search(name) or _ACTOR_BEFORE.search(before) or _ACTOR_AFTER.match(after)
                or _INDEFINITE.search(before) or _ADOPTED.match(after) or re.match(r"^s\b", after))


def _name_around_head(sentence: str, head: re.Match) -> tuple[str, int, int, str]:
    """The capitalised name around a programme word ("Almaty Process on Refugee Protection and
    International Migration"), its span, and the possessive owner before it ("IOM’s"); no
    name after "a"/"an" (a common noun)."""
    words = list(re.finditer(r"[\w’'*&-]+", sentence[: head.start()]))
    start, owner = head.start(), ""
    for word in reversed(words):
        text = word.group()
        if sentence[word.end(): start].strip():
            break
        if text in ("A", "An"):
            return "", start, start, ""
        if re.search(r"[’']s$", text):
            owner = text[:-2]
            break
        if text in _DETERMINERS or text == "The" or _ACTOR_SUFFIX.search(text):
            break  # "This Programme", "the UN Development Programme-led Joint ... Initiative"
        if text[:1].isupper() or (text.lower() in {"of", "for", "and", "on"} and start != head.start()):
            start = word.start()
            continue
        break
    while re.match(r"(?:of|for|and|on)\s", sentence[start:]):
        start = sentence.index(" ", start) + 1
    end = head.end()
    tail = _NAME_TAIL.match(sentence, end)
    if tail:
        end = tail.end()
    place = re.match(r"\s+in\s+(?:the\s+)?", sentence[end:])
    countries = find_countries(sentence[end: end + 60]) if place else []
    if place and countries and countries[0][1] == place.end():
        end += place.end() + len(countries[0][0])  # "Extended Migration Profile in Albania"
    return sentence[start:end], start, end, owner


def _with_acronym(sentence: str) -> list[_Candidate]:
    """"The International Recruitment Integrity System (IRIS)": a programme word and an acronym."""
    return [_Candidate(_clean(name), offset, [acronym])
            for name, acronym, offset in defined_acronyms(sentence)
            if _HEAD.search(name) and _acceptable(name, sentence, offset, offset + len(name))]


def _acronym_then_head(sentence: str) -> list[_Candidate]:
    """"the Migration for development in Africa (MIDA) initiative": lowercase words allowed
    since the acronym vouches for the name, which starts with its first letter after "the" or
    a possessive ("the IOM’s Migration in Development in Africa (MIDA) programme")."""
    found = []
    for match in re.finditer(r"\(([A-Z][A-Za-z0-9-]{1,11})\)\s+(?P<head>(?i:" + _LOWER_HEAD + r"))\b", sentence):
        acronym, head = match.group(1), match.group("head")
        words = list(re.finditer(r"[\w’'*-]+", sentence[: match.start()]))
        for index in range(len(words) - 1, max(-1, len(words) - 1 - _MAX_NAME_WORDS), -1):
            previous = words[index - 1].group() if index else ""
            possessive = bool(re.search(r"[’']s$", previous))
            if is_acronym(acronym) and words[index].group()[:1] == acronym[0] and (
                    not previous or previous.lower() == "the" or possessive):
                name = sentence[words[index].start(): match.start()]
                if head[0].isupper():  # "the Migrants in Countries in Crisis (MICIC) Initiative"
                    if not _acceptable(name, sentence, words[index].start(), match.end()):
                        break
                    name = f"{fold(name)} {head}"
                found.append(_Candidate(_clean(name), words[index].start(), [acronym],
                                        owner=previous[:-2] if possessive else ""))
                break
    return found


def _around_head(sentence: str) -> list[_Candidate]:
    """"the Almaty Process on Refugee Protection ...", "the Global Mainstreaming Programme":
    capitalised names with a programme word. Words that also name agreements and
    institutions need an acronym after the name or a verb that launches or runs it."""
    found = []
    for match in _HEAD_OR_PLURAL.finditer(sentence):
        name, start, end, owner = _name_around_head(sentence, match)
        known_as = _KNOWN_AS.match(sentence, end)
        governed = _run_verb_governs(sentence, start, end)
        weak = _WEAK_HEAD.search(name) and not _HEAD.search(_WEAK_HEAD.sub("", name)) \
            and not re.match(r"\s*\([A-Z]", sentence[end:]) and not known_as and not governed
        if match.group("plural") and not (owner and governed):
            continue  # "Regional Consultative Processes": a kind of thing, unless someone's ran
        if len(name.split()) >= 2 and not _HEAD_OR_PLURAL.match(name) and not weak \
                and _acceptable(name, sentence, start, end) and not _in_quotes(sentence, start):
            found.append(_Candidate(_clean(name), start, [known_as.group("alias")] if known_as else [], owner=owner))
    return found


def _acted_through(sentence: str) -> list[_Candidate]:
    """ "Through the Connect Mali programme, ...", "The Triple Win project, run since 2013 by
    ...": a name that a lowercase programme word follows, in the phrase that says what someone
    acts through, or that a verb launches or runs."""
    found = [_Candidate(_clean(match.group("name")), match.start("name"))
             for match in _THROUGH_THE.finditer(sentence)
             if _acceptable(match.group("name"), sentence, match.start("name"), match.end())]
    for match in _THE_NAMED.finditer(sentence):
        if _run_verb_governs(sentence, match.start("name"), match.end()) \
                and _acceptable(match.group("name"), sentence, match.start("name"), match.end()):
            found.append(_Candidate(_clean(match.group("name")), match.start("name")))
    return found


def _run_verb_governs(sentence: str, start: int, end: int) -> bool:
    """ "the X Facility was launched", "The Triple Win project, run since 2013 by",
    "established the X Facility": a verb that launches or runs the name itself, not another
    name of the sentence."""
    return bool(re.match(r",?[^.;,]{0,30}?" + _RUN_VERBS.pattern, sentence[end:])
                or re.search(_RUN_VERBS.pattern + r"\s+(?:the\s+|a\s+|an\s+)?$", sentence[:start]))


def _quoted(sentence: str) -> list[_Candidate]:
    """“Mobilization of Moroccans Living Abroad” after "One of the programs,", or a quoted
    name ending in a programme word (“My JMDI Toolbox”); never a publication's title."""
    found = []
    for match in _QUOTED.finditer(sentence):
        name = match.group(1)
        before, after = sentence[: match.start()], sentence[match.end() - 1:]
        cued = _QUOTE_CUE_BEFORE.search(before[-40:]) or _QUOTE_CUE_AFTER.match(after)
        if (cued or name.split()[-1] in _HEADS) and not _PUBLICATION.search(before[-60:]) and ":" not in name \
                and len(name.split()) <= 15 and not _NOT_A_PROGRAMME.search(name):
            found.append(_Candidate(_clean(name), match.start(1)))
    return found


def _lowercase_with_years(sentence: str) -> list[_Candidate]:
    """"the Franco-Malian co-development framework, which established a fund (2002-2004)":
    a lowercase programme word after a capitalised one, vouched for by years in brackets."""
    if not _YEAR_RANGE.search(sentence):
        return []
    pattern = r"\bthe\s+((?:[A-Z][\w’'-]*\s+){1,3}(?:[a-z][\w-]*\s+){0,2}" + _LOWER_HEAD + r")\b"
    return [_Candidate(_clean(m.group(1)), m.start(1)) for m in re.finditer(pattern, sentence)
            if _acceptable(m.group(1), sentence, m.start(1), m.end(1))]


def _phases(sentence: str) -> list[_Candidate]:
    """"EU-BK PHASE I (2011-2013)": a programme's phase with its years."""
    found = []
    for match in _PHASE.finditer(sentence):
        written = fold(sentence[match.start(): match.start("start")]).rstrip(" (")
        title = f"{match.group('base')} Phase {match.group('number')}"
        found.append(_Candidate(title, match.start(), [written], start=match.group("start"),
                                end=match.group("end"), dated=True))
    return found


def _candidates_in(sentence: str) -> list[_Candidate]:
    """Programme names written in one sentence; `offset` is where each starts in it."""
    return [dataclasses.replace(candidate, aliases=list(candidate.aliases)) for candidate in _found_in(sentence)]


@functools.lru_cache(maxsize=1024)
def _found_in(sentence: str) -> tuple[_Candidate, ...]:
    """Cached (the caller gets copies to change): a sentence is read again for each
    programme it names."""
    found = [*_with_acronym(sentence), *_acronym_then_head(sentence), *_around_head(sentence),
             *_quoted(sentence), *_lowercase_with_years(sentence), *_phases(sentence), *_acted_through(sentence)]
    return tuple(candidate for candidate in found
                 if not names_organisation(sentence, candidate.title, candidate.offset, candidate.names()))


def _in_quotes(sentence: str, offset: int) -> bool:
    before = sentence[:offset]
    return before.count("“") > before.count("”") or before.count("\"") % 2 == 1


# --------------------------------------------------------------------------- facts

def _merge(candidates: list[_Candidate]) -> list[_Candidate]:
    """One candidate per programme: same name, or same acronym."""
    merged: list[_Candidate] = []
    for candidate in candidates:
        keys = {normalise_key(n) for n in candidate.names()}
        same = next((m for m in merged if keys & {normalise_key(n) for n in m.names()}), None)
        if same is None:
            merged.append(candidate)
            continue
        for name in candidate.names():
            if normalise_key(name) not in {normalise_key(n) for n in same.names()}:
                same.aliases.append(name)
        same.owner = same.owner or candidate.owner
        if same.start is None and candidate.start:
            same.start, same.end, same.dated, same.evidence = (
                candidate.start, candidate.end, candidate.dated, candidate.evidence)
    return merged


def _occurrences(passage: Passage, names: list[str], longer: list[str]) -> list[int]:
    """Offsets where one of `names` is written, not as part of a longer programme name."""
    spans = []
    for other in longer:
        spans += [(m.start(), m.end()) for m in _case_blind(other).finditer(passage.text)]
    found = []
    for name in names:
        for start in whole_word_offsets(passage.text, name):
            end = start + len(name)
            inside = any(s <= start and end <= e and (e - s) > len(name) for s, e in spans)
            if not inside:
                found.append(start)
    return sorted(set(found))


@functools.lru_cache(maxsize=1024)
def _case_blind(name: str) -> re.Pattern[str]:
    """`name` as a case-blind expression, made once (each name is looked for by every
    programme of its document)."""
    return re.compile(re.escape(name), re.IGNORECASE)


#: A sentence that goes on about the programme named in the one before.
_CONTINUATION = re.compile(r"^(?:It|Its|This\s+(?:programme|program|project|initiative|scheme)|"
                           r"The\s+(?:programme|program|project|initiative|scheme))\b|"
                           r"\b(?:implements|implemented|runs|ran|manages|managed|funds|funded|finances|financed|"
                           r"leads|led|coordinates|coordinated|supports|supported)\s+it\b")
#: "Under the MIDWEB project, IOM placed ...": the organisation acting through the programme
#: (NAMES stands for the programme's names).
_ACTING_UNDER = re.compile(r"\b(?:Through|Under|Within|As\s+part\s+of)\s+(?:the\s+)?(?:NAMES)(?:\s*\([^()]*\))?"
                           r"(?:\s+(?i:programme|program|project|initiative|scheme))?,?\s+"
                           r"(?:[a-z][^,;.]{0,40},\s+)?"  # ", launched in 2019, the Ministry ..."
                           r"(?:the\s+)?(?P<org>[A-Z][\w-]*(?:\s+(?:of\s+|for\s+|and\s+)*[A-Z][\w-]*)*)")
_ACTING_LEAD = re.compile(r"\b(?:Through|Under|Within|As\s+part\s+of)\s+(?:(?P<the>the\s+))?")


def _acting_under(candidate: _Candidate, sentence: str) -> re.Match[str] | None:
    """The match of _ACTING_UNDER for the candidate's names, its expression made only for the
    sentences where one of them follows "Through", "Under" ... (making it costs more than
    reading the sentence)."""
    names = tuple(candidate.names())
    if not any(sentence.startswith(names, at) for lead in _ACTING_LEAD.finditer(sentence)
               for at in {lead.start("the") if lead.group("the") else lead.end(), lead.end()}):
        return None
    return re.search(_ACTING_UNDER.pattern.replace("NAMES", "|".join(map(re.escape, names))), sentence)


#: "EU-IOM Joint Initiative ...", "AU-ILO-IOM-ECA Joint Programme": the partners of a joint programme.
_JOINT_OF = re.compile(r"^(?P<acronyms>[A-Z]{2,8}(?:-[A-Z]{2,8})+)\s+Joint\b")


@dataclass
class _Facts:
    countries: list[Mention] = field(default_factory=list)
    implementers: list[Mention] = field(default_factory=list)
    funders: list[Mention] = field(default_factory=list)
    partners: list[Mention] = field(default_factory=list)
    sentences: list[tuple[int, int]] = field(default_factory=list)


def _facts(candidate: _Candidate, passage: Passage, spans: list[tuple[int, int]], offsets: list[int],
           other_names: list[str]) -> _Facts:
    """Countries and organisations that the sentences naming the programme tie to it; a
    sentence that goes on about it ("It supports ...", "The programme ...") counts too."""
    facts = _Facts()
    names = [normalise_key(n) for n in candidate.names()]
    named_before = False
    previous = ""
    for start, end in spans:
        sentence, before, previous = passage.text[start:end], previous, passage.text[start:end]
        here = [o for o in offsets if start <= o < end]
        continues = named_before and not here and _CONTINUATION.search(sentence) is not None
        named_before = bool(here)
        if not here and not continues:
            continue
        facts.sentences.append((start, end))
        evidence = passage.evidence(start, end, here[0] if here else start)
        alone = not any(n.lower() in sentence.lower() for n in other_names) and (
            continues or not _another_project(sentence, candidate))
        roles = _roles(sentence)
        for role, name, clause in roles:
            if normalise_key(name) not in names and (alone or clause and _known_as(candidate, clause)):
                add_mention(getattr(facts, role), name, evidence)
        for other in _candidates_in(sentence):  # "the IOM’s Migration in Development in Africa (MIDA)"
            if {normalise_key(n) for n in other.names()} & set(names):
                if other.owner:
                    add_mention(facts.implementers, other.owner, evidence)
                candidate.aliases += [n for n in other.names() if n not in candidate.names()]
        if here and _ONE_OF_ITS.match(sentence):  # "X runs ... . One of the programs, “Y”, ..."
            for name in _subject(before):
                add_mention(facts.implementers, name, passage.evidence(start, end, here[0]))
        assisted = _ASSISTED_TO_IMPLEMENT.search(sentence)
        if assisted:
            add_mention(facts.partners, assisted.group("org"), evidence)
        acting = _acting_under(candidate, sentence)
        if acting and _names_an_organisation(acting.group("org")):
            add_mention(facts.implementers, acting.group("org"), evidence)
        for offset in here:  # "Initiative (Egypt, Georgia, ...)"
            inner = re.match(r"[^\s()]*\s*\(([^()]+)\)", passage.text[offset + len(candidate.title): end])
            for name, _ in find_countries(inner.group(1)) if inner else ():
                add_mention(facts.countries, name, evidence)
        if alone:
            donors = spans_of(sentence, [name for role, name, _ in roles if role == "funders"])
            for name, offset in find_countries(sentence, demonyms=True):
                if not any(start <= offset < end for start, end in donors):  # "UK Department for ..."
                    add_mention(facts.countries, name, evidence)
    assert candidate.evidence is not None
    for name, _ in find_countries(candidate.title, demonyms=True, title=True):
        add_mention(facts.countries, name, candidate.evidence)
    if candidate.owner:
        add_mention(facts.implementers, candidate.owner, candidate.evidence)
    partners = _JOINT_OF.match(candidate.title)  # "EU-IOM Joint Initiative": the EU's and IOM's
    for acronym in partners.group("acronyms").split("-") if partners else ():
        add_mention(facts.implementers, acronym, candidate.evidence)
    return facts


_THE_PROJECT = re.compile(r"\b(?:the|this)\s+(?:project|programme|program)\b[\s“\"]*", re.IGNORECASE)


def _another_project(sentence: str, candidate: _Candidate) -> bool:
    """Whether the sentence speaks of "the project" that is not the candidate, whose name
    would follow it ("the project “Mobilization of Moroccans Living Abroad”")."""
    return any(not sentence.startswith(tuple(candidate.names()), match.end())
               for match in _THE_PROJECT.finditer(sentence))


#: A subject that launches or runs something: its names stand before the verb.
_LAUNCHED = re.compile(rf"\s+(?:has\s+|have\s+|had\s+)?(?:{_LAUNCH_VERBS}|implements|runs|ran|manages|"
                       r"managed|coordinates|leads|led|been\s+(?:running|implementing|managing|coordinating|leading))"
                       r"\s+(?:the|a|an|its|it)\b")
#: ", the Belgian development agency," between a subject and its verb.
_APPOSITION = re.compile(r",\s+(?:the|an?)\s+[^,;.]{1,60},\s*$")


def _roles(sentence: str) -> list[tuple[str, str, str | None]]:
    """(field of _Facts, name, programme whose clause names it) for the organisations the
    sentence places in a role, and for the subject that launches or sets up something ("In
    2016 the Ministry of ... launched")."""
    found = [({IMPLEMENTER: "implementers", FUNDER: "funders", PARTNER: "partners"}[role], name, clause)
             for role, name, _, clause in roles_in_sentence(sentence)]
    for verb in _LAUNCHED.finditer(sentence):
        apposition = _APPOSITION.search(sentence, 0, verb.start())
        subject_end = apposition.start() if apposition else verb.start()
        found += [("implementers", name, None) for name, _ in names_before(sentence, subject_end)
                  if _names_an_organisation(name) or apposition]
    return found


def _known_as(candidate: _Candidate, name: str) -> bool:
    plain = without_brackets(name)
    return any(plain == without_brackets(n) or plain.endswith(" " + without_brackets(n))
               for n in candidate.names())


#: "One of the programs, “...”": a programme of the organisation the sentence before is about.
_ONE_OF_ITS = re.compile(r"^(?:One|Another|Among)\s+(?:of\s+)?(?:the|its|their|these)\s+"
                         r"(?:programmes|programs|projects|initiatives|schemes)\b")


def _subject(sentence: str) -> list[str]:
    """The organisations a sentence opens with, after a place ("In Morocco the Ministry in
    Charge of ... provide such support")."""
    opening = re.match(r"(?:(?:In|At|Across)\s+[A-Z][\w*-]*(?:\s+[A-Z][\w*-]*)*,?\s+)?", sentence)
    names = [name for name, _ in organisation_list(sentence[opening.end():])] if opening else []
    return [name for name in names if _names_an_organisation(name)]


def _names_an_organisation(name: str) -> bool:
    """An acronym, a word such as "Ministry" or "Government", or a name of the alias table
    ("United Nations Development Programme"): an organisation, not a country."""
    words = re.sub(r"\([^()]*\)", " ", name).split()
    return any(is_acronym(w) for w in words) or any(w.lower() in ORGANISATION_HEADS for w in words) \
        or name in organisation_names()


def _dates(candidate: _Candidate, passage: Passage,
           facts: _Facts) -> tuple[str | None, str | None, Evidence | None]:
    """Years in brackets after the name or in its one-programme sentence ("(2002-2004)"), or
    when it was launched, to the month at most (a day in running text dates an event, not the
    programme); not the period a publication covers ("the latest version of the EMP
    (2008—2015)") nor a product's release."""
    if candidate.dated:
        return candidate.start, candidate.end, candidate.evidence
    product = bool({w.lower() for w in candidate.title.split()} & _PRODUCT_HEADS)
    for start, end in facts.sentences[:3]:
        sentence = passage.text[start:end]
        for match in _YEAR_RANGE.finditer(sentence):
            if not _COVERAGE.search(re.sub(r"\s*\S+\s*$", " ", sentence[: match.start()])) and not product:
                first, last = parse_timeframe(match.group(0).strip("()"))
                return first, last, passage.evidence(start, end)
        between = _BETWEEN.search(sentence)
        if between and not product:
            return between.group(1), between.group(2), passage.evidence(start, end)
        launch = _LAUNCH.search(sentence) or _SINCE.search(sentence) or _LAUNCHED_ON.search(sentence)
        if launch and not product:
            launched = parse_date(launch.group(launch.lastindex or 0))
            return (launched[:7] if launched else None), None, passage.evidence(start, end)
    return None, None, None


def _later_acronym(candidate: _Candidate, passage: Passage, spans: list[tuple[int, int]]) -> None:
    """"the Extended Migration Profile series ... the latest version of the EMP": an acronym of
    the name used within the next sentences without being defined."""
    words = [w for w in re.split(r"[\s-]+", candidate.title) if w.lower() not in STOP_WORDS]
    if any(is_acronym(a) for a in candidate.aliases) or any(is_acronym(w) for w in words):
        return
    following = [(s, e) for s, e in spans if e > candidate.offset][:3]
    for start, end in following:
        for token in re.findall(r"\b[A-Z][A-Z0-9]+s?\b", passage.text[start:end]):
            letters = sum(ch.isupper() for ch in token)
            if letters == len(words) and acronym_fits(token, candidate.title, max_skipped=0) \
                    and token not in candidate.aliases:
                candidate.aliases.append(token)


def extract_narrative_programmes(document: str, text: str,
                                 known_names: Iterable[str] = ()) -> list[ProgrammeRecord]:
    """Programmes named only in the document's running text, none of them one of
    `known_names` under another spelling. They are looked for outside annex entries and
    project blocks; what the document says about them is read everywhere but in the blocks."""
    lines = text.split("\n")
    skipped = _structured_lines(lines, text)
    words = vocabulary(text)
    prose = make_passage(((n, line) for n, line in enumerate(lines, 1) if n not in skipped), words=words)
    prose_spans = passage_sentences(prose)
    found: list[_Candidate] = []
    for start, end in prose_spans:
        for candidate in _candidates_in(prose.text[start:end]):
            candidate.offset += start
            candidate.evidence = prose.evidence(start, end, candidate.offset)
            found.append(candidate)
    known = KnownNames(tuple(n for n in known_names if n and n.strip()))
    merged = [c for c in _merge(found) if not known.covers(c.title, c.names())]
    for candidate in merged:
        _later_acronym(candidate, prose, prose_spans)
    blocks = block_lines(text)
    full = make_passage(((n, line) for n, line in enumerate(lines, 1) if n not in blocks), words=words)
    spans = passage_sentences(full)
    every_name = [n for c in merged for n in c.names()] + list(known.names)
    return [_record(document, candidate, full, spans, every_name) for candidate in merged]


def _record(document: str, candidate: _Candidate, passage: Passage, spans: list[tuple[int, int]],
            every_name: list[str]) -> ProgrammeRecord:
    names = candidate.names()
    longer = [n for n in every_name if any(len(n) > len(m) and m in n for m in names)]
    offsets = _occurrences(passage, names, longer)
    others = [n for n in every_name if n not in names and len(n) > 3 and not any(n in m for m in names)]
    facts = _facts(candidate, passage, spans, offsets, others)
    start, end, timeframe = _dates(candidate, passage, facts)
    subject = [(s, e) for s, e in facts.sentences
               if any(s <= o < e and len(passage.text[s:o].split()) <= 4 for o in offsets)]
    first = (subject or facts.sentences or [None])[0]
    evidence = candidate.evidence if first is None else passage.evidence(
        *first, next(o for o in offsets if first[0] <= o < first[1]))
    assert evidence is not None
    # a "sentence" the PDF ran together from a list of bullets says little of the programme far
    # from its name: each is cut to the span around the name (or its start, when it goes on about it)
    description = " ".join(passage.evidence(s, e, next((o for o in offsets if s <= o < e), s)).quote
                           for s, e in facts.sentences)[:_DESCRIPTION_LIMIT]
    return ProgrammeRecord(
        document=document, family=NARRATIVE, title=candidate.title, evidence=evidence,
        aliases=tuple(dict.fromkeys(a for a in candidate.aliases if a != candidate.title)),
        countries=tuple(facts.countries), implementers=tuple(facts.implementers),
        funders=tuple(facts.funders), partners=tuple(facts.partners),
        start=start, end=end, timeframe=timeframe,
        description=description or evidence.quote, description_line=evidence.line,
    )
