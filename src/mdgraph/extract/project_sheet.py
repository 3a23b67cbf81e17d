"""IOM project sheets: "Project Title / Mission / Donor / Timeframe" blocks and the
narrative pages around them (family model.PROJECT_SHEET).

A showcase report prints a block for each project, often once per page of the project, and
tells the project's story in the prose around it. The block gives the title, the IOM
offices (units, countries, IOM as implementer), the donors and the dates; the prose gives
joint implementers, partners, aliases and the description the sector resolver reads.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mdgraph.extract.dates import parse_timeframe_field
from mdgraph.extract.names import is_generic_name, join_qualified_names, organisation_list
from mdgraph.extract.prose import add_mention, is_heading, make_passage, vocabulary
from mdgraph.extract.sheet_prose import (
    SheetProject, is_iom, name_generic_project, narrative_regions, read_project_prose,
)
from mdgraph.extract.text import find_countries, fold, is_country, normalise_key
from mdgraph.model import PROJECT_SHEET, Evidence, Mention, ProgrammeRecord

__all__ = ["block_lines", "extract_project_sheets", "looks_like_project_sheets"]

TITLE, MISSION, DONOR, PARTNERS, TIMEFRAME, COUNTRY, OTHER = (
    "title", "mission", "donor", "partners", "timeframe", "country", "other")

_LABELS = (
    (TITLE, r"project\s+title|title\s+of\s+(?:the\s+)?project|project\s+name|title"),
    (PARTNERS, r"partner\(s\)\s*/\s*funder\(s\)|partners?\s*/\s*funders?|(?:implementing\s+)?partner\(s\)|"
               r"(?:implementing\s+)?partners?"),
    (DONOR, r"co-?\s?funder\(s\)|co-?\s?funders?|funder\(s\)|funders?|donor\(s\)|donors?|funded\s+by|"
            r"funding(?:\s+source)?|financing"),
    (MISSION, r"mission\(s\)|(?:iom\s+)?missions?|implementing\s+(?:office|mission)s?|(?:iom\s+)?offices?"),
    (TIMEFRAME, r"time\s*frame|duration|(?:implementation\s+)?period"),
    (COUNTRY, r"countr(?:y|ies)(?:\s+covered)?|country\(ies\)|target\s+countr(?:y|ies)|locations?"),
    (OTHER, r"(?:total\s+)?budget|sectors?|sector\(s\)|thematic\s+areas?|beneficiar(?:y|ies)|project\s+code|"
            r"contact|website|web\s+links?"),  # fields a block may hold that no record field takes
)
_LABEL = re.compile(
    r"^\s*(?P<label>" + "|".join(f"(?P<{name}>{pattern})" for name, pattern in _LABELS) + r")"
    r"(?:\s*:\s*|\s{2,}|\t)(?P<value>.*)$",
    re.IGNORECASE,
)
_INLINE_LABEL = re.compile(
    r"(?<=\S)\s+(?=(?:" + "|".join(pattern for name, pattern in _LABELS if name != TITLE) + r")\s*:)",
    re.IGNORECASE)
#: Block fields a title must be followed by for the block to be a project sheet.
_SHEET_FIELDS = {MISSION, DONOR, TIMEFRAME}
_MAX_FIELD_LINES = 5
_CONTINUES = re.compile(r"(?:[,;:&/–—-]|\b(?:and|of|for|the|in|on|to|with|from|through|by|at|an?))\s*$",
                        re.IGNORECASE)
_GENERIC_TITLE = re.compile(r"^(?:(?:various|multiple|several|different|n/?a|tbd|none)"
                            r"(?:\s+(?:projects?|programmes?|programs?|initiatives?))?)?$", re.IGNORECASE)
_GENERIC_FUNDER = re.compile(r"^\s*(?:multiple|various|several|other|many|different|private|individual|"
                             r"n/?a|none|tbd|tbc|unknown|not\s+(?:known|available|applicable))\b"
                             r"(?!\s+[A-Z])", re.IGNORECASE)
_SUPPORT_SPLIT = re.compile(r"\s+with\s+(?:seed\s+|co-?)?(?:funding|financing|support)\s+(?:from|of)\s+|"
                            r"\s+(?:and\s+)?co-?(?:funded|financed)\s+by\s+|\s*;\s*", re.IGNORECASE)
_FUNDER_MARK = re.compile(r"\b(?:funded|financed|sponsored)\s+by\s+|\bwith\s+(?:the\s+)?(?:financial\s+)?"
                          r"support\s+(?:of|from)\s+", re.IGNORECASE)
_AGENCY = re.compile(r"\b(?:Department|Ministry|Agency|Office|Bureau|Directorate|Service|Fund)\b")
_IOM_NAME = "International Organization for Migration"
_PARENTHESIS = re.compile(r"\(([^()]+)\)")


@dataclass
class _Field:
    kind: str
    label: str
    lines: list[tuple[int, str]] = field(default_factory=list)

    @functools.cached_property
    def value(self) -> str:
        """The folded value; read once the block is complete, then kept."""
        return make_passage(self.lines, skip_noise=False).text

    def evidence(self) -> Evidence:
        return Evidence(fold(f"{self.label}: {self.value}"), self.lines[0][0])


@dataclass
class _Block:
    fields: list[_Field]
    line_numbers: set[int]

    def get(self, kind: str) -> list[_Field]:
        return [f for f in self.fields if f.kind == kind]

    @property
    def title(self) -> _Field:
        return self.fields[0]


@functools.lru_cache(maxsize=1 << 14)
def _label(line: str) -> tuple[str, str, str] | None:
    """(kind, label, value) of a labelled line (cached: each line is looked at several times)."""
    match = _LABEL.match(line)
    if not match:
        return None
    kind = next(name for name, _ in _LABELS if match.group(name))
    if ":" not in line[: match.start("value")] and (kind == TITLE or " " not in match.group("label")):
        return None  # without a colon only a two-word label ("Implementing partners   ...") counts
    return kind, fold(match.group("label")), match.group("value")


_Row = tuple[int, str]  # (1-based document line, text)


def _rows(text: str) -> list[_Row]:
    """The document's lines; a line holding several labelled fields ("Mission: IOM Kyiv,
    Ukraine Donor: IOM Development Fund") becomes one row per field."""
    rows: list[_Row] = []
    for number, line in enumerate(text.split("\n"), 1):
        if _label(line):
            cuts = [m.start() for m in _INLINE_LABEL.finditer(line)]
            pieces = [line[a:b] for a, b in zip([0, *cuts], [*cuts, len(line)])]
            rows += [(number, piece) for piece in pieces if piece.strip()]
        else:
            rows.append((number, line))
    return rows


def _next_rows(rows: Sequence[_Row], index: int, count: int) -> list[int]:
    found = []
    while index < len(rows) and len(found) < count:
        if rows[index][1].strip():
            found.append(index)
        index += 1
    return found


def _continues(field_: _Field, rows: Sequence[_Row], index: int) -> bool:
    """Whether row `index` carries on the value of `field_` (wrapped titles, donor lists)."""
    line = rows[index][1]
    if _label(line) or is_heading(line) or len(field_.lines) >= _MAX_FIELD_LINES:
        return False
    previous = field_.lines[-1][1].rstrip()
    stripped = line.strip()
    if not previous.strip() or line[:2].isspace() or _CONTINUES.search(previous) \
            or stripped[:1].islower() or stripped[:1] == "(":
        return True
    if field_.kind == TIMEFRAME:
        return False
    upcoming = [_label(rows[k][1]) for k in _next_rows(rows, index + 1, 2)]
    return any(item and item[0] != TITLE for item in upcoming)


def _block_at(rows: Sequence[_Row], index: int) -> tuple[_Block | None, int]:
    """The block whose title label is on row `index`, and the row after it."""
    kind, label, value = _label(rows[index][1]) or ("", "", "")
    fields = [_Field(kind, label, [(rows[index][0], value)])]
    numbers = {rows[index][0]}
    position = index + 1
    while position < len(rows):
        number, line = rows[position]
        if not line.strip():
            position += 1
            continue
        found = _label(line)
        if found and found[0] != TITLE:
            fields.append(_Field(found[0], found[1], [(number, found[2])]))
        elif not found and _continues(fields[-1], rows, position):
            fields[-1].lines.append((number, line))
        else:
            break
        numbers.add(number)
        position += 1
    kinds = {f.kind for f in fields[1:]}
    if not _SHEET_FIELDS & kinds or (label.lower() == "title" and MISSION not in kinds):
        return None, index + 1  # a bare "Title:" is an annex entry's unless a Mission follows
    return _Block(fields, numbers), position


@functools.lru_cache(maxsize=2)
def _blocks(text: str) -> tuple[_Block, ...]:
    """The document's project blocks (cached: the family test, the extractor and the
    narrative extractor all ask for them)."""
    rows = _rows(text)
    blocks, index = [], 0
    while index < len(rows):
        found = _label(rows[index][1])
        if found and found[0] == TITLE:
            block, index = _block_at(rows, index)
            if block:
                blocks.append(block)
        else:
            index += 1
    return tuple(blocks)


def looks_like_project_sheets(text: str) -> bool:
    """True when the text holds at least one project block (title followed by mission,
    donor or timeframe)."""
    return bool(_blocks(text))


# --------------------------------------------------------------------------- field values

def _mission(field_: _Field) -> tuple[list[Mention], list[Mention]]:
    """(units, countries) of a Mission field: "IOM Bishkek, Kyrgyzstan; IOM Belgrade, Serbia",
    "IOM El Salvador", or a plain list of countries."""
    evidence = field_.evidence()
    units: list[Mention] = []
    countries: list[Mention] = []
    parts = re.split(r"\s*;\s*|,?\s+and\s+(?=IOM\b)|,\s*(?=IOM\b)", field_.value)
    for part in (p.strip(" .,;") for p in parts):
        if not part:
            continue
        if is_iom(part):
            units.append(Mention(part, evidence))
            places = find_countries(part)
            if places:
                countries.append(Mention(places[-1][0], evidence))
        else:
            countries += [Mention(name, evidence) for name, _ in find_countries(part)]
    return units, countries


def _organisations(value: str) -> list[str]:
    """The organisations of a Donor or Partner value, one per organisation: "United Kingdom,
    Department for International Development (DFID)" is one; "The European Union, BP
    (co-funder)" two; "Multiple donors through seed funding" none."""
    names: list[str] = []
    for segment in _SUPPORT_SPLIT.split(value):
        if not segment.strip() or _GENERIC_FUNDER.match(segment):
            continue
        listed = join_qualified_names([name for name, _ in organisation_list(segment)])
        names += [name for name in listed if not is_generic_name(name)]
    return list(dict.fromkeys(names))


def _split_partner_field(value: str) -> tuple[list[str], list[str]]:
    """(partners, funders) of a Partner(s) value; "funded by" / "with support of" mark funders."""
    marker = _FUNDER_MARK.search(value)
    if not marker:
        return _organisations(value), []
    return _organisations(value[: marker.start()]), _organisations(value[marker.end():])


def _title_aliases(title: str) -> list[str]:
    """"(DEED)", "(MSMEs Grants Programme)", "(The Diversity Initiative)"; and the title
    without its closing bracket."""
    aliases = []
    for inner in _PARENTHESIS.findall(title):
        inner = inner.strip()
        if is_country(inner) or re.fullmatch(r"[\d\s–—-]+", inner) or not inner[:1].isupper():
            continue
        aliases.append(inner)
    closing = re.search(r"\s*\(([^()]+)\)\s*$", title)
    if closing and closing.group(1) in aliases:
        aliases.append(title[: closing.start()].strip())
    return aliases


# --------------------------------------------------------------------------- the project

def _project_key(block: _Block, keys: list[tuple[str, ...]]) -> tuple[str, ...]:
    """Blocks of one project share their title and timeframe; a block without a timeframe
    (cut by a page) joins the first project of its title."""
    title = normalise_key(block.title.value)
    timeframe = [f.value for f in block.get(TIMEFRAME)]
    if not timeframe:
        return next((key for key in keys if key[0] == title), (title, "", ""))
    return title, *(date or "" for date in parse_timeframe_field(timeframe[0]))


def _from_blocks(project: SheetProject, blocks: list[_Block]) -> None:
    """Fields of the project's blocks, the first block that has a field giving it."""
    first = blocks[0].title
    project.title = first.value
    project.title_evidence = Evidence(first.value, first.lines[0][0])
    project.aliases = _title_aliases(first.value)
    for block in blocks:
        for field_ in block.get(MISSION):
            units, countries = _mission(field_)
            for mention in units:
                add_mention(project.units, mention.text, mention.evidence)
            for mention in countries:
                add_mention(project.countries, mention.text, mention.evidence)
            add_mention(project.implementers, _IOM_NAME, field_.evidence())
        for field_ in block.get(COUNTRY):
            for name, _ in find_countries(field_.value):
                add_mention(project.countries, name, field_.evidence())
        for field_ in block.get(DONOR):
            for name in _organisations(field_.value):
                add_mention(project.funders, name, field_.evidence())
        for field_ in block.get(PARTNERS):
            partners, funders = _split_partner_field(field_.value)
            for name in partners:
                add_mention(project.partners, name, field_.evidence())
            for name in funders:
                add_mention(project.funders, name, field_.evidence())
        for field_ in block.get(TIMEFRAME):
            if project.timeframe is None:
                project.start, project.end = parse_timeframe_field(field_.value)
                project.timeframe = field_.evidence()
    for name, _ in find_countries(project.title):
        add_mention(project.countries, name, project.title_evidence)
    for cue in re.finditer(r"\b(?:for|with|to)\s+the\s+", project.title):
        for name, _ in organisation_list(project.title[cue.end():]):
            if _AGENCY.search(name) or name.startswith("Government"):
                add_mention(project.partners, name, project.title_evidence)


def extract_project_sheets(document: str, text: str) -> list[ProgrammeRecord]:
    """One record per project of the document's project blocks (repeated blocks collapsed),
    completed from the prose around them."""
    lines = text.split("\n")
    words = vocabulary(text)
    grouped: dict[tuple[str, ...], list[_Block]] = {}
    order: list[tuple[str, ...]] = []
    sequence: list[tuple[tuple[str, ...], _Block]] = []
    for block in _blocks(text):
        key = _project_key(block, order)
        if key not in grouped:
            grouped[key] = []
            order.append(key)
        grouped[key].append(block)
        sequence.append((key, block))
    block_lines = {n for _, block in sequence for n in block.line_numbers}
    regions = narrative_regions(lines, [(key, min(b.line_numbers), max(b.line_numbers)) for key, b in sequence],
                                {key: _keywords(grouped[key]) for key in order})
    records = []
    for key in order:
        project = SheetProject(has_donor_field=any(b.get(DONOR) for b in grouped[key]))
        _from_blocks(project, grouped[key])
        numbered = [(n, lines[n - 1]) for n in regions.get(key, []) if n not in block_lines]
        passage = make_passage(numbered, words=words)
        if _GENERIC_TITLE.match(project.title):
            name_generic_project(project, passage)
        description = read_project_prose(project, passage, lines, block_lines)
        records.append(_record(document, project, description, numbered[0][0] if numbered else 0))
    return records


def _keywords(blocks: list[_Block]) -> set[str]:
    """Words that point at this project in the prose: title words, acronyms, mission cities."""
    words: set[str] = set()
    for block in blocks:
        title = block.title.value
        words |= {w for w in normalise_key(title).split() if len(w) > 3}
        words |= {normalise_key(a) for a in _title_aliases(title) if " " not in a}
        for field_ in block.get(MISSION):
            words |= {w for w in normalise_key(field_.value).split() if len(w) > 3}
    return words - {"with", "from", "through", "into", "among", "including"}


def _record(document: str, project: SheetProject, description: str, description_line: int) -> ProgrammeRecord:
    aliases = [a for a in dict.fromkeys(project.aliases) if normalise_key(a) != normalise_key(project.title)]
    assert project.title_evidence is not None
    return ProgrammeRecord(
        document=document,
        family=PROJECT_SHEET,
        title=fold(project.title),
        evidence=project.title_evidence,
        aliases=tuple(aliases),
        countries=tuple(project.countries),
        implementers=tuple(project.implementers),
        funders=tuple(project.funders),
        partners=tuple(project.partners),
        units=tuple(project.units),
        start=project.start,
        end=project.end,
        timeframe=project.timeframe,
        description=description,
        description_line=description_line,
    )


def block_lines(text: str) -> set[int]:
    """The 1-based lines of the document's project blocks (labels and their values)."""
    return {n for block in _blocks(text) for n in block.line_numbers}
