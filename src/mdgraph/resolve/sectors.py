"""Sectors of a programme from its GFMD thematic areas and tags, or else from its text.

The rules live in mappings/sectors.yaml: a table of labels (thematic areas and tags as
annexes write them) and weighted keyword expressions for titles and descriptions. Labels are
the annex author's own classification and count as given; keywords only add a sector when
several distinct cues, or one unmistakable phrase, say so, and a keyword sector gives way to
one it `yields` to (employment to labour mobility: the jobs of migrant workers abroad).
"""

from __future__ import annotations

import functools
import itertools
import re
import string
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mdgraph.errors import MappingError
from mdgraph.extract.text import fold, normalise_key, sentence_spans
from mdgraph.model import Evidence, Mention

__all__ = ["SectorResolver"]

_TOP_FIELDS = {"sectors", "spelling", "labels", "keywords", "threshold", "threshold_with_labels", "title_factor",
               "occurrence_cap", "relative", "yields"}
_NUMBERS = ("threshold", "threshold_with_labels", "title_factor", "occurrence_cap")
_FOOTNOTE = re.compile(r"«[^»]*»|^\d+(?=[A-Za-z])|\[\d+\]")


@dataclass(frozen=True)
class _Cue:
    """One keyword expression of a sector and what finding it is worth. `literals` are the
    texts (case folded as by `case_blind`) one of which any match starts with, or None when
    the expression gives none: a text without them is not searched."""

    sector: str
    pattern: re.Pattern[str]
    weight: int
    literals: tuple[str, ...] | None = None


class _CueIndex:
    """Where in a text each cue may match, found in one pass: a match of a cue starts where
    one of its literals does, at a word boundary (its expression opens with \\b). An
    expression finds, at each such offset, the longest literal starting there, and every
    literal that is a prefix of that one starts there too."""

    def __init__(self, cues: Sequence[_Cue]):
        literals = sorted({literal for cue in cues for literal in cue.literals or ()})
        holders = {literal: [number for number, cue in enumerate(cues) if literal in (cue.literals or ())]
                   for literal in literals}
        self._implied = {literal: frozenset(number for shorter in literals if literal.startswith(shorter)
                                            for number in holders[shorter]) for literal in literals}
        self._unfiltered = frozenset(number for number, cue in enumerate(cues) if cue.literals is None)
        self._finder = re.compile(rf"\b(?=({_longest_of(literals)}))") if literals else None

    def starts(self, case_blind_text: str) -> dict[int, list[int] | None]:
        """Cue number -> the offsets, in order, where one of its literals starts in
        `case_blind_text` (None for a cue with no literals: it may match anywhere)."""
        found: dict[int, list[int] | None] = dict.fromkeys(self._unfiltered)
        if self._finder is not None:
            for match in self._finder.finditer(case_blind_text):
                for number in self._implied[match.group(1)]:
                    found.setdefault(number, []).append(match.start())
        return found


def _matches(pattern: re.Pattern[str], text: str, starts: list[int] | None, limit: int) -> list[re.Match[str]]:
    """The first `limit` matches pattern.finditer(text) gives, trying only `starts` when known
    (a match at an offset is the one a search reaching it finds: \\b still sees the text before)."""
    if starts is None:
        return list(itertools.islice(pattern.finditer(text), limit))
    found: list[re.Match[str]] = []
    end = 0
    for start in starts:
        if start >= end and (match := pattern.match(text, start)):
            found.append(match)
            end = match.end()
            if len(found) == limit:
                break
    return found


def _longest_of(literals: Sequence[str]) -> str:
    """An expression matching the longest of `literals` that starts where it is tried: their
    trie, written out (the children of a node start with different characters, so at most one
    goes on; a literal ending at a node is taken only when no longer one matches)."""
    trie: dict[str, dict] = {}
    for literal in literals:
        node = trie
        for char in literal:
            node = node.setdefault(char, {})
        node[""] = {}

    def written(node: dict[str, dict]) -> str:
        branches = [re.escape(char) + written(child) for char, child in sorted(node.items()) if char]
        if not branches:
            return ""
        body = branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"
        return f"(?:{body})?" if "" in node else body

    return written(trie)


_METACHARACTERS = set("\\.^$*+?{}[]()|")
_QUANTIFIERS = set("*+?{")


def _syntax(expression: str) -> Iterator[tuple[int, str, int]]:
    """(offset, character, groups open before it) of each character of a regular expression
    that is neither escaped nor inside a character class."""
    depth, index = 0, 0
    while index < len(expression):
        char = expression[index]
        if char == "\\":
            index += 1
        elif char == "[":  # to the end of the class: "[]...]", "[^]...]" and "\]" hold no end
            index += 2 if expression[index + 1: index + 2] == "^" else 1
            index += expression[index: index + 1] == "]"
            while index < len(expression) and expression[index] != "]":
                index += 2 if expression[index] == "\\" else 1
        else:
            yield index, char, depth
            depth += (char == "(") - (char == ")")
        index += 1


def leading_literals(expression: str, open_groups: bool = False) -> tuple[str, ...] | None:
    """The literal text each top-level alternative of a regular expression starts with, in
    lower case ("health ?(professionals?|workers?)|public health" -> "health", "public
    health"); None when an alternative starts with no such text (a group, a class, an escape).
    With `open_groups`, an alternative opening with a group that cannot be skipped starts with
    the literals of the group's alternatives ("(nationals|citizens) abroad": both words)."""
    cuts = [index for index, char, depth in _syntax(expression) if char == "|" and depth == 0]
    literals: list[str] = []
    for start, end in zip([-1, *cuts], [*cuts, len(expression)]):
        alternative = expression[start + 1: end]
        run = ""
        for char in alternative:
            if char in _METACHARACTERS or not char.isascii():
                if char in _QUANTIFIERS:  # "remittances?": the last letter may be missing
                    run = run[:-1]
                break
            run += char
        if run:
            literals.append(run.lower())
            continue
        if not (open_groups and alternative.startswith("(") and not alternative.startswith("(?")):
            return None
        close = next((index for index, char, depth in _syntax(alternative) if char == ")" and depth == 1), None)
        inner = None if close is None or alternative[close + 1: close + 2] in _QUANTIFIERS \
            else leading_literals(alternative[1:close], open_groups)
        if inner is None:
            return None
        literals.extend(inner)
    return tuple(literals)


class _CaseBlind(dict):
    """A str.translate table giving each character the lower-case ASCII letter that it
    matches in an expression compiled with re.IGNORECASE ("K" and the Kelvin sign: "k"), or
    itself: a literal of `leading_literals` found in a text so translated is where a
    case-blind match could start. Only letters change, and into letters: the translated text
    has its word boundaries (\\b) where the text has them."""

    def __missing__(self, code: int) -> int:
        char = chr(code)
        folded = next((ord(letter) for letter in string.ascii_lowercase if _LETTERS[letter].fullmatch(char)),
                      code) if char.isalnum() else code
        self[code] = folded
        return folded


_LETTERS = {letter: re.compile(re.escape(letter), re.IGNORECASE) for letter in string.ascii_lowercase}
_CASE_BLIND = _CaseBlind()


def case_blind(text: str) -> str:
    return text.lower() if text.isascii() else text.translate(_CASE_BLIND)  # the same for ASCII, sooner


class SectorResolver:
    """Maps thematic areas, tags and text to sector notations, with their evidence."""

    def __init__(self, sectors: Sequence[str], spelling: dict[str, str], labels: dict[str, tuple[str, ...]],
                 cues: Sequence[_Cue], threshold: int, threshold_with_labels: int, title_factor: int,
                 occurrence_cap: int, relative: float, yields: dict[str, tuple[str, ...]] | None = None):
        self._sectors = tuple(sectors)
        self._spelling = spelling
        self._labels = {self._key(label): notations for label, notations in labels.items()}
        self._by_length = sorted(self._labels, key=lambda k: -len(k))
        self._cues = tuple(cues)
        self._threshold = threshold
        self._threshold_with_labels = threshold_with_labels
        self._title_factor = title_factor
        self._cap = occurrence_cap
        self._relative = relative
        self._yields = dict(yields or {})
        self._unmapped: dict[str, None] = {}

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> SectorResolver:
        """Reads mappings/sectors.yaml (see the file's header for its format)."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise MappingError(str(path), f"cannot read the sector file: {exc}") from exc
        except yaml.YAMLError as exc:
            raise MappingError(str(path), f"not valid YAML: {exc}") from exc
        return cls.from_data(data, str(path))

    @classmethod
    def from_data(cls, data: Any, source: str = "<sectors>") -> SectorResolver:
        """Builds the resolver from the parsed data file; `source` names it in errors."""
        if not isinstance(data, dict):
            raise MappingError(source, "expected a mapping at the top level")
        unknown = set(data) - _TOP_FIELDS
        if unknown:
            raise MappingError(source, f"unknown top-level keys {sorted(unknown)}")
        sectors = data.get("sectors")
        if not isinstance(sectors, list) or not sectors or not all(isinstance(s, str) for s in sectors):
            raise MappingError(source, "expected the list of sector notations", "sectors")
        known = set(sectors)
        spelling = data.get("spelling") or {}
        if not isinstance(spelling, dict) or not all(isinstance(k, str) and isinstance(v, str)
                                                     for k, v in spelling.items()):
            raise MappingError(source, "expected a mapping of word to word", "spelling")
        labels = data.get("labels") or {}
        if not isinstance(labels, dict):
            raise MappingError(source, "expected a mapping of label to a list of sectors", "labels")
        for label, notations in labels.items():
            _check_notations(notations, known, source, f"labels.{label}")
        cues = []
        keywords = data.get("keywords") or {}
        if not isinstance(keywords, dict):
            raise MappingError(source, "expected a mapping of sector to expressions", "keywords")
        for sector, rules in keywords.items():
            _check_notations([sector], known, source, f"keywords.{sector}")
            if not isinstance(rules, list):
                raise MappingError(source, "expected a list of {pattern, weight}", f"keywords.{sector}")
            for number, rule in enumerate(rules):
                where = f"keywords.{sector}[{number}]"
                if not (isinstance(rule, dict) and isinstance(rule.get("pattern"), str)
                        and isinstance(rule.get("weight"), int) and rule["weight"] > 0):
                    raise MappingError(source, "expected {pattern: regex, weight: positive integer}", where)
                try:
                    pattern = re.compile(rf"\b(?:{rule['pattern']})\b", re.IGNORECASE)
                except re.error as exc:
                    raise MappingError(source, f"not a valid regular expression: {exc}", where) from exc
                cues.append(_Cue(sector, pattern, rule["weight"], leading_literals(rule["pattern"], open_groups=True)))
        numbers: dict[str, Any] = {}
        for name in _NUMBERS:
            value = data.get(name)
            if not isinstance(value, int) or value < 1:
                raise MappingError(source, "expected a positive integer", name)
            numbers[name] = value
        relative = data.get("relative")
        if not isinstance(relative, (int, float)) or not 0 <= relative <= 1:
            raise MappingError(source, "expected a number from 0 to 1", "relative")
        yields = data.get("yields") or {}
        if not isinstance(yields, dict):
            raise MappingError(source, "expected a mapping of sector to a list of sectors", "yields")
        for sector, others in yields.items():
            _check_notations([sector], known, source, f"yields.{sector}")
            _check_notations(others, known, source, f"yields.{sector}")
        return cls(sectors, {normalise_key(k): normalise_key(v) for k, v in spelling.items()},
                   {str(k): tuple(v) for k, v in labels.items()}, cues, relative=float(relative),
                   yields={k: tuple(v) for k, v in yields.items()}, **numbers)

    @functools.cached_property
    def _index(self) -> _CueIndex:
        """The literals of the cues, indexed on first use."""
        return _CueIndex(self._cues)

    # -- public API ----------------------------------------------------------------------

    def resolve(self, thematic_areas: Sequence[Mention], tags: Sequence[Mention], title: str,
                description: str, description_evidence_line: int, *,
                title_evidence: Evidence | None = None) -> list[tuple[str, Evidence]]:
        """(notation, evidence) for each sector of a programme, each notation once.

        Thematic areas and tags map through the label table (evidence: the mention's own);
        title and description through the keywords (evidence: the title, or the sentence of
        the description holding the strongest cue, at `description_evidence_line`). Pass the
        title's own `title_evidence` when there is one, for its line.
        """
        found: dict[str, Evidence] = {}
        labelled = bool(thematic_areas or tags)
        for mention in (*thematic_areas, *tags):
            for notation in self._label_sectors(mention.text):
                found.setdefault(notation, mention.evidence)
        threshold = self._threshold_with_labels if labelled else self._threshold
        by_keywords = self._keyword_sectors(title, description, description_evidence_line, title_evidence, threshold)
        given = set(found) | {notation for notation, _ in by_keywords}
        for notation, evidence in by_keywords:
            if not set(self._yields.get(notation, ())) & given:
                found.setdefault(notation, evidence)
        return list(found.items())

    def unmapped(self) -> list[str]:
        """Thematic areas and tags seen so far that the label table does not know."""
        return list(self._unmapped)

    # -- labels ----------------------------------------------------------------------------

    def _key(self, text: str) -> str:
        words = normalise_key(_FOOTNOTE.sub(" ", fold(text))).split()
        return " ".join(self._spelling.get(w, w) for w in words if w != "the")

    def _label_sectors(self, text: str) -> tuple[str, ...]:
        key = self._key(text)
        if not key:
            return ()
        if key in self._labels:
            return self._labels[key]
        # not a label: labels run together by the PDF ("Remittances, Data and research")
        found: list[str] = []
        rest = f" {key} "
        for label in self._by_length:
            if f" {label} " in rest:
                rest = rest.replace(f" {label} ", " | ")
                found.extend(n for n in self._labels[label] if n not in found)
        if not found and set(rest.split()) - {"|", "and", "or"}:
            self._unmapped.setdefault(fold(text), None)
        return tuple(found)

    # -- keywords --------------------------------------------------------------------------

    def _keyword_sectors(self, title: str, description: str, line: int, title_evidence: Evidence | None,
                         threshold: int) -> list[tuple[str, Evidence]]:
        """Sectors whose cues weigh at least `threshold` and a `relative` share of the
        heaviest sector's: a long text names many sectors in passing, few again and again."""
        title, description = fold(title), fold(description)
        # a cue whose literals a text lacks cannot match it, and one matching neither text scores 0
        title_starts = self._index.starts(case_blind(title)) if title else {}
        description_starts = self._index.starts(case_blind(description)) if description else {}
        scores: dict[str, int] = {}
        supporting: dict[str, int] = {}         # what the cues of weight 1 add, once a stronger one is found
        best: dict[str, tuple[int, int]] = {}   # sector -> (score of its best cue, offset or -1 for the title)
        for number in sorted(title_starts.keys() | description_starts.keys()):
            cue = self._cues[number]
            in_title = number in title_starts and bool(_matches(cue.pattern, title, title_starts[number], 1))
            # the first hit and how many, up to the cap, are all that count
            hits = _matches(cue.pattern, description, description_starts[number], self._cap) \
                if number in description_starts else []
            score = cue.weight * (self._title_factor * in_title + bool(hits)) + max(0, min(len(hits), self._cap) - 1)
            if not score:
                continue
            if cue.weight == 1:
                supporting[cue.sector] = supporting.get(cue.sector, 0) + score
                continue
            scores[cue.sector] = scores.get(cue.sector, 0) + score
            if cue.sector not in best or score > best[cue.sector][0]:
                best[cue.sector] = (score, -1 if in_title else hits[0].start())
        for sector in scores:
            scores[sector] += supporting.get(sector, 0)
        if not scores:
            return []
        floor = max(threshold, self._relative * max(scores.values()))
        sentences: list[tuple[int, int]] | None = None  # found when a cue of the description is evidence
        result = []
        for sector in self._sectors:
            if scores.get(sector, 0) < floor:
                continue
            offset = best[sector][1]
            if offset < 0:
                evidence = title_evidence or Evidence(title, line)
            else:
                sentences = sentence_spans(description) if sentences is None else sentences
                start, end = next(((s, e) for s, e in sentences if s <= offset < e), (offset, len(description)))
                evidence = Evidence(description[start:end].strip(), line)
            result.append((sector, evidence))
        return result


def _check_notations(notations: Any, known: set[str], source: str, where: str) -> None:
    if not isinstance(notations, list):
        raise MappingError(source, "expected a list of sector notations", where)
    for notation in notations:
        if notation not in known:
            raise MappingError(source, f"{notation!r} is not a sector notation of `sectors`", where)
