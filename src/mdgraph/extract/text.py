"""Small text helpers for PDF-extracted plain text: pure functions, no I/O."""

from __future__ import annotations

import bisect
import functools
import re
import unicodedata

import pycountry

_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """White space (PDF line breaks included) folded to single spaces, ends trimmed."""
    return _SPACE.sub(" ", text).strip()


def normalise_key(text: str) -> str:
    """A comparison key: no accents, no punctuation, lower case, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text.lower().replace("&", " and "))
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


def blank_page_furniture(text: str, protected: re.Pattern[str] | None = None) -> str:
    """`text` with page numbers ("27", "Page 3 of 30") and running headers or footers blanked
    (line breaks kept, so line numbers do not move).

    A running header is a line of two words or more printed near at least two page breaks
    (a page number or a form feed) and nowhere else; lines matching `protected` never are.
    """
    lines = text.split("\n")
    breaks = [number for number, line in enumerate(lines) if _PAGE_NUMBER.fullmatch(line) or "\f" in line]
    near: dict[str, set[int]] = {}
    for page_break in breaks:
        for number in range(max(0, page_break - _PAGE_REACH), min(len(lines), page_break + _PAGE_REACH + 1)):
            key = fold(lines[number].replace("\f", " "))
            if len(key.split()) >= 2 and not (protected and protected.search(key)):
                near.setdefault(key, set()).add(number)
    everywhere: dict[str, int] = {}
    for line in lines:
        everywhere[fold(line)] = everywhere.get(fold(line), 0) + 1
    furniture = {key for key, numbers in near.items() if len(numbers) >= 2 and everywhere[key] == len(numbers)}
    return "\n".join(
        re.sub(r"[^\f]", " ", line) if _PAGE_NUMBER.fullmatch(line) or fold(line) in furniture
        else line.replace("\f", " ")
        for line in lines
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


# --- lists -------------------------------------------------------------------------------------

_OPENERS = "([{“«"
_CLOSERS = ")]}”»"


def nesting_depths(text: str) -> list[int]:
    """The bracket/curly-quote depth before each character (never below zero)."""
    depths, depth = [], 0
    for char in text:
        depths.append(depth)
        if char in _OPENERS:
            depth += 1
        elif char in _CLOSERS and depth:
            depth -= 1
    return depths


def split_top_level(text: str, separator: re.Pattern[str]) -> list[str]:
    """`text` split at matches of `separator` that lie outside brackets and curly quotes."""
    return split_top_level_keeping(text, separator)[0]


def split_top_level_keeping(text: str, separator: re.Pattern[str]) -> tuple[list[str], list[str]]:
    """(parts, separators between them) of `text` split as split_top_level does."""
    depths = nesting_depths(text)
    parts, separators, last = [], [], 0
    for match in separator.finditer(text):
        if match.start() < len(depths) and depths[match.start()] == 0 and match.end() > match.start():
            parts.append(text[last: match.start()])
            separators.append(match.group(0))
            last = match.end()
    parts.append(text[last:])
    return parts, separators


def balanced(text: str) -> bool:
    """True when every opening bracket of `text` is closed."""
    return (nesting_depths(text + " ")[-1] if text else 0) == 0


_ACRONYM = re.compile(r"^[A-Z][A-Za-z0-9&/\-.]*$")


def is_acronym(token: str) -> bool:
    """ "IOM", "UNICEF", "SU/SSC", "MDG-F", "MoH": short, no spaces, mostly capitals."""
    token = token.strip()
    capitals = sum(c.isupper() for c in token)
    return bool(_ACRONYM.match(token)) and len(token) <= 15 and capitals >= 2 and capitals * 2 >= sum(
        c.isalpha() for c in token
    )


# --- sentences ---------------------------------------------------------------------------------

_ABBREVIATIONS = {"dr", "st", "mr", "mrs", "ms", "no", "nr", "co", "inc", "ltd", "corp", "vs", "etc", "e.g", "i.e"}
_SENTENCE_END = re.compile(r"[.!?](?=\s+[\"“(]?[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of `text`; abbreviations such as "Dr." do not end one."""
    spans, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        word = re.search(r"([\w.]+)$", text[start: match.start()])
        if word and (word.group(1).lower() in _ABBREVIATIONS or len(word.group(1)) == 1):
            continue
        spans.append((start, match.end()))
        start = match.end()
    if text[start:].strip():
        spans.append((start, len(text)))
    return [(s + len(text[s:e]) - len(text[s:e].lstrip()), e) for s, e in spans if text[s:e].strip()]


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


def _list_groups(lines: list[str]) -> list[str]:
    """One group per logical line when the value is a list laid out one item per line
    (no commas or semicolons anywhere), else the whole value as one group."""
    logical = wrap_lines(lines)
    separated = any(len(split_top_level(line, re.compile(r"[,;]"))) > 1 for line in logical)
    return [" ".join(logical)] if separated or len(logical) < 2 else logical


def _strip_item(item: str) -> str:
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
    return _dedup([item for item in map(_strip_item, items) if len(item) > 2 and not item.lower().startswith("etc")])


# --- places ------------------------------------------------------------------------------------

_PLACE_SEPARATOR = re.compile(r"\s*[,;]\s*|\s+/\s+")
_PLACE_AND = re.compile(r"\s+(?:and|&)\s+", re.IGNORECASE)


@functools.cache
def _country_names() -> frozenset[str]:
    """Comparison keys of every country name pycountry knows, short forms included
    ("moldova" from "Moldova, Republic of")."""
    keys = set()
    for country in pycountry.countries:
        for attribute in ("name", "official_name", "common_name"):
            name = getattr(country, attribute, None)
            if name:
                keys.add(normalise_key(name))
                keys.add(normalise_key(name.split(",")[0]))
    return frozenset(keys)


def _known_place(text: str) -> bool:
    return normalise_key(re.sub(r"^the\s+", "", text, flags=re.IGNORECASE)) in _country_names()


def _segment_places(text: str) -> list[str] | None:
    """ "Sudan Tunisia" -> ["Sudan", "Tunisia"], "Bosnia and Herzegovina Serbia" -> two names:
    every word must belong to a known name, or be an "and" between two."""
    words, parts, start = text.split(), [], 0
    while start < len(words):
        if parts and words[start].lower() in ("and", "&"):
            start += 1
            continue
        for end in range(len(words), start, -1):
            if _known_place(" ".join(words[start:end])):
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
        item = _strip_item(item)
        segmented = None if _known_place(item) or " " not in item else _segment_places(item)
        parts = [item] if _known_place(item) else segmented or [_strip_item(p) for p in _PLACE_AND.split(item)]
        for part in parts:
            segmented = None if _known_place(part) or " " not in part else _segment_places(part)
            items.extend(segmented or [part])
    return _dedup([item for item in items if _starts_proper(item) and not item.lower().startswith("etc")])


def _starts_proper(item: str) -> bool:
    """Starts with a capital, possibly after an article ("the Netherlands", "la Universidad")."""
    item = re.sub(r"^(?:the|la|le|el|les|los|las|l['’])\s*", "", item)
    return bool(item) and (item[0].isupper() or item[0].isdigit())


# --- organisations -----------------------------------------------------------------------------

#: Words that make a phrase an organisation's name ("Ministry of Health", "Ford Foundation").
ORGANISATION_HEADS = frozenset(
    """ministry ministries ministerio ministère ministere government gobierno gouvernement department
    departamento office oficina agency agencia agence commission comisión comision secretariat
    secretaría secretaria bureau directorate embassy university universidad université universite
    institute instituto institut centre center centro foundation fundación fundacion fund fondo bank
    banco council consejo organisation organization organización organizacion authority association
    asociación asociacion chamber cámara camara federation federación union service observatory
    academy college""".split()
)
#: Plural heads of collectives that are no one organisation ("UN agencies", "local actors").
_COLLECTIVES = frozenset(
    """governments agencies ministries authorities partners groups actors members communities
    stakeholders institutions organizations organisations departments municipalities donors ngos
    csos associations offices missions""".split()
)
_CONNECTORS = frozenset("of for and on in the de del la el des du pour y et to at".split())
ROLE_FUNDER = "funder"
ROLE_IMPLEMENTER = "implementer"

_ORG_SEPARATOR = re.compile(r"\s*[;,]\s*|\s+/\s+|(?<=[a-z]{3})\.\s+(?=[A-Z])")
_ORG_AND = re.compile(r"\s+(?:and|y|et|&)\s+", re.IGNORECASE)
_COLLABORATION = re.compile(
    r"\s+in\s+(?:close\s+)?(?:collaboration|cooperation|partnership|association)\s+with\s+(?:the\s+)?",
    re.IGNORECASE,
)
_FUNDED_BY = re.compile(
    r",?\s+(?:(?:co-?)?(?:funded|financed|sponsored)\s+by|with\s+(?:the\s+)?(?:financial\s+)?support\s+(?:of|from))"
    r"\s+(?:the\s+)?",
    re.IGNORECASE,
)
_INCLUDING = re.compile(r",?\s+(?:including|such\s+as|namely)\s+", re.IGNORECASE)
_LEADING = re.compile(r"^(?:through|via|(?:an?\s+)?initiative\s+of)\s+(?:the\s+)?", re.IGNORECASE)
_FUNDER_MARK = re.compile(r"\s*\((?:co-?)?(?:funding|funder|donor|financing|financial\s+support)\)", re.IGNORECASE)
_IMPLEMENTER_MARK = re.compile(r"\s*\((?:lead|coordinator|implementer|implementing\s+(?:agency|partner))\)",
                               re.IGNORECASE)
_GLOSS = re.compile(r"(?<=\S)\s*\((?=[a-z])[^()]*\)$")  # "DIGESTYC (national statistics office)"
_ACRONYM_OF = re.compile(r"^(.*?\([A-Z][\w/&\-]*\))\s+of\s+.+$")
_SHARED_HEAD = re.compile(r"^[A-Z]\w+\s+and\s+[A-Z]\w+\s+\S+")


def split_organisations(lines: list[str], article_runs: bool = True) -> list[tuple[str, str | None]]:
    """(name as written, role hint) for each organisation of a partner/donor list.

    Lists are split at commas, semicolons, " / ", sentence ends and "and" between two
    names; "X in collaboration with Y" gives X the hint ROLE_IMPLEMENTER; "(funding)",
    "funded by Y", "with support of Y" give ROLE_FUNDER; an umbrella ("National Partners
    (A, B)", "Partners including A and B") gives way to its members; collectives and
    descriptions in lower case are dropped; "(ACRONYM)" stays with its name. With
    `article_runs`, "the Netherlands the UK" is two names (in a list; not in a sentence,
    where "IOM the Netherlands" names one office).
    """
    found: list[tuple[str, str | None]] = []
    for group in _list_groups(lines):
        found += _organisation_items(fold(group), None, article_runs)
    seen: dict[str, int] = {}
    kept: list[tuple[str, str | None]] = []
    for name, hint in found:
        key = normalise_key(name)
        if key in seen:
            if hint and not kept[seen[key]][1]:
                kept[seen[key]] = (kept[seen[key]][0], hint)
            continue
        seen[key] = len(kept)
        kept.append((name, hint))
    return kept


def _organisation_items(text: str, hint: str | None, article_runs: bool) -> list[tuple[str, str | None]]:
    items: list[tuple[str, str | None]] = []
    pieces, separators = split_top_level_keeping(text, _ORG_SEPARATOR)
    for item in _merge_shared_heads(_merge_name_tails(pieces, separators)):
        item = _LEADING.sub("", _strip_item(item))
        parts = split_top_level(item, _COLLABORATION)
        if len(parts) > 1:
            items += _organisation_items(parts[0], ROLE_IMPLEMENTER, article_runs)
            items += _organisation_items(" ".join(parts[1:]), hint, article_runs)
            continue
        parts = split_top_level(item, _FUNDED_BY)
        if len(parts) > 1:
            items += _organisation_items(parts[0], hint, article_runs)
            items += _organisation_items(" ".join(parts[1:]), ROLE_FUNDER, article_runs)
            continue
        parts = split_top_level(item, _INCLUDING)
        if len(parts) > 1:
            items += _organisation_items(" ".join(parts[1:]), hint, article_runs)
            continue
        item_hint = hint
        if _FUNDER_MARK.search(item):
            item, item_hint = _FUNDER_MARK.sub("", item), ROLE_FUNDER
        if _IMPLEMENTER_MARK.search(item):
            item, item_hint = _IMPLEMENTER_MARK.sub("", item), ROLE_IMPLEMENTER
        members = _umbrella_members(item)
        if members is not None:
            items += _organisation_items(members, item_hint, article_runs)
            continue
        for name in _split_and(item, article_runs):
            name = _GLOSS.sub("", _ACRONYM_OF.sub(r"\1", _strip_item(name)))
            if _is_organisation_item(name):
                items.append((name, item_hint))
    return items


def _merge_name_tails(pieces: list[str], separators: list[str]) -> list[str]:
    """Commas inside one name joined again: "Ministry of Science", "Industry and Technology"
    (the tail names no organisation of its own) and "Centre de recherche médecine",
    "sciences", "santé et société (CERMES)" (lower-case pieces closed by an acronym)."""
    merged = [pieces[0]]
    pending: list[str] = []
    for separator, piece in zip(separators, pieces[1:]):
        text = re.sub(r"^(?:and|or|&)\s+", "", piece.strip())
        words = re.sub(r"\([^()]*\)", " ", text).split()
        tail = bool(words) and "," in separator and re.search(r"\bof\s+[^;()]+$", merged[-1].strip()) is not None \
            and re.fullmatch(r"[A-Z]\w*(?:,?\s+(?:and|&)\s+[A-Z]\w*(?:\s+[A-Z]\w*)?)?(?:\s*\([A-Z][\w/&\-]*\))?",
                             text) is not None \
            and not any(w.lower() in ORGANISATION_HEADS or is_acronym(w) or _known_place(w) for w in words)
        lower = text[:1].islower() and not _starts_with_article(text) and "," in separator
        if lower and not re.search(r"\([A-Z][\w/&\-]*\)$", text):
            pending.append(separator + piece)
            continue
        if tail or lower:
            merged[-1] += "".join(pending) + separator + piece
        else:
            merged += [p.lstrip(",; ") for p in pending] + [piece]
        pending = []
    return merged + [p.lstrip(",; ") for p in pending]


def _merge_shared_heads(items: list[str]) -> list[str]:
    """ "Federal", "State and Municipal Governments" -> one item: the adjectives share a head."""
    merged: list[str] = []
    start = 0
    while start < len(items):
        end = start
        while end < len(items) and re.fullmatch(r"[A-Z][a-z]+", items[end].strip()):
            end += 1
        if end > start and end < len(items) and _SHARED_HEAD.match(items[end].strip()):
            merged.append(", ".join(item.strip() for item in items[start: end + 1]))
            start = end + 1
        else:
            merged.append(items[start])
            start += 1
    return merged


def _umbrella_members(item: str) -> str | None:
    """The members of "National Partners (A, B, C)": a plural name before a bracketed list."""
    match = re.fullmatch(r"(?P<outer>[^()]+?)\s*\((?P<inner>.+)\)", item)
    if not match or len(split_top_level(match.group("inner"), re.compile(","))) < 2:
        return None
    last = match.group("outer").split()[-1].lower()
    return match.group("inner") if last.endswith("s") and not last.endswith("ss") else None


def _organisation_like(text: str) -> bool:
    words = text.split()
    return bool(words) and (
        any(is_acronym(w.strip("()")) for w in words)
        or any(w.lower().strip("(),") in ORGANISATION_HEADS for w in words)
        or _starts_with_article(text)
        or _known_place(text)
    )


def _starts_with_article(text: str) -> bool:
    return bool(re.match(r"^(?:the|la|le|el|les|los|las|l['’])\s*[A-Z]", text))


def _split_and(item: str, article_runs: bool) -> list[str]:
    """ "the UK and IOM" -> two names; "Ministry of Labour and Social Security" stays one:
    "and" separates names only between two that stand alone, or before a lower-case tail."""
    parts, separators = split_top_level_keeping(item, _ORG_AND)
    names = [parts[0]]
    for separator, part in zip(separators, parts[1:]):
        right = part.strip()
        first = right.split()[0] if right else ""
        starts_name = is_acronym(first.strip("(),")) or first.lower() in ORGANISATION_HEADS \
            or _starts_with_article(right)
        lower_tail = right[:1].islower() and not _starts_with_article(right) \
            and not re.search(r"\([A-Z][\w/&\-]*\)$", right)
        if not names[-1].endswith("-") and (lower_tail or starts_name and _organisation_like(names[-1])):
            names.append(right)
        else:
            names[-1] = f"{names[-1]}{separator}{right}"
    return [piece for name in names for piece in (_split_article_run(name) if article_runs else [name])]


def _split_article_run(name: str) -> list[str]:
    """ "the Netherlands the UK" -> two names (a capitalised word, then "the" and a capital)."""
    pieces = re.split(r"(?<=[A-Za-z)])\s+(?=the\s+[A-Z])", name)
    merged = [pieces[0]]
    for piece in pieces[1:]:
        previous = merged[-1].split()[-1]
        if previous[0].isupper() and previous.lower() not in _CONNECTORS:
            merged.append(piece)
        else:
            merged[-1] = f"{merged[-1]} {piece}"
    return merged


def _is_organisation_item(name: str) -> bool:
    """False for empty strings, lower-case descriptions and collectives ("UN agencies")."""
    if len(name) < 2 or not _starts_proper(name) or name.lower().startswith("etc"):
        return False
    words = re.sub(r"\([^()]*\)", " ", name).split()
    if not words:
        return True
    leading_acronym = is_acronym(words[0]) and len(words[0]) >= 3
    if words[-1].lower() in _COLLECTIVES and not leading_acronym:
        return False
    has_head = any(w.lower() in ORGANISATION_HEADS for w in words if w[:1].isupper())
    return not (any(w in _COLLECTIVES for w in words) and not has_head and not leading_acronym)
