"""The prose of a showcase report around a project's blocks: which lines tell each
project's story, and what they add to the block (joint implementers, partners, aliases,
countries where the project runs, the description). Pure functions, no I/O."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from mdgraph.extract.names import is_generic_name
from mdgraph.extract.prose import (
    FUNDER, IMPLEMENTER, PARTNER, Passage, acronym_fits, add_mention, defined_acronyms, is_heading, is_noise_line,
    passage_sentences, roles_in_sentence,
)
from mdgraph.extract.text import find_countries, fold, normalise_key
from mdgraph.model import Evidence, Mention

__all__ = ["SheetProject", "is_iom", "name_generic_project", "narrative_regions", "read_project_prose"]

_IOM = re.compile(r"^(?:IOM|International\s+Organi[sz]ation\s+for\s+Migration)\b")
_FOLLOWING_LIST = re.compile(r"\bfollowing\s+(?:\w+\s+){0,4}(?:[Pp]artners|organi[sz]ations|NGOs|"
                             r"enterprises)\s*:")
_FIELD_LINE = re.compile(r"^\s*[A-Z][\w ()/-]{1,40}:")
_DESCRIPTION_LIMIT = 2000
#: A programme's name: capitalised words ending in a programme word.
_OTHER_PROGRAMME = re.compile(r"\b(?:[A-Z][\w’'*-]*\s+(?:(?:of|for|on|and|in|the)\s+)*){1,8}"
                             r"(?:Programme|Program|Project|Initiative|Profile|Facility|Partnership|Scheme)\b")
_PROGRAMME_WORDS = {"the", "programme", "program", "project", "initiative", "scheme", "facility", "partnership"}
#: "implemented in", "operating across": the places that follow are where the project runs.
_RUNS_IN = re.compile(r"\b(?:implemented|operating|operates|piloted|carried\s+out|active|running|runs)\s+"
                      r"(?:\w+\s+){0,2}(?:in|across)\s+")


@dataclass
class SheetProject:
    """A project as its blocks give it, completed from its prose."""

    title: str = ""
    title_evidence: Evidence | None = None
    aliases: list[str] = field(default_factory=list)
    countries: list[Mention] = field(default_factory=list)
    units: list[Mention] = field(default_factory=list)
    implementers: list[Mention] = field(default_factory=list)
    funders: list[Mention] = field(default_factory=list)
    partners: list[Mention] = field(default_factory=list)
    start: str | None = None
    end: str | None = None
    timeframe: Evidence | None = None
    has_donor_field: bool = False


def is_iom(name: str) -> bool:
    """"IOM", "IOM Kyiv, Ukraine", "International Organisation for Migration"."""
    return bool(_IOM.match(name))


def _mentions_project(sentence: str, project: SheetProject) -> bool:
    lowered = sentence.lower()
    names = [project.title, *project.aliases]
    return any(n.lower() in lowered for n in names if n) or bool(
        re.search(r"\b(?:the|this)\s+(?:project|programme|program|initiative|action)\b", lowered))


def read_project_prose(project: SheetProject, passage: Passage, lines: Sequence[str],
                       block_lines: set[int]) -> str:
    """Joint implementers, partners, aliases and countries named in the project's prose;
    returns the description (the prose without the sentences about other programmes)."""
    kept: list[str] = []
    for start, end in passage_sentences(passage):
        sentence = passage.text[start:end]
        _aliases_in(project, sentence)
        if _about_another_programme(sentence, project):
            continue
        kept.append(sentence)
        for role, name, offset, clause in roles_in_sentence(sentence):
            if is_iom(name) or _names_project(project, name) or clause and not _may_name_project(project, clause):
                continue
            evidence = passage.evidence(start, end, start + offset)
            if role == IMPLEMENTER:
                add_mention(project.implementers, name, evidence)
            elif role == PARTNER:
                add_mention(project.partners, name, evidence)
            elif role == FUNDER and not project.has_donor_field:
                add_mention(project.funders, name, evidence)
        if _mentions_project(sentence, project):
            for cue in _RUNS_IN.finditer(sentence):
                for name, _ in find_countries(sentence[cue.end(): cue.end() + 120]):
                    add_mention(project.countries, name, passage.evidence(start, end, start + cue.start()))
    for name, evidence in _following_list(passage, lines, block_lines):
        add_mention(project.partners, name, evidence)
    return " ".join(kept)[:_DESCRIPTION_LIMIT]


def _about_another_programme(sentence: str, project: SheetProject) -> bool:
    """ "... the Extended Migration Profile in Albania developed by the Government ...": a
    sentence naming another programme, and not this one, tells nothing of this one."""
    return not _mentions_project(sentence, project) and any(
        not _may_name_project(project, match.group(0)) for match in _OTHER_PROGRAMME.finditer(sentence))


def _names_project(project: SheetProject, name: str) -> bool:
    key = normalise_key(name)
    return any(key == normalise_key(n) for n in (project.title, *project.aliases))


def _may_name_project(project: SheetProject, name: str) -> bool:
    """ "The Regional Programme" may name the "Regional Programme on Labour Migration ...",
    "The DEED Project" the "Diaspora Engagement for Economic Development (DEED) in Kosovo*":
    every word but the programme words is a word of the title or an alias."""
    words = set(normalise_key(" ".join((project.title, *project.aliases))).split())
    return set(normalise_key(name).split()) - _PROGRAMME_WORDS <= words


def _aliases_in(project: SheetProject, sentence: str) -> None:
    """Acronyms the prose defines or uses for the project: "The Regional Migration
    Programme (RMP)", "the EU-BK Programme" (initials of "EU-Beautiful Kosovo*")."""
    names = [_without_article(n) for n in (project.title, *project.aliases)]
    for name, acronym, offset in defined_acronyms(sentence):
        closes_name = not re.match(r"\s*\(\s*" + re.escape(acronym) + r"\s*\)\s+[A-Z]",
                                   sentence[offset + len(name):])
        key = _without_article(name)
        if closes_name and any(n.startswith(key) for n in names) and acronym not in project.aliases:
            project.aliases.append(acronym)
    for token in sorted(set(re.findall(r"\b[A-Z][A-Z0-9]+(?:-[A-Z0-9]+)+\b", sentence))):
        if token not in project.aliases and acronym_fits(token, project.title):
            project.aliases.append(token)


def _without_article(name: str) -> str:
    return re.sub(r"^the\s+", "", normalise_key(name))


def _following_list(passage: Passage, lines: Sequence[str],
                    block_lines: set[int]) -> list[tuple[str, Evidence]]:
    """Names listed one per line after "the following five ... Partners:", each followed by
    a line or two describing it."""
    found: list[tuple[str, Evidence]] = []
    for cue in _FOLLOWING_LIST.finditer(passage.text):
        index = passage.line_of(cue.end() - 1)  # the cue's 1-based line: the 0-based index of the next
        pending: list[tuple[int, str]] = []
        while index < len(lines) and index + 1 not in block_lines and len(found) < 20:
            line = fold(lines[index])
            index += 1
            if not line or is_noise_line(line):
                continue
            if is_heading(line) or _FIELD_LINE.match(line):
                break
            if len(line.split()) <= 5 and line[:1].isupper() and not line.endswith((".", ",", ";", ":")):
                pending.append((index, line))
                continue
            if pending:
                name = " ".join(text for _, text in pending)
                if not is_generic_name(name):
                    found.append((name, Evidence(name, pending[0][0])))
                pending = []
    return found


def name_generic_project(project: SheetProject, passage: Passage) -> None:
    """A block titled "Various": the first "Name (ACRONYM)" the prose defines names it."""
    for name, acronym, offset in defined_acronyms(passage.text):
        project.aliases = [acronym, *project.aliases]
        project.title = name
        project.title_evidence = passage.evidence(offset, offset + len(name))
        return


_SECTION_NUMBER = re.compile(r"^\s*(?:[A-Z&][A-Z&\s-]*\s)?\d\.\d(?:\s+[A-Z&][A-Z&\s-]*)?\s*$")
_LOOK_AROUND = 100  # non-empty lines of prose a project may take before or after its blocks


def narrative_regions(lines: Sequence[str], blocks: list[tuple[tuple[str, ...], int, int]],
                      keywords: dict[tuple[str, ...], set[str]]) -> dict[tuple[str, ...], list[int]]:
    """The document lines that tell each project's story.

    `blocks` are (project key, first line, last line) in document order. The prose between
    the blocks of two projects is cut at a numbered section heading ("1.2") when there is
    one, else where the words of one project give way to the words of the other, preferring
    a heading line; no project takes more than _LOOK_AROUND lines on either side."""
    runs: list[list] = []
    for key, first, last in blocks:
        if runs and runs[-1][0] == key:
            runs[-1][2] = last
        else:
            runs.append([key, first, last])
    regions: dict[tuple[str, ...], list[int]] = {}
    for key, first, last in runs:
        regions.setdefault(key, []).extend(range(first, last + 1))
    for index in range(len(runs) + 1):
        before = runs[index - 1] if index > 0 else None
        after = runs[index] if index < len(runs) else None
        low = before[2] + 1 if before else 1
        high = after[1] - 1 if after else len(lines)
        gap = [n for n in range(low, high + 1) if lines[n - 1].strip()]
        walls = [k for k, n in enumerate(gap) if _SECTION_NUMBER.match(lines[n - 1])]
        if walls:
            first_part, second_part = gap[: walls[0]], gap[walls[-1] + 1:]
        elif before and after:
            words_a, words_b = keywords[before[0]], keywords[after[0]]
            cut = _change_point(lines, gap, words_a - words_b, words_b - words_a)
            first_part, second_part = gap[:cut], gap[cut:]
        else:
            first_part, second_part = gap, gap
        if before:
            regions[before[0]].extend(first_part[:_LOOK_AROUND])
        if after:
            regions[after[0]].extend(second_part[-_LOOK_AROUND:])
    return {key: sorted(set(numbers)) for key, numbers in regions.items()}


def _change_point(lines: Sequence[str], gap: list[int], words_a: set[str], words_b: set[str]) -> int:
    """Where in `gap` the prose stops being about A and starts being about B."""
    best, total, candidates = 0, 0, [0]
    for k, number in enumerate(gap):
        words = set(normalise_key(lines[number - 1]).split())
        total += len(words & words_a) - len(words & words_b)
        if total > best:
            best, candidates = total, [k + 1]
        elif total == best:
            candidates.append(k + 1)
    headings = [k for k in candidates if k < len(gap) and is_heading(lines[gap[k] - 1])]
    if headings:
        return headings[-1]
    return candidates[len(candidates) // 2]
