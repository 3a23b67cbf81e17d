"""Running text of PDF-extracted documents: passages that remember their line numbers,
sentences, country names, capitalised names, organisation lists and acronyms.

Shared by the project-sheet and narrative extractors; pure functions, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import pycountry

from mdgraph.extract.text import fold, normalise_key
from mdgraph.model import Evidence, Mention

__all__ = [
    "FUNDER", "IMPLEMENTER", "PARTNER", "Passage", "acronym_fits", "add_mention", "defined_acronyms",
    "find_countries", "is_acronym", "is_country", "is_generic_name", "is_heading", "is_noise_line",
    "is_role_marker", "make_passage", "name_at", "organisation_list", "roles_in_sentence",
    "sentence_spans", "vocabulary",
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
    letters = sum(ch.isalpha() for ch in stripped)
    return letters <= 2 or bool(_URL.search(stripped)) and " " not in stripped


def is_heading(line: str) -> bool:
    """A short line in capitals ("THE DEED PROJECT", "KEY OBJECTIVES")."""
    letters = [ch for ch in line if ch.isalpha()]
    return len(letters) >= 4 and all(ch.isupper() for ch in letters) and len(line.split()) <= 8


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


def vocabulary(text: str) -> frozenset[str]:
    """The lower-case words of a document, to tell a soft line-end hyphen ("Internation-" /
    "al": "international" is a word of the document, "internation" is not) from a real one
    ("already-" / "functioning": "already" is a word, "alreadyfunctioning" is not)."""
    unbroken = re.sub(r"[^\W\d_]+-[ \t]*\n\s*[^\W\d_]+", " ", text)  # words cut at a line end
    return frozenset(re.findall(r"[^\W\d_]+", unbroken.lower()))


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


_ABBREVIATION = re.compile(r"(?:\b(?:e\.g|i\.e|etc|Mr|Ms|Mrs|Dr|No|St|vs|cf|approx|Co|Inc|Ltd)|\b[A-Z])\.$")
_BOUNDARY = re.compile(r"[.!?][\"”’)]*\s+(?=[\"“‘(]?[A-Z0-9])")


def sentence_spans(passage: Passage) -> list[tuple[int, int]]:
    """(start, end) of each sentence; headings stand alone."""
    cuts = {0, len(passage.text)}
    for match in _BOUNDARY.finditer(passage.text):
        if not _ABBREVIATION.search(passage.text[max(0, match.start() - 6): match.start() + 1]):
            cuts.add(match.end())
    cuts.update(b for b in passage.breaks if 0 < b < len(passage.text))
    ordered = sorted(cuts)
    spans = []
    for start, end in zip(ordered, ordered[1:]):
        while start < end and passage.text[start] == " ":
            start += 1
        if passage.text[start:end].strip():
            spans.append((start, end))
    return spans


def add_mention(mentions: list[Mention], text: str, evidence: Evidence) -> None:
    """Adds `text` unless the list already has it under another spacing or case."""
    text = fold(text).strip(" .,;:")
    if text and normalise_key(text) not in {normalise_key(m.text) for m in mentions}:
        mentions.append(Mention(text, evidence))


# --------------------------------------------------------------------------- countries

#: Names in current use that ISO 3166 (hence pycountry) does not carry.
_COUNTRY_NAMES_NOT_IN_ISO = (
    "Kosovo", "Turkey", "Russia", "Czech Republic", "Macedonia", "Swaziland", "Cape Verde",
    "Ivory Coast", "Burma", "UK", "USA", "Great Britain", "Vatican",
)
_PLACE_AFTER = re.compile(r"\s+(?:City|Town|Province|State|Region|Street)\b")


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _country_names() -> tuple[str, ...]:
    names: set[str] = set(_COUNTRY_NAMES_NOT_IN_ISO)
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if not name:
                continue
            if ", " in name:  # "Moldova, Republic of" -> "Moldova", "Republic of Moldova"
                head, tail = name.split(", ", 1)
                names.update({head, f"{tail} {head}"})
            else:
                names.add(name)
    names |= {_strip_accents(n) for n in names}
    return tuple(sorted(names, key=len, reverse=True))


@lru_cache(maxsize=1)
def _country_pattern() -> re.Pattern:
    alternatives = "|".join(re.escape(n) for n in _country_names())
    return re.compile(rf"(?<![\w-])(?:the\s+)?(?P<name>{alternatives})(?P<star>\*?)(?![\w-])")


@lru_cache(maxsize=1)
def _country_keys() -> frozenset[str]:
    return frozenset(normalise_key(n) for n in _country_names())


def is_country(text: str) -> bool:
    """True when `text` is a country name and nothing else ("Kosovo*", "the Philippines")."""
    key = normalise_key(text)
    return (key[4:] if key.startswith("the ") else key) in _country_keys()


def find_countries(text: str) -> list[tuple[str, int]]:
    """Country names written in `text` (as written, with Kosovo's asterisk) and their offsets."""
    found = []
    for match in _country_pattern().finditer(text):
        if _PLACE_AFTER.match(text, match.end()):
            continue  # "Benin City"
        found.append((match.group("name") + match.group("star"), match.start("name")))
    return found


# --------------------------------------------------------------------------- names

_TOKEN = re.compile(r"\([^()]{1,60}\)|[\w’'*&/-]+(?:\.(?=\w)[\w’'*&/-]+)*|[^\w\s]")
_CONNECTORS = {"of", "for", "and", "the", "on", "in", "under", "de", "du", "des", "la", "le",
               "et", "to", "&", "at", "through", "against"}
#: Words that begin a new organisation name in a list ("..., Department for ...").
_ORG_START = re.compile(
    r"^(?:the|The|Government|Ministry|Department|Agency|Office|Bureau|Federal|European|United|"
    r"UN|World|International|National|Swiss|Directorate|Council|Commission|Embassy|"
    r"Organi[sz]ation|Fund|Bank|Secretariat|Centre|Center|Institute|Foundation|Association|"
    r"Union|State)$"
)
_ROLE_MARKER = re.compile(r"^\((?:co-?\s?funder|co-?\s?financ\w*|lead|donor|funder|partner)s?\)$",
                          re.IGNORECASE)


def is_acronym(token: str) -> bool:
    """"UNDP", "MoLHSA", "EU-BK", "IOM": mostly capitals, short, at least two of them."""
    core = token.strip("()*’'")
    capitals = sum(ch.isupper() for ch in core)
    return 2 <= len(core) <= 12 and capitals >= 2 and capitals >= len(core.replace("-", "")) / 2


def is_role_marker(text: str) -> bool:
    """"(co-funder)", "(lead)": a role written after a name, not part of it."""
    return bool(_ROLE_MARKER.match(text.strip()))


def _capitalised(token: str) -> bool:
    return token[:1].isupper()


def _acronym_group(token: str) -> bool:
    inner = token[1:-1].split()
    return bool(inner) and is_acronym(inner[0]) and not _ROLE_MARKER.match(token)


def name_at(text: str, start: int = 0) -> tuple[str, int, int]:
    """The capitalised name that begins at `start` (after an optional "the"), e.g. "Ministry
    of Labour, Health and Social Affairs (MoLHSA)": (name, name_start, name_end), or
    ("", start, start) when no name begins there. An acronym in brackets closes the name."""
    toks = list(_TOKEN.finditer(text, start))
    i = 1 if toks and toks[0].group().lower() == "the" else 0
    if i >= len(toks) or not _capitalised(toks[i].group()) or toks[i].group().startswith("("):
        return "", start, start
    first = i
    end = toks[i].end()
    i += 1
    while i < len(toks):
        word = toks[i].group()
        nxt = toks[i + 1].group() if i + 1 < len(toks) else ""
        if word.startswith("("):
            if _acronym_group(word):
                end = toks[i].end()
                place = find_countries(text[end:end + 60])
                if place and re.match(r"\s+in\s+(?:the\s+)?$", text[end:end + place[0][1]]):
                    end += place[0][1] + len(place[0][0])  # "(MTI) in Kosovo*"
            break
        if word == ",":
            if _capitalised(nxt) and not (_ORG_START.match(nxt) or is_acronym(nxt) or is_country(nxt)):
                i += 1
                continue
            break
        if word.lower() in _CONNECTORS:
            j = i + 1
            while j < len(toks) and toks[j].group().lower() in _CONNECTORS:
                j += 1
            following = toks[j].group() if j < len(toks) else ""
            if not _capitalised(following) or following.startswith("("):
                break
            if word.lower() == "and" and (nxt.lower() == "the" or is_acronym(nxt) or _ORG_START.match(nxt)):
                break
            if word.lower() == "in" and find_countries(nxt):
                break  # "ILO in Ukraine": a place, not part of the name
            i = j
            continue
        if _capitalised(word):
            end = toks[i].end()
            i += 1
            continue
        break
    name_start = toks[first].start()
    return fold(text[name_start:end]), name_start, end


_LIST_SEPARATOR = re.compile(
    r"\s*(?:[,;]\s*(?:and\b|as well as\b|or\b)?|–|—|&|\band\b|\bas well as\b|\bor\b)\s*", re.IGNORECASE)
_LEAD_ARTICLE = re.compile(r"\s*(?:the|its|their|his|her)\s+", re.IGNORECASE)
_GENERIC_WORD = re.compile(r"\s*([a-z][\w-]*)\s*")
_ROLE_AFTER = re.compile(r"\s*(\([^()]*\))")
#: ", acting as a Secretariat to the ... (SCMI)," between two names of a list.
_APPOSITIVE = re.compile(r",\s+(?:acting|which|who|based|responsible|located|known|also)\b[^,;.]*,")


def organisation_list(text: str, leading_generic_words: int = 10) -> list[tuple[str, int]]:
    """Names of the list that starts `text` ("UNDP, the Ministry of Diaspora (MOD) and the
    Ministry of Trade and Industry of Kosovo*, is ...") with their offsets; the list ends at
    the first lowercase phrase after a name. Lowercase words before the first name
    ("governments and international organizations – UNHCR, ...") are passed over."""
    names: list[tuple[str, int]] = []
    position = 0
    skipped = 0
    while position < len(text):
        article = _LEAD_ARTICLE.match(text, position)
        if article:
            position = article.end()
        name, name_start, end = name_at(text, position)
        if name and " " not in name and not is_acronym(name) and re.match(r"\s+[a-z]", text[end:]) \
                and not re.match(r"\s+(?:and|or)\b", text[end:]):
            break  # "the Turkish stakeholders": an adjective, not a name
        if name:
            names.append((name, name_start))
            position = end
            marker = _ROLE_AFTER.match(text, position)
            if marker and is_role_marker(marker.group(1)):
                position = marker.end()
            aside = _APPOSITIVE.match(text, position)
            if aside:
                position = aside.end() - 1  # keep the comma as the separator
        else:
            generic = _GENERIC_WORD.match(text, position)
            place_follows = generic.group(1) in _CONNECTORS and _capitalised(text[generic.end():][:1]) \
                if generic else False
            if names or not generic or skipped >= leading_generic_words or place_follows:
                break  # "two employment centres in Bishkek": a place, not a list of names
            skipped += 1
            position = generic.end()
        separator = _LIST_SEPARATOR.match(text, position)
        if separator:
            position = separator.end()
        elif names:
            break
    return names


# --------------------------------------------------------------------------- acronyms

def _initial_words(name: str) -> list[str]:
    words = re.split(r"[\s/-]+", name.replace("*", ""))
    return [w for w in words if w and w.lower() not in _CONNECTORS or w.isupper()]


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
    (PARTNER, r"\bin\s+(?:close\s+|direct\s+|strategic\s+|full\s+)?(?:cooperation|collaboration|"
              r"partnership|consultation|coordination)\s+with\s+"),
    (PARTNER, r"\b(?:implemented|conducted|carried\s+out|organi[sz]ed)\s+(?:directly\s+)?with\s+"),
    (PARTNER, r"\b(?:cooperates|cooperated|cooperating|works|worked|working|partnered)\s+"
              r"(?:closely\s+)?with\s+"),
    (PARTNER, r"\b[Pp]artners\s+of\s+the\s+(?:project|programme|program|initiative)\s*"
              r"(?:include[sd]?|including|are|were|:)?\s*"),
    (PARTNER, r"\b(?:signed|concluded)\s+an?\s+(?:Memorandum\s+of\s+Understanding|MoU|agreement)\s+with\s+"),
    (PARTNER, r"\bco-chaired\s+by\s+"),
    (PARTNER, r"\bwith\s+the\s+support\s+of\s+"),
    (PARTNER, r"\bcapacity[- ]building\s+(?:for|of)\s+"),
    (PARTNER, r"\b(?:provided|provides|providing|rendered|renders)\s+(?:\w+\s+){0,2}"
              r"(?:assistance|support)\s+to\s+"),
    (PARTNER, r"\b(?:assist|assists|assisted|assisting|support|supports|supported|supporting|help|helps|"
              r"helped|helping)\s+(?:the\s+efforts\s+of\s+)?(?=the\s+(?:[A-Z][\w-]*\s+)?Government\b)"),
    (IMPLEMENTER, r"\b(?:jointly\s+implemented|implemented\s+jointly|co-implemented)\s+(?:with|by)\s+"),
    (IMPLEMENTER, r"\b(?:implemented|run|managed|led|executed)\s+(?:[^.;]{0,80}?\s)?by\s+"),
    (IMPLEMENTER, r"\bjoint\s+(?:programme|project|initiative)\s+(?:of|between|by)\s+"),
    (FUNDER, r"\b(?:funded|financed|sponsored|co-funded|co-financed)\s+by\s+"),
    (FUNDER, r"\bfinancial\s+support\s+(?:of|from)\s+"),
    (FUNDER, r"\bwith\s+(?:seed\s+)?funding\s+from\s+"),
))
#: Cues preceded by the names: "IOM and UNDP are implementing", "UNDP-led", "EU funded".
_CUES_BEFORE = tuple((role, re.compile(pattern)) for role, pattern in (
    (IMPLEMENTER, r"\s+(?:are|is|were|was|have\s+been|has\s+been)\s+(?:jointly\s+)?implementing\b"),
    (IMPLEMENTER, r"-led\b"),
    (FUNDER, r"[- ](?:funded|co-funded|financed|sponsored)\b"),
))
_GENERIC_NAME = re.compile(
    r"^(?:the\s+)?(?:[A-Z]\w+\s+)?(?:Government|Governments|Ministry|Ministries|State|States)$|"
    r"\b(?:Partners|Members|Stakeholders|Organi[sz]ations|Agencies|Institutions|Authorities|Actors)$"
)
#: "the Ukrainian Government", "the Kyrgyz Government": one country's government.
_NATIONAL_GOVERNMENT = re.compile(r"^[A-Z][\w-]*(?:an|ese|i|sh|ch|ic|z)\s+Government$")


def is_generic_name(name: str) -> bool:
    """"Government", "Social Enterprise Implementing Partners": no particular organisation."""
    if len(name) < 2:
        return True
    if re.search(r"\bGovernment of\b", name) or _NATIONAL_GOVERNMENT.match(name):
        return False
    return bool(_GENERIC_NAME.search(name))


def _names_before(text: str, end: int) -> list[tuple[str, int]]:
    """The names ending at `end`, walking back over "A, B and C"."""
    found: list[tuple[str, int]] = []
    while True:
        toks = list(_TOKEN.finditer(text[:end]))
        first = len(toks)
        for k in range(len(toks) - 1, -1, -1):
            word = toks[k].group()
            if _capitalised(word) or _acronym_group(word):
                first = k
            elif word.lower() in _CONNECTORS and first == k + 1 and word.lower() != "and":
                continue
            else:
                break
        if first == len(toks):
            return found
        while first < len(toks) and toks[first].group().lower() in _CONNECTORS:
            first += 1
        start = toks[first].start()
        found.insert(0, (fold(text[start:end]), start))
        separator = re.search(r"(?:,\s*(?:and\s+)?|\s+and\s+)$", text[:start])
        if not separator:
            return found
        end = separator.start()


def roles_in_sentence(sentence: str) -> list[tuple[str, str, int]]:
    """(role, organisation name as written, offset) for each organisation that a cue in the
    sentence places in a role ("implemented in cooperation with UNDP" -> partner UNDP)."""
    found: list[tuple[str, str, int]] = []
    for role, cue in _CUES_AFTER:
        for match in cue.finditer(sentence):
            for name, offset in organisation_list(sentence[match.end():]):
                found.append((role, name, match.end() + offset))
    for role, cue in _CUES_BEFORE:
        for match in cue.finditer(sentence):
            for name, offset in _names_before(sentence, match.start()):
                found.append((role, name, offset))
    unique: dict[tuple[str, str], tuple[str, str, int]] = {}
    for role, name, offset in found:
        sentence_initial_word = offset == 0 and " " not in name and not is_acronym(name)
        if not is_generic_name(name) and not sentence_initial_word:
            unique.setdefault((role, name), (role, name, offset))
    return sorted(unique.values(), key=lambda item: item[2])


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
