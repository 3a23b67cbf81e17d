"""Running text of PDF-extracted documents: passages that remember their line numbers,
the roles a sentence gives organisations, and acronyms defined in the text.

Shared by the project-sheet and narrative extractors; pure functions, no I/O.
"""

from __future__ import annotations

import functools
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import NamedTuple

from mdgraph.extract.names import NAME_CONNECTORS, NAME_TOKEN, acronym_group, capitalised, is_generic_name, organisation_list
from mdgraph.extract.text import country_resolver, fold, is_acronym, is_country, normalise_key, sentence_spans
from mdgraph.model import Evidence, Mention

__all__ = [
    "FUNDER", "IMPLEMENTER", "PARTNER", "Passage", "RoleMention", "acronym_fits", "add_mention", "defined_acronyms",
    "is_heading", "is_noise_line", "make_passage", "names_before", "passage_sentences", "roles_in_sentence", "vocabulary",
]

# --------------------------------------------------------------------------- passages

#: Prefixes whose line-end hyphen is a real one ("co-" + "funded"), not a soft break.
_KEEP_HYPHEN = re.compile(
    r"(?:^|\W)(?:co|non|self|multi|sub|anti|cross|e|pre|post|inter|socio|well|long|short|"
    r"mid|high|low|ex|full|part|end|cost|gender|evidence|rights|country)-$",
    re.IGNORECASE,
)
_URL = re.compile(r"https?://|www\.|\.(?:org|int|com|net|gov)\b/?", re.IGNORECASE)


def is_noise_line(line: str) -> bool:
    """Page numbers, single letters of vertical infographics, bare web addresses."""
    stripped = line.strip()
    letters = 0
    for char in stripped:  # counted no further than needed: this runs on every line
        letters += char.isalpha()
        if letters > 2:
            break
    return letters <= 2 or " " not in stripped and bool(_URL.search(stripped))


def is_heading(line: str) -> bool:
    """A short line in capitals ("THE DEED PROJECT", "KEY OBJECTIVES")."""
    if len(line.split()) > 8:
        return False
    letters = 0
    for char in line:
        if char.isalpha():
            if not char.isupper():
                return False
            letters += 1
    return letters >= 4


@dataclass(frozen=True)
class Passage:
    """Folded text of some document lines, with the line each character came from."""

    text: str
    offsets: tuple[int, ...]          # where each source line starts in `text`
    numbers: tuple[int, ...]          # the 1-based document line of each
    breaks: frozenset[int] = frozenset()  # offsets where a sentence must start (headings)

    def line_of(self, offset: int) -> int:
        if not self.numbers:
            return 0
        return self.numbers[max(0, bisect_right(self.offsets, offset) - 1)]

    def evidence(self, start: int, end: int, at: int | None = None, width: int = 400) -> Evidence:
        """The text from `start` to `end`; cut to about `width` characters around offset `at`
        when it is longer (the PDF text ran several sentences or bullets together)."""
        if at is not None and end - start > width:
            low = max(start, at - width // 2)
            if low > start:
                low = self.text.rfind(" ", start, low) + 1 or start
            high = self.text.find(" ", min(end, low + width), end)
            start, end = low, high if high > 0 else end
        return Evidence(fold(self.text[start:end]), self.line_of(start))


#: A word cut at a line end ("Internation-" / "al").
_CUT_WORD = re.compile(r"[^\W\d_]+-[ \t]*\n\s*[^\W\d_]+")
_WORD = re.compile(r"[^\W\d_]+")
_LETTER = re.compile(r"[^\W\d_]")
_LINE_END_HYPHEN = re.compile(r"-[ \t]*\n")


def _without_cut_words(text: str) -> str:
    """`text` with each word cut at a line end replaced by a space, as _CUT_WORD.sub does,
    looked for only where a line ends with a hyphen (much faster on long documents)."""
    pieces, last = [], 0
    for hyphen in _LINE_END_HYPHEN.finditer(text):
        start = hyphen.start()
        while start > last and _LETTER.match(text, start - 1):
            start -= 1
        cut = _CUT_WORD.match(text, start) if start >= last else None
        if cut:
            pieces += [text[last:start], " "]
            last = cut.end()
    return "".join(pieces) + text[last:]


@functools.lru_cache(maxsize=2)
def vocabulary(text: str) -> frozenset[str]:
    """The lower-case words of a document, to tell a soft line-end hyphen ("Internation-" /
    "al": "international" is a word of the document, "internation" is not) from a real one
    ("already-" / "functioning": "already" is a word, "alreadyfunctioning" is not). Cached:
    the project-sheet and narrative extractors both read the document."""
    return frozenset(_WORD.findall(_without_cut_words(text).lower()))


def _soft_hyphen(text: str, line: str, words: frozenset[str] | None) -> bool:
    if not (text.endswith("-") and line[:1].islower()) or _KEEP_HYPHEN.search(text[-12:]):
        return False
    if words is None:
        return True
    left = re.search(r"([^\W\d_]+)-$", text[-40:])
    right = re.match(r"[^\W\d_]+", line)
    if not (left and right):
        return False
    return (left.group(1) + right.group()).lower() in words or left.group(1).lower() not in words


def make_passage(numbered_lines: Iterable[tuple[int, str]], skip_noise: bool = True,
                 words: frozenset[str] | None = None) -> Passage:
    """Joins lines into one folded text; soft hyphens at line ends are removed (those whose
    joined word is in `words`, the document's vocabulary, when given)."""
    text = ""
    offsets: list[int] = []
    numbers: list[int] = []
    breaks: set[int] = set()
    for number, raw in numbered_lines:
        line = fold(raw)
        if not line or (skip_noise and is_noise_line(line)):
            continue
        heading = is_heading(line)
        if _soft_hyphen(text, line, words):
            text = text[:-1]
        elif text.endswith("-") or line.startswith("-") or not text:
            pass
        else:
            text += " "
        offsets.append(len(text))
        numbers.append(number)
        if heading:
            breaks.add(len(text))
        text += line
        if heading:
            breaks.add(len(text) + 1)
    return Passage(text, tuple(offsets), tuple(numbers), frozenset(breaks))


def passage_sentences(passage: Passage) -> list[tuple[int, int]]:
    """(start, end) of each sentence of the passage; headings stand alone."""
    return sentence_spans(passage.text, passage.breaks)


def add_mention(mentions: list[Mention], text: str, evidence: Evidence) -> None:
    """Adds `text` unless the list already has it under another spacing or case."""
    text = fold(text).strip(" .,;:")
    if text and normalise_key(text) not in {normalise_key(m.text) for m in mentions}:
        mentions.append(Mention(text, evidence))


# --------------------------------------------------------------------------- acronyms

def _initial_words(name: str) -> list[str]:
    words = re.split(r"[\s/-]+", name.replace("*", ""))
    return [w for w in words if w and w.lower() not in NAME_CONNECTORS or w.isupper()]


def acronym_fits(acronym: str, name: str, max_skipped: int = 2) -> bool:
    """True when `acronym` can be read off the initials of `name` from its start, skipping
    lowercase words and at most `max_skipped` others ("EU-BK" ~ "EU-Beautiful Kosovo*",
    "CMBA" ~ "Consolidation of Migration and Border Management Capacities in Azerbaijan")."""
    letters = [ch for ch in acronym if ch.isupper() or ch.isdigit()]
    words = _initial_words(name)
    if len(letters) < 2 or not words:
        return False
    index = skipped = 0
    for word in words:
        if index == len(letters):
            break
        if word.isupper() and len(word) > 1 and "".join(letters[index:index + len(word)]) == word:
            index += len(word)
        elif word[0].upper() == letters[index]:
            index += 1
        elif index == 0:
            return False
        elif word[0].isupper():
            skipped += 1
            if skipped > max_skipped:
                return False
    return index == len(letters)


# --------------------------------------------------------------------------- roles

IMPLEMENTER, FUNDER, PARTNER = "implementer", "funder", "partner"

#: Cues followed by the names they introduce.
_CUES_AFTER = tuple((role, re.compile(pattern)) for role, pattern in (
    (PARTNER, r"\b(?i:in)\s+(?:close\s+|direct\s+|strategic\s+|full\s+)?(?:cooperation|collaboration|"
              r"partnership|consultation|coordination)\s+with\s+"),
    (PARTNER, r"(?<!run )(?<!implemented )(?<!managed )(?<!operated )(?<!carried out )\b(?i:together)\s+with\s+"),
    (PARTNER, r"\b(?:implemented|conducted|carried\s+out|organi[sz]ed)\s+(?:directly\s+)?with\s+"),
    (PARTNER, r"\b(?:cooperates|cooperated|cooperating|works|worked|working|partnered)\s+"
              r"(?:closely\s+)?with\s+"),
    (PARTNER, r"\b[Pp]artners\s+of\s+the\s+(?:project|programme|program|initiative)\s*"
              r"(?:include[sd]?|including|are|were|:)?\s*"),
    (PARTNER, r"\b(?:signed|concluded)\s+an?\s+(?:Memorandum\s+of\s+Understanding|MoU|agreement)\s+with\s+"),
    (PARTNER, r"\bco-chaired\s+by\s+"),
    (PARTNER, r"\b(?:implements?|implemented|runs?|ran|carr(?:y|ies|ied)\s+out|manages?|managed)\s+(?:it|them)\s+"
              r"(?:together\s+|jointly\s+|in\s+partnership\s+)?with\s+"),
    (PARTNER, r"\bwith\s+the\s+support\s+of\s+"),
    (PARTNER, r"\bcapacity[- ]building\s+(?:for|of)\s+"),
    (PARTNER, r"\b(?:provided|provides|providing|rendered|renders)\s+(?:\w+\s+){0,2}"
              r"(?:assistance|support)\s+to\s+"),
    (PARTNER, r"\b(?:assist|assists|assisted|assisting|support|supports|supported|supporting|help|helps|"
              r"helped|helping)\s+(?:the\s+efforts\s+of\s+)?(?=the\s+(?:[A-Z][\w-]*\s+)?Government\b)"),
    (IMPLEMENTER, r"\b(?:jointly\s+implemented|implemented\s+jointly|co-implemented)\s+(?:with|by)\s+"),
    (IMPLEMENTER, r"\b(?:implemented|run|managed|carried\s+out|operated)\s+(?:together|jointly)\s+with\s+"),
    (IMPLEMENTER, r"\b(?:implemented|run|managed|led|executed)\s+(?:[^.;]{0,80}?\s)?by\s+"),
    (IMPLEMENTER, r"\bdeveloped\s+by\s+"),
    (IMPLEMENTER, r"\bjoint\s+(?:programme|project|initiative)\s+(?:of|between|by)\s+"),
    (FUNDER, r"\b(?:funded|financed|sponsored|co-funded|co-financed)\s+by\s+"),
    (FUNDER, r"\bfinancial\s+support\s+(?:of|from)\s+"),
    (FUNDER, r"\b(?i:with)\s+(?:seed\s+)?funding\s+from\s+"),
))
#: Cues followed by the bodies whose people take part ("215 staff of the Ministry of Interior
#: were trained"); a country named there is where they come from, not a body.
_CUES_BODIES = tuple((role, re.compile(pattern)) for role, pattern in (
    (PARTNER, r"\b(?:staff|officials|officers|employees|representatives|inspectors|specialists)\s+(?:of|from)\s+"),
))
#: Cues preceded by the names: "IOM and UNDP are implementing", "UNDP-led", "EU funded" (the names
#: before "funded by" are what is funded).
_CUES_BEFORE = tuple((role, re.compile(pattern)) for role, pattern in (
    (IMPLEMENTER, r"\s+(?:are|is|were|was|have\s+been|has\s+been)\s+(?:jointly\s+)?implementing\b"),
    (IMPLEMENTER, r"-led\b"),
    (IMPLEMENTER, r"\s+(?:(?:has|have)\s+been\s+(?:running|implementing|managing|leading|coordinating)|leads|runs|"
                  r"manages|coordinates)\s+the\s+(?:project|programme|program|initiative|scheme)\b"),
    (IMPLEMENTER, r",?\s+(?:has|have|had)\s+been\s+interested\s+(?:in|to)\b"),
    (PARTNER, r"\s+(?:is|are|was|were|has\s+been|have\s+been)\s+(?:a|an|the|one\s+of\s+the)\s+(?:\w+\s+)?partners?\s+"
              r"(?:of|in|to|for)\b"),
    (FUNDER, r"(?<!,)[- ](?:funded|co-funded|financed|sponsored)\b(?!\s+by\b)"),  # not "..., funded by"
))


def names_before(text: str, end: int) -> list[tuple[str, int]]:
    """The names of the list that ends at `end` ("IOM and UNDP are implementing", "the
    Ministry of Labour and Social Protection launched"): the run of capitalised words,
    connectors and commas before it, read forward as a list; a place the text opens with
    ("In Moldova, the Ministry ... launched") is none of them."""
    scene = _SCENE.match(text)
    toks = list(NAME_TOKEN.finditer(text, scene.end() if scene and scene.end() <= end else 0, end))
    first = len(toks)
    for k in range(len(toks) - 1, -1, -1):
        word = toks[k].group()
        if not (capitalised(word) or acronym_group(word) or word == "," or word.lower() in NAME_CONNECTORS):
            break
        first = k
    while first < len(toks) and (toks[first].group() == "," or toks[first].group().lower() in NAME_CONNECTORS
                                 and toks[first].group().lower() != "the"):
        first += 1
    if first == len(toks):
        return []
    start = toks[first].start()
    return [(name, start + offset) for name, offset in organisation_list(text[start:end])]


#: A sentence that opens with its place: "In Kyrgyzstan, ...".
_SCENE = re.compile(r"^(?:In|Within)\s+(?:the\s+)?(?P<place>[A-Z][\w*-]*(?:\s+(?:of\s+|and\s+|the\s+)*[A-Z][\w*-]*){0,3})"
                    r"\s*,")


class RoleMention(NamedTuple):
    """An organisation a sentence places in a role."""

    role: str                   # IMPLEMENTER, FUNDER or PARTNER
    name: str                   # as written
    offset: int                 # where the name starts in the sentence
    clause: str | None = None   # the programme whose clause holds the cue ("X Initiative, led by ...")


def roles_in_sentence(sentence: str) -> list[RoleMention]:
    """Each organisation that a cue in the sentence places in a role ("implemented in
    cooperation with UNDP" -> partner UNDP), in the order of the sentence."""
    return list(_roles_in_sentence(sentence))


@functools.lru_cache(maxsize=1024)
def _roles_in_sentence(sentence: str) -> tuple[RoleMention, ...]:
    """Cached: a sentence that names several programmes is read for each."""
    found: list[RoleMention] = []
    for cues, bodies_only in ((_CUES_AFTER, False), (_CUES_BODIES, True)):
        for role, cue in cues:
            for match in cue.finditer(sentence):
                clause = clause_of_programme(sentence, match.end())
                for name, offset in organisation_list(sentence[match.end():]):
                    if not (bodies_only and is_country(name)):
                        found.append(RoleMention(role, name, match.end() + offset, clause))
    scene = _SCENE.match(sentence)
    for role, cue in _CUES_BEFORE:
        for match in cue.finditer(sentence):
            for name, offset in names_before(sentence, match.start()):
                found.append(RoleMention(role, name, offset))
    country = country_resolver().resolve_name(scene.group("place")) if scene else None
    if country is not None:  # "In Kyrgyzstan, RMP assisted the Government": Kyrgyzstan's
        found = [m._replace(name=f"Government of {country.label}") if m.name == "Government" else m for m in found]
    unique: dict[tuple[str, str], RoleMention] = {}
    for mention in found:
        sentence_initial_word = mention.offset == 0 and " " not in mention.name and not is_acronym(mention.name)
        if not is_generic_name(mention.name) and not sentence_initial_word:
            unique.setdefault((mention.role, mention.name), mention)
    return tuple(sorted(unique.values(), key=lambda mention: mention.offset))


#: A programme's name and the start of a clause about it: "the Migrants in Countries in
#: Crisis (MICIC) Initiative, led by the " (see `clause_of_programme`).
_CLAUSE_AFTER_PROGRAMME = re.compile(
    r"(?P<name>[A-Z][\w’'*-]*(?:\s+(?:[A-Z][\w’'*-]*|of|for|in|on|and|the|to))*(?:\s*\([A-Z][\w-]*\))?\s+"
    r"(?:Programme|Program|Project|Initiative|Facility|Partnership|Scheme|Fund|Process|Framework))"
    r"(?:\s*\([A-Z][\w-]*\))?,\s+(?:[a-z][\w-]*\s+){1,6}$")


def clause_of_programme(sentence: str, offset: int) -> str | None:
    """The programme whose clause runs up to `offset` ("... Initiative, led by the "): the
    organisations named there act for that programme, not for the sentence's subject."""
    match = _CLAUSE_AFTER_PROGRAMME.search(sentence[:offset])
    return fold(match.group("name")) if match else None


_ACRONYM_IN_BRACKETS = re.compile(r"\(\s*([A-Za-z][\w&-]{1,11})\s*\)")


def defined_acronyms(text: str, max_words: int = 12) -> list[tuple[str, str, int]]:
    """(name, acronym, name offset) for each "Name (ACRONYM)" whose acronym can be read off
    the name's initials: "The Regional Migration Programme (RMP)" -> ("Regional Migration
    Programme", "RMP", ...)."""
    found = []
    for match in _ACRONYM_IN_BRACKETS.finditer(text):
        acronym = match.group(1)
        if not is_acronym(acronym):
            continue
        base = max(0, match.start() - 200)
        words = list(re.finditer(r"[^\s()]+", text[base: match.start()]))
        for count in range(1, min(max_words, len(words)) + 1):
            first = words[-count]
            if re.search(r"[.;:!?]$", first.group()):
                break  # the previous sentence
            quote = len(first.group()) - len(first.group().lstrip("“\"‘"))
            name = text[base + first.start() + quote: match.start()].strip().rstrip(",")
            if name[:1].isupper() and acronym_fits(acronym.rstrip("s"), name):
                found.append((fold(name), acronym, base + first.start() + quote))
                break
            if quote:
                break  # a quoted name starts at its quotation mark
    return found
