"""GFMD "policy and practice" annex entries -> ProgrammeRecords (family ANNEX_ENTRY).

An annex is a run of entries, each opened by a title label ("Title of M&D Policy or
Practice:" or "Title:") and followed by labelled fields in any order, on one line or many
("Country: Ghana Partner(s): Ministry of Health"). The PDF extraction breaks lines mid-value,
glues footnote numbers to labels, leaves page numbers, blank lines and link lists between
entries and prints some entries twice. The extractor therefore reads labels, not layout:
it finds every label, cuts the text between consecutive labels into field values, and cleans
each value by what the field holds (lists of places, organisations, topics; prose; links).
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, fields, replace

from mdgraph.extract import dates
from mdgraph.extract.annex_prose import narrative_roles, summary_dates
from mdgraph.extract.names import ROLE_FUNDER, ROLE_IMPLEMENTER, split_organisations
from mdgraph.extract.text import (
    LineIndex,
    blank_out,
    blank_page_furniture,
    country_resolver,
    fold,
    is_acronym,
    is_country,
    normalise_key,
    sentence_spans,
    split_places,
    split_topics,
    url_key,
    urls_in_lines,
)
from mdgraph.model import ANNEX_ENTRY, Evidence, Mention, ProgrammeRecord

__all__ = ["extract_annex_entries", "looks_like_annex"]

_PL = r"(?:\s*\(\s*s\s*\)|s)?"  # "(s)" or "s"
#: (field, label pattern), the longer of two overlapping labels first.
_LABELS: tuple[tuple[str, str], ...] = (
    ("title", r"Title\s+of\s+(?:the\s+)?M\s*&\s*D\s+Policy\s+or\s+Practice"
              r"|Name\s+of\s+(?:the\s+)?(?:M\s*&\s*D\s+)?(?:Policy|Practice|Programme|Program|Project|Initiative)"
              r"(?:\s+or\s+Practice)?"),
    ("title", r"Title"),
    ("countries", r"(?:Target\s+)?Countr(?:y|ies)(?:\s*\(\s*ies\s*\))?"),
    ("partners", rf"Partner{_PL}\s*/\s*(?:Co-?\s*)?(?:Funder|Donor){_PL}|(?:Funder|Donor){_PL}\s*/\s*Partner{_PL}"),
    ("implementers", rf"Coordination|Coordinator{_PL}|Lead\s+(?:Agency|Agencies|Organi[sz]ation{_PL})"
                     rf"|Implement(?:ing\s+(?:Agency|Agencies|Organi[sz]ation{_PL}|Partner{_PL})|er{_PL})"
                     r"|Implemented\s+by"),
    ("funders", rf"(?:Co-?\s*)?(?:Funder|Donor|Sponsor){_PL}|Funding(?:\s+(?:Source|Agency|Partner){_PL})?"
                r"|Funded\s+by"),
    ("partners", rf"Partner{_PL}"),
    ("thematic_areas", rf"Thematic\s+Area{_PL}"),
    ("tags", r"Tags?"),
    ("summary", r"Summary|Description|Abstract"),
    ("timeframe", r"Time\s*frame|Duration|(?:Implementation\s+)?Period"),
    ("web_links", rf"Web\s*(?:Link|Site|Page){_PL}|Website{_PL}|Link{_PL}"),
    ("budget", r"(?:Total\s+)?Budget"),
    ("contribution", r"(?-i:[A-Z][\w.&'’-]*(?:[ \t]+[A-Z][\w.&'’-]*){0,4})[ \t]+contribution"),
)
_LABEL = re.compile(  # "\b" first: implied by what follows, it rules most places out fastest
    r"\b(?<![\w/(\-])(?:"
    + "|".join(f"(?P<f{number}>{pattern})" for number, (_, pattern) in enumerate(_LABELS))
    + r")\d{0,2}[ \t]*:(?:[ \t]*\d{1,3}(?=[A-Z]))?",
    re.IGNORECASE,
)
#: The words a title label (see _LABELS) starts with, at the start of a line.
_TITLE_WORD_AT_LINE_START = re.compile(r"^\s*(?:T(?i:itle)|N(?i:ame)\s)", re.MULTILINE)
_LINE_START_ONLY = {"budget", "contribution"}
_PROSE = {"summary", "web_links"}
_LIST_FIELDS = {"countries", "partners", "funders", "implementers", "thematic_areas", "tags"}
#: Footnote markers the PDF extraction leaves in values ("Data and research«F19»").
_FOOTNOTE_MARKER = re.compile(r"«F\d+»")
#: Headings that close the annex (what follows belongs to no entry).
_ANNEX_END = re.compile(
    r"(?im)^[ \t]*(?:references|bibliography|endnotes|notes|sources|works\s+cited|appendix\b[^\n]*)[ \t]*$"
)
_PROSE_WORDS = 12          # a line this long that follows a finished list is running text
_SHORT_FRAGMENT_WORDS = 4  # a line this short after a blank line is the rest of a wrapped value


@dataclass(frozen=True)
class _Label:
    field: str
    start: int
    end: int            # just after the colon (and a glued footnote number)
    line_start: bool
    written: str        # the label as written


@dataclass(frozen=True)
class _Field:
    label: _Label
    lines: tuple[tuple[int, str], ...]   # (line number, text) of the value, first = rest of label line


def looks_like_annex(text: str) -> bool:
    """True for a document with at least two annex entries (title labels at line starts
    followed by the fields an annex entry has)."""
    if len(_TITLE_WORD_AT_LINE_START.findall(text)) < 2:
        return False  # no two lines can start with a title label: not worth reading every label
    labels = [label for label in _find_labels(text, LineIndex(text)) if label.line_start]
    counts = {field: sum(label.field == field for label in labels) for field, _ in _LABELS}
    described = sum(count >= 2 for field, count in counts.items() if field in _LIST_FIELDS | {"summary"})
    return counts["title"] >= 2 and described >= 2


def extract_annex_entries(document: str, text: str) -> list[ProgrammeRecord]:
    """One record per annex entry of `text`, in document order, entries printed twice merged."""
    clean = _clean(text)
    entries = _entries(clean, LineIndex(clean))
    clean_lines = clean.split("\n")
    primary_links = {url_key(url) for entry in entries for url in _links(entry)[0]}
    claimed: set[str] = set()
    records = [_record(document, entry, clean_lines, primary_links, claimed) for entry in entries]
    return _merge_duplicates(records)


# --- labels and entries ------------------------------------------------------------------------

#: Lines never taken for running headers, however often they stand near page breaks.
_NOT_FURNITURE = re.compile(r"^(?:" + _LABEL.pattern + r")|https?://|www\.", re.IGNORECASE)


def _clean(text: str) -> str:
    """The text with page furniture and footnote markers blanked, offsets and lines kept."""
    return blank_out(blank_page_furniture(text, _NOT_FURNITURE), _FOOTNOTE_MARKER)


def _find_labels(clean: str, index: LineIndex) -> list[_Label]:
    labels = []
    for match in _LABEL.finditer(clean):
        if not match.group(0)[0].isupper():
            continue
        field = _LABELS[int(match.lastgroup[1:])][0]
        line_start = not clean[index.line_start(match.start()): match.start()].strip()
        if field in _LINE_START_ONLY and not line_start:
            continue
        written = fold(match.group(match.lastgroup))
        if field == "contribution":
            written = re.sub(r"\s+contribution$", "", written, flags=re.IGNORECASE)
        labels.append(_Label(field, match.start(), match.end(), line_start, written))
    return labels


def _entries(clean: str, index: LineIndex) -> list[list[_Field]]:
    """The fields of each entry; inside running text only labels at a line start count."""
    accepted: list[_Label] = []
    for label in _find_labels(clean, index):
        if label.field == "title" and not label.line_start or not accepted and label.field != "title":
            continue
        if accepted and accepted[-1].field in _PROSE and not label.line_start \
                and label.field not in ("web_links", "timeframe"):
            continue
        accepted.append(label)
    if not accepted:
        return []
    end_of_annex = _ANNEX_END.search(clean, accepted[-1].end)
    text_end = end_of_annex.start() if end_of_annex else len(clean)
    entries: list[list[_Field]] = []
    for number, label in enumerate(accepted):
        value_end = accepted[number + 1].start if number + 1 < len(accepted) else text_end
        first_line = index.line_of(label.end)
        value_lines = clean[label.end: value_end].split("\n")
        field = _Field(label, tuple((first_line + k, line) for k, line in enumerate(value_lines)))
        if label.field == "title":
            entries.append([])
        entries[-1].append(field)
    return entries


# --- field values ------------------------------------------------------------------------------

_CONNECTOR_END = re.compile(r"(?:[,;/&(\-–]|\b(?:and|or|of|the|for|to|in|on|with|de|la|y|et|des|du))\s*$",
                            re.IGNORECASE)


def _chunks(lines: tuple[tuple[int, str], ...]) -> list[list[tuple[int, str]]]:
    """Runs of non-blank lines."""
    chunks: list[list[tuple[int, str]]] = [[]]
    for number, line in lines:
        if line.strip():
            chunks[-1].append((number, line))
        elif chunks[-1]:
            chunks.append([])
    return [chunk for chunk in chunks if chunk]


def _split_list_value(field: _Field, is_last: bool) -> tuple[list[str], int, list[tuple[int, str]]]:
    """(lines of the value, number of its last line, lines that follow it but are not part of it).

    After a blank line the value goes on only where it plainly continues: the text so far
    ends with a connector, the next line starts in lower case, or it is a short fragment
    ("Offices"); a long line after a finished list is running text (an unlabelled summary)
    and a bracketed block after it is a gloss (the same names in another language). A line
    that continues the value after a blank line is joined to the line before it.
    """
    chunks = _chunks(field.lines)
    taken: list[str] = []
    last_line = field.lines[0][0]
    for number, chunk in enumerate(chunks):
        so_far = " ".join(taken).strip()
        first = chunk[0][1].strip()
        words = len(first.split())
        if not so_far:
            ok = not _looks_like_prose(first) or number == 0 and chunk[0][0] == field.lines[0][0]
        elif _CONNECTOR_END.search(so_far) or so_far.count("(") > so_far.count(")") or first[0].islower():
            ok = True
        else:
            ok = words <= _SHORT_FRAGMENT_WORDS and not first.startswith("(") and not is_last
        if not ok:
            return taken, last_line, [line for later in chunks[number:] for line in later]
        lines = [line for _, line in chunk]
        if taken:
            taken[-1] = f"{taken[-1].rstrip()} {lines.pop(0).strip()}"
        taken += lines
        last_line = chunk[-1][0]
    return taken, last_line, []


def _quote(field: _Field, last_line: int, clean_lines: list[str]) -> Evidence:
    """The labelled line(s) a value comes from, whole, folded."""
    first = field.lines[0][0]
    return Evidence(fold(" ".join(clean_lines[first - 1: max(first, last_line)])), first)


def _links(entry: list[_Field]) -> tuple[list[str], list[str]]:
    """(links under the label, links of the lists that follow it after a blank line).

    The PDF extraction repeats the links of recent entries after an entry; those are
    kept only when no entry claims them under its own label.
    """
    primary: list[str] = []
    trailing: list[str] = []
    for field in entry:
        if field.label.field != "web_links":
            continue
        lines = list(field.lines)
        head = 1
        while head < len(lines) and lines[head][1].strip():
            head += 1
        primary += [url for url, _ in urls_in_lines([line for _, line in lines[:head]])]
        for chunk in _chunks(tuple(lines[head:])):
            found = urls_in_lines([line for _, line in chunk])
            if not found or found[0][1] != 0:
                break
            trailing += [url for url, _ in found]
    return primary, trailing


# --- one entry ---------------------------------------------------------------------------------

def _record(document: str, entry: list[_Field], clean_lines: list[str], primary_links: set[str],
            claimed: set[str]) -> ProgrammeRecord:
    title_field = entry[0]
    raw_title = "\n".join(line for _, line in title_field.lines)
    title = fold(raw_title)
    title_end = max([number for number, line in title_field.lines if line.strip()] or [0])
    title_evidence = _quote(title_field, title_end, clean_lines)
    found: dict[str, list[Mention]] = {name: [] for name in _MENTION_FIELDS}
    summary: list[tuple[int, str]] = []
    orphans: list[tuple[int, str]] = []
    timeframe: tuple[str | None, str | None, Evidence] | None = None
    for position, field in enumerate(entry[1:], start=1):
        kind, is_last = field.label.field, position == len(entry) - 1
        if kind in _LIST_FIELDS:
            orphans += _list_mentions(field, is_last, clean_lines, found)
        elif kind == "contribution":
            found["funders"].append(Mention(field.label.written, _quote(field, 0, clean_lines)))
        elif kind == "summary":
            summary += _drop_trailing_headings(list(field.lines)) if is_last else list(field.lines)
        elif kind == "timeframe" and timeframe is None:
            timeframe = _timeframe(field, clean_lines)
    if not any(line.strip() for _, line in summary) and _is_prose(orphans):
        summary = orphans
    description, description_line, sentences = _prose(summary)
    codes = {country.code for country in map(country_resolver().resolve, (m.text for m in found["countries"]))
             if country is not None}
    own_names = {normalise_key(name) for name in (title, *_title_aliases(raw_title))}
    for role, mentions in narrative_roles(title_evidence if title else None, sentences, codes).items():
        found[role] += [m for m in mentions if normalise_key(m.text) not in own_names]  # "SaMi provides ..."
    if timeframe is None:
        timeframe = _title_dates(title, title_evidence) or summary_dates(sentences, title)
    start, end, timeframe_evidence = timeframe or (None, None, None)
    return ProgrammeRecord(
        document=document,
        family=ANNEX_ENTRY,
        title=title,
        evidence=title_evidence,
        aliases=tuple(_title_aliases(raw_title)),
        **{name: _unique(mentions) for name, mentions in found.items()},
        start=start,
        end=end,
        timeframe=timeframe_evidence,
        web_links=tuple(_claim_links(entry, primary_links, claimed)),
        description=description,
        description_line=description_line,
    )


_MENTION_FIELDS = ("countries", "implementers", "funders", "partners", "thematic_areas", "tags")


def _list_mentions(field: _Field, is_last: bool, clean_lines: list[str],
                   found: dict[str, list[Mention]]) -> list[tuple[int, str]]:
    """Adds the mentions of a list field to `found`; returns the text after the list."""
    texts, last_line, rest = _split_list_value(field, is_last)
    evidence = _quote(field, last_line, clean_lines)
    kind = field.label.field
    if kind == "countries":
        for place in split_places(texts):
            found[kind].append(Mention(place, evidence))
            if is_acronym(place) and not is_country(place):  # "Country: OECD": the body that runs it
                found["implementers"].append(Mention(place, evidence))
    elif kind in ("thematic_areas", "tags"):
        found[kind] += [Mention(topic, evidence) for topic in split_topics(texts)]
    else:
        names = split_organisations(texts)
        glosses, rest = _gloss(rest, len(names))
        for (name, hint), gloss in zip(names, glosses or [None] * len(names)):
            written = f"{name} ({gloss})" if gloss else name
            found.update({role: found[role] + [Mention(written, evidence)] for role in _roles(kind, hint)})
    return rest


def _gloss(lines: list[tuple[int, str]], count: int) -> tuple[list[str], list[tuple[int, str]]]:
    """(the names of a bracketed block that follows a list and gives as many names: the same
    organisations in another language, in order; the lines after it), or ([], `lines`)."""
    chunks = _chunks(tuple(lines))
    block = " ".join(line.strip() for _, line in chunks[0]) if chunks else ""
    if not (block.startswith("(") and block.endswith(")")):
        return [], lines
    names = [name for name, _ in split_organisations([block[1:-1]])]
    if len(names) != count:
        return [], lines
    return names, [line for chunk in chunks[1:] for line in chunk]


def _timeframe(field: _Field, clean_lines: list[str]) -> tuple[str | None, str | None, Evidence] | None:
    """Start and end written under a timeframe label ("November 2013 to March 2015")."""
    head = (_chunks(field.lines) or [[(field.lines[0][0], "")]])[0]
    start, end = dates.parse_timeframe_field(fold(" ".join(line for _, line in head)))
    return (start, end, _quote(field, head[-1][0], clean_lines)) if start or end else None


def _roles(field: str, hint: str | None) -> list[str]:
    """Everything under a partner label is a partner, marked funders and leads also funders
    and implementers; everything under a donor or lead label has that role only."""
    if field != "partners":
        return [field]
    extra = {ROLE_FUNDER: ["funders"], ROLE_IMPLEMENTER: ["implementers"]}.get(hint or "", [])
    return ["partners", *extra]


def _unique(mentions: list[Mention]) -> tuple[Mention, ...]:
    seen: set[str] = set()
    kept = []
    for mention in mentions:
        key = normalise_key(mention.text)
        if key and key not in seen:
            seen.add(key)
            kept.append(mention)
    return tuple(kept)


def _claim_links(entry: list[_Field], primary_links: set[str], claimed: set[str]) -> list[str]:
    """The entry's links: those under its label, then repeated ones no entry has claimed."""
    primary, trailing = _links(entry)
    links: list[str] = []
    keys: set[str] = set()
    for url in primary + trailing:
        key = url_key(url)
        if key in keys or url not in primary and (key in primary_links or key in claimed):
            continue
        keys.add(key)
        links.append(url)
    claimed |= keys
    return links


def _looks_like_prose(line: str) -> bool:
    """A long line in mostly lower-case words: running text, not a list of names or topics."""
    words = line.split()
    capitalised = sum(word[:1].isupper() or word[:1] == "(" for word in words)
    return len(words) >= _PROSE_WORDS and capitalised * 2 < len(words)


def _is_prose(lines: list[tuple[int, str]]) -> bool:
    return any(_looks_like_prose(line) for _, line in lines)


def _drop_trailing_headings(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """The last field of an entry without its trailing headings ("Other related examples")."""
    chunks = _chunks(tuple(lines))
    while len(chunks) > 1 and len(chunks[-1]) <= 2 and all(
            len(line.split()) <= 8 and not line.rstrip().endswith((".", ":", ";")) for _, line in chunks[-1]):
        chunks.pop()
    return [line for chunk in chunks for line in chunk]


def _prose(lines: list[tuple[int, str]]) -> tuple[str, int, list[Evidence]]:
    """(folded text, line of its start, its sentences as evidence)."""
    joined, starts = "", []
    for number, line in lines:
        if line.strip():
            starts.append((len(joined), number))
            joined += line.strip() + " "
    if not starts:
        return "", 0, []
    offsets = [offset for offset, _ in starts]
    sentences = [Evidence(fold(joined[begin:end]), starts[bisect.bisect_right(offsets, begin) - 1][1])
                 for begin, end in sentence_spans(joined)]
    return fold(joined), starts[0][1], sentences


# --- titles ------------------------------------------------------------------------------------

_MONTH_WORD = r"(?:(?:" + "|".join(sorted(dates.MONTHS, key=len, reverse=True)) + r")\.?\s+)"
_YEAR = r"(?:19|20)\d{2}"
_RANGE = re.compile(
    rf"(?:{_MONTH_WORD})?{_YEAR}\s*(?:[-–—‒]+|to|until)\s*(?:(?:{_MONTH_WORD})?{_YEAR}(?!\d)|ongoing|on-going|present"
    r"|open-ended)",
    re.IGNORECASE,
)
_PAREN = re.compile(r"\(([^()]*(?:\([^()]*\)[^()]*)*)\)")
_QUOTED = re.compile(r"“([^“”]{3,120})”")


def _title_dates(title: str, evidence: Evidence) -> tuple[str | None, str | None, Evidence] | None:
    """ "(TRQN, 2006 – ongoing)", "Phase I (2012 – 2013)": a range written in the title."""
    match = _RANGE.search(title)
    if not match:
        return None
    start, end = dates.parse_timeframe(match.group(0))
    return (start, end, evidence) if start else None


def _title_aliases(raw: str) -> list[str]:
    """Other names a title gives: "(MISMES)", "(TRQN, 2006 – ongoing)", "PAISD, Programme ...",
    "(Trés por Uno)", a quoted name ("“Physicians for Peace”")."""
    title = fold(raw)
    aliases: list[str] = []
    leading = re.match(r"^([A-Z][\w&\-]{1,14}),\s+(.+)$", title)
    if leading and is_acronym(leading.group(1)):
        aliases += [leading.group(1), re.sub(r"\s*\([^()]*\)\s*$", "", leading.group(2))]
    for match in _PAREN.finditer(raw):
        inner = fold(match.group(1))
        first = inner.split(",")[0].strip()
        after = raw[match.end():]
        at_end = not after.strip() or re.match(r"[ \t]*\n", after) is not None \
            or _RANGE.fullmatch(fold(after)) is not None
        if is_acronym(first) and (at_end or _RANGE.search(inner)):
            aliases.append(first)
        elif inner[:1].isupper() and not is_acronym(first) and len(inner.split()) <= 10 \
                and not re.search(r"\d", inner):
            aliases.append(inner)
    aliases += [fold(quoted) for quoted in _QUOTED.findall(raw) if len(quoted.split()) <= 12]
    return [alias for alias in dict.fromkeys(aliases) if normalise_key(alias) != normalise_key(title)]


def _merge_duplicates(records: list[ProgrammeRecord]) -> list[ProgrammeRecord]:
    """An entry printed twice (same title, same countries) becomes one: the first, with the
    fields it lacks taken from the copy."""
    merged: list[ProgrammeRecord] = []
    seen: dict[tuple[str, tuple[str, ...]], int] = {}
    for record in records:
        key = (normalise_key(record.title), tuple(sorted(normalise_key(m.text) for m in record.countries)))
        if not record.title or key not in seen:
            if record.title:
                seen[key] = len(merged)
            merged.append(record)
            continue
        first = merged[seen[key]]
        missing = {f.name: getattr(record, f.name) for f in fields(first)
                   if not getattr(first, f.name) and getattr(record, f.name)}
        merged[seen[key]] = replace(first, **missing)
    return merged
