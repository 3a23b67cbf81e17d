"""Small text helpers for PDF-extracted plain text, shared by every extractor: comparison
keys, page furniture, brackets, acronyms, sentences, links, list values and country names.

Pure functions; the data files read are mappings/countries.yaml, once, for country names
(see `country_resolver`) and mappings/organisations.yaml, once, for the organisation names
that are no programme's (see `organisation_names`).
"""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata
from collections.abc import Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mdgraph.resolve.countries import CountryResolver
    from mdgraph.resolve.organisation_table import TableNames


def fold(text: str) -> str:
    """White space (PDF line breaks included) folded to single spaces, ends trimmed
    (str.split's white space is the same as the \\s of regular expressions)."""
    return " ".join(text.split())


class _CombiningMarks(dict):
    """A str.translate table that drops combining marks, filled as characters are met."""

    def __missing__(self, code: int) -> int | None:
        kept = None if unicodedata.combining(chr(code)) else code
        self[code] = kept
        return kept


_COMBINING_MARKS = _CombiningMarks()
_NOT_WORD = re.compile(r"[^\w\s]")


def strip_accents(text: str) -> str:
    """ "Agência" -> "Agencia"."""
    if text.isascii():
        return text
    return unicodedata.normalize("NFKD", text).translate(_COMBINING_MARKS)


@functools.lru_cache(maxsize=1 << 16)
def normalise_key(text: str) -> str:
    """A comparison key: no accents, no punctuation, lower case, single spaces (cached: the
    same names are compared again and again)."""
    text = strip_accents(text)
    text = _NOT_WORD.sub(" ", text.lower().replace("&", " and "))
    return fold(text.replace("_", " "))


def slugify(text: str, max_length: int = 80) -> str:
    """A stable lower-case ASCII slug for IRIs ("Kosovo*" -> "kosovo")."""
    slug = normalise_key(text).replace(" ", "-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "untitled"


# --- offsets and lines -------------------------------------------------------------------------

def blank_out(text: str, pattern: re.Pattern[str]) -> str:
    """`text` with every match of `pattern` replaced by spaces (line breaks kept).

    Offsets and line numbers stay those of the original, so evidence still points at it.
    """
    return pattern.sub(lambda m: re.sub(r"[^\n]", " ", m.group(0)), text)


_PAGE_NUMBER = re.compile(r"[ \t\f]*(?:page[ \t]+)?\d{1,3}(?:[ \t]+of[ \t]+\d{1,3})?[ \t\f]*", re.IGNORECASE)
_PAGE_REACH = 2  # lines around a page break where running headers and footers stand
_NOT_FORM_FEED = re.compile(r"[^\f]")


def blank_page_furniture(text: str, protected: re.Pattern[str] | None = None) -> str:
    """`text` with page numbers ("27", "Page 3 of 30") and running headers or footers blanked
    (line breaks kept, so line numbers do not move).

    A running header is a line of two words or more printed near at least two page breaks
    (a page number or a form feed) and nowhere else; lines matching `protected` never are.
    """
    lines = text.split("\n")
    folded = [fold(line) for line in lines]  # a form feed folds as a space
    numbers = [bool(_PAGE_NUMBER.fullmatch(line)) for line in lines]
    breaks = [number for number, line in enumerate(lines) if numbers[number] or "\f" in line]
    near: dict[str, set[int]] = {}
    for page_break in breaks:
        for number in range(max(0, page_break - _PAGE_REACH), min(len(lines), page_break + _PAGE_REACH + 1)):
            key = folded[number]
            if len(key.split()) >= 2 and not (protected and protected.search(key)):
                near.setdefault(key, set()).add(number)
    everywhere: dict[str, int] = {}
    for key in folded:
        everywhere[key] = everywhere.get(key, 0) + 1
    furniture = {key for key, numbers in near.items() if len(numbers) >= 2 and everywhere[key] == len(numbers)}
    return "\n".join(
        _NOT_FORM_FEED.sub(" ", line) if numbers[number] or folded[number] in furniture
        else line.replace("\f", " ")
        for number, line in enumerate(lines)
    )


class LineIndex:
    """Maps character offsets of a text to 1-based line numbers."""

    def __init__(self, text: str):
        self.starts = [0] + [m.end() for m in re.finditer(r"\n", text)]

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)

    def line_start(self, offset: int) -> int:
        """Offset of the start of the line holding `offset`."""
        return self.starts[self.line_of(offset) - 1]


def _is_word_char(char: str) -> bool:
    return char.isalnum() or char in "_-"


def whole_word_offsets(text: str, name: str) -> list[int]:
    """Where `name` is written in `text` as a whole word (no letter, digit, "_" or "-" on
    either side), left to right without overlaps."""
    found, start = [], text.find(name)
    while start >= 0 and name:
        end = start + len(name)
        if not (start and _is_word_char(text[start - 1]) or end < len(text) and _is_word_char(text[end])):
            found.append(start)
            start = text.find(name, end)
        else:
            start = text.find(name, start + 1)
    return found


def spans_of(text: str, names: list[str]) -> list[tuple[int, int]]:
    """(start, end) wherever `text` writes one of `names`, name by name."""
    spans = []
    for name in names:
        start = text.find(name)
        while start >= 0 and name:
            spans.append((start, start + len(name)))
            start = text.find(name, start + len(name))
    return spans


# --- lists -------------------------------------------------------------------------------------

_OPENERS = "([{“«"
_CLOSERS = ")]}”»"


_BRACKET = re.compile("[" + re.escape(_OPENERS + _CLOSERS) + "]")


def _depths(text: str) -> Iterator[tuple[int, int]]:
    """(offset, depth after it) at each bracket or curly quote of `text`: the depth is the
    number of those open (never below zero)."""
    depth = 0
    for match in _BRACKET.finditer(text):
        if match.group() in _OPENERS:
            depth += 1
        elif depth:
            depth -= 1
        yield match.start(), depth


def split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """`text` split at matches of `separator` that lie outside brackets and curly quotes."""
    return split_top_level_keeping(text, separator)[0]


def split_top_level_keeping(text: str, separator: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(parts, separators between them) of `text` split as split_top_level does."""
    parts, separators, last = [], [], 0
    brackets, depth = _depths(text), 0
    bracket = next(brackets, None)
    for match in separator.finditer(text):
        while bracket is not None and bracket[0] < match.start():  # the depth before the match
            depth = bracket[1]
            bracket = next(brackets, None)
        if match.start() < len(text) and depth == 0 and match.end() > match.start():
            parts.append(text[last: match.start()])
            separators.append(match.group(0))
            last = match.end()
    parts.append(text[last:])
    return parts, separators


def balanced(text: str) -> bool:
    """True when every opening bracket of `text` is closed."""
    depth = 0
    for _, depth in _depths(text):
        pass
    return depth == 0


_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9&/\-.]*$")


def is_acronym(token: str) -> bool:
    """ "IOM", "UNICEF", "SU/SSC", "MDG-F", "MoH", "(MoLHSA)": short, no spaces, mostly capitals."""
    token = token.strip().strip("()*’'")
    capitals = sum(c.isupper() for c in token)
    return bool(_ACRONYM.match(token)) and len(token) <= 15 and capitals >= 2 and capitals * 2 >= sum(
        c.isalpha() for c in token
    )


# --- sentences ---------------------------------------------------------------------------------

_ABBREVIATIONS = {"dr", "st", "mr", "mrs", "ms", "no", "nr", "co", "inc", "ltd", "corp", "vs", "etc", "e.g", "i.e",
                  "cf", "approx"}
_SENTENCE_END = re.compile(r"[.!?][\"”’)]*(?=\s+[\"“‘(]?[A-Z0-9])")


def sentence_spans(text: str, breaks: frozenset[int] | set[int] = frozenset()) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`; abbreviations such as "Dr." or an initial do
    not end one, and a sentence always ends at the offsets of `breaks` (headings)."""
    cuts = {0, len(text)} | {b for b in breaks if 0 < b < len(text)}
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)\.$", text[max(0, match.start() - 12): match.start() + 1])
        if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        cuts.add(match.end())
    spans = []
    ordered = sorted(cuts)
    for start, end in zip(ordered, ordered[1:]):
        piece = text[start:end]
        if piece.strip():
            spans.append((start + len(piece) - len(piece.lstrip()), end - len(piece) + len(piece.rstrip())))
    return spans


# --- links -------------------------------------------------------------------------------------

_URL = re.compile(r"(?:https?://|www\.)[^\s<>\"“”‘’]+", re.IGNORECASE)
_URL_TAIL = re.compile(r"^[\w\-./?=&%:#~+,;@!$*()]+$")


def _clean_url(url: str) -> str:
    url = url.rstrip(".,;:'’")
    while url.endswith(")") and url.count("(") < url.count(")"):
        url = url[:-1]
    return url


def urls_in_lines(lines: list[str]) -> list[tuple[str, int]]:
    """(url, index of its first line) for every link of `lines`, with links that the PDF
    broke over two lines ("...migrant-" / "health") joined again; "www." links get "http://"."""
    found: list[tuple[str, int]] = []
    index = 0
    while index < len(lines):
        line = lines[index].rstrip()
        matches = list(_URL.finditer(line))
        for number, match in enumerate(matches):
            url = match.group(0)
            at_line_end = number == len(matches) - 1 and match.end() == len(line)
            while at_line_end and index + 1 < len(lines) and _continues_url(url, lines[index + 1].strip()):
                index += 1
                url += lines[index].strip()
            url = _clean_url(url)
            found.append(("http://" + url if url.lower().startswith("www.") else url, index))
        index += 1
    return found


def _continues_url(url: str, nxt: str) -> bool:
    """True when the line `nxt` is the rest of a link broken at the end of the line before."""
    if not nxt or not _URL_TAIL.match(nxt) or nxt.isdigit() or _URL.match(nxt) or nxt.endswith(":"):
        return False
    return url[-1] in "-_/=.&?" or nxt[0] in "-_/." or any(c in nxt for c in "/.-=&?_%")


def url_key(url: str) -> str:
    """A comparison key for links: no scheme, no "www.", no doubled or trailing slashes."""
    key = re.sub(r"^(?:https?://)?(?:www\.)?", "", url.strip().lower())
    return re.sub(r"/{2,}", "/", key).rstrip("/")


# --- values that are lists ---------------------------------------------------------------------

_WRAP_END = re.compile(
    r"(?:[,;/&(\-–]|\b(?:and|or|of|the|for|to|in|on|at|by|with|de|del|la|el|y|et|des|du|pour|e))\s*$",
    re.IGNORECASE,
)


def wrap_lines(lines: list[str]) -> list[str]:
    """Physical lines joined into logical ones: a line continues the one before when that one
    ends with a connector ("of", ",", "and") or an open bracket, or it starts in lower case
    or with a bracket ("Access to public services and access to" / "justice for migrants")."""
    logical: list[str] = []
    for line in (fold(line) for line in lines):
        if not line:
            continue
        if logical and (_WRAP_END.search(logical[-1]) or not balanced(logical[-1])
                        or line[0].islower() or line[0] in "(“"):
            logical[-1] = f"{logical[-1]} {line}"
        else:
            logical.append(line)
    return logical


def list_groups(lines: list[str]) -> list[str]:
    """One group per logical line when the value is a list laid out one item per line
    (no commas or semicolons anywhere), else the whole value as one group."""
    logical = wrap_lines(lines)
    separated = any(len(split_top_level(line, re.compile(r"[,;]"))) > 1 for line in logical)
    return [" ".join(logical)] if separated or len(logical) < 2 else logical


def strip_item(item: str) -> str:
    item = fold(item).strip(" \t•·-–—*")
    item = re.sub(r"^(?:and|or|&|y|et|as\s+well\s+as)\s+", "", item, flags=re.IGNORECASE)
    item = re.sub(r"[\s.,;:]+$", "", item)
    return item[:-1] if item.endswith(")") and not balanced(item) else item


def _dedup(items: list[str]) -> list[str]:
    seen, kept = set(), []
    for item in items:
        key = normalise_key(item)
        if key and key not in seen:
            seen.add(key)
            kept.append(item)
    return kept


_ENUMERATION = re.compile(r"(?:^|\s)\(?[a-z]\)\s+")


def split_topics(lines: list[str]) -> list[str]:
    """Thematic areas or tags: "a; b", "a, b", "(a) x (b) y" or one per line."""
    text = " ".join(wrap_lines(lines))
    if len(split_top_level(text, re.compile(";"))) > 1:
        items = split_top_level(text, re.compile(";"))
    elif len(_ENUMERATION.findall(text)) >= 2:
        items = _ENUMERATION.split(text)
    elif len(split_top_level(text, re.compile(","))) > 1:
        items = split_top_level(text, re.compile(","))
    else:
        items = wrap_lines(lines)
    return _dedup([item for item in map(strip_item, items) if len(item) > 2 and not item.lower().startswith("etc")])


# --- places ------------------------------------------------------------------------------------

_PLACE_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+/\s+")
_PLACE_AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)


@functools.cache
def country_resolver() -> CountryResolver:
    """The country names of mappings/countries.yaml (with pycountry's), read once: the same
    names the resolver resolves are the names the extractors look for."""
    from mdgraph.config import Settings  # late: resolve/ imports this module
    from mdgraph.resolve.countries import CountryResolver

    return CountryResolver.from_file(Settings().mappings_dir / "countries.yaml")


@functools.cache
def organisation_names() -> TableNames:
    """The organisation names of mappings/organisations.yaml, read once: a name the alias
    table gives an organisation ("Joint United Nations Programme on HIV/AIDS") names no
    programme, whatever programme word it holds."""
    from mdgraph.config import Settings  # late: resolve/ imports this module
    from mdgraph.resolve.organisation_table import TableNames

    return TableNames.from_file(Settings().mappings_dir / "organisations.yaml", country_resolver())


def is_country(text: str) -> bool:
    """True when `text` is a country's name and nothing else ("Kosovo*", "the Philippines",
    "UK"); a two-letter code ("EC", "IT") is not one."""
    return country_resolver().resolve_name(text) is not None


def find_countries(text: str, demonyms: bool = False, title: bool = False) -> list[tuple[str, int]]:
    """(name as written, offset) of every country named in free text, longest names first
    ("Papua New Guinea", not "Guinea"; "Benin City" is no country); Kosovo keeps its asterisk.

    With `demonyms`, a nationality that describes people or things ("Moroccans living
    abroad", "Senegalese enterprises", "Franco-Malian") names its country too, given by the
    country's label; one that opens a proper name ("Italian Ministry of ...") does not,
    unless the text is a `title`, where every word is capitalised.
    """
    resolver = country_resolver()
    names = {start for _, start, _ in resolver.find(text)}
    found = []
    for country, start, end in resolver.find(text, demonyms=demonyms):
        if start in names:
            found.append((text[start:end] + ("*" if text[end:end + 1] == "*" else ""), start))
        elif title or not re.match(r"\s+[A-Z]", text[end:]):
            found.append((country.label, start))
    return found


def _segment_places(text: str) -> list[str] | None:
    """ "Sudan Tunisia" -> ["Sudan", "Tunisia"], "Bosnia and Herzegovina Serbia" -> two names:
    every word must belong to a known name, or be an "and" between two."""
    words, parts, start = text.split(), [], 0
    while start < len(words):
        if parts and words[start].lower() in ("and", "&"):
            start += 1
            continue
        for end in range(len(words), start, -1):
            if is_country(" ".join(words[start:end])):
                parts.append(" ".join(words[start:end]))
                start = end
                break
        else:
            return None
    return parts if parts and words[-1].lower() not in ("and", "&") else None


def split_places(lines: list[str]) -> list[str]:
    """Countries of a list, one string each as written: lines rejoined ("Papua" / "New
    Guinea"), "A and B" split unless it is one name ("Bosnia and Herzegovina"), a missing
    comma restored ("Sudan Tunisia"), descriptions in lower case dropped ("diaspora
    destination countries")."""
    items: list[str] = []
    for item in split_top_level(" ".join(wrap_lines(lines)), _PLACE_SEPARATOR):
        item = strip_item(item)
        segmented = None if is_country(item) or " " not in item else _segment_places(item)
        parts = [item] if is_country(item) else segmented or [strip_item(p) for p in _PLACE_AND.split(item)]
        for part in parts:
            segmented = None if is_country(part) or " " not in part else _segment_places(part)
            items.extend(segmented or [part])
    return _dedup([item for item in items if starts_proper(item) and not item.lower().startswith("etc")])


def starts_proper(item: str) -> bool:
    """Starts with a capital, possibly after an article ("the Netherlands", "la Universidad")."""
    item = re.sub(r"^(?:the|la|le|el|les|los|las|l['’])\s*", "", item)
    return bool(item) and (item[0].isupper() or item[0].isdigit())
