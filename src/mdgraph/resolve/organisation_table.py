"""The alias table of mappings/organisations.yaml, read and checked: the organisations it
names (Entry), the vocabulary of the general rules (Rules), how names are compared
(NameKeys) and the names it gives (TableNames). A malformed table is a MappingError naming
the file and the entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from mdgraph.errors import MappingError
from mdgraph.extract.text import normalise_key

from .countries import CountryResolver

_KEY = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ENTRY_FIELDS = {"key", "label", "alt_labels", "kind", "country", "parent", "field_offices"}
_TOP_FIELDS = {"kinds", "spelling", "role_notes", "leading_phrases", "leading_articles", "connectors", "not_organisations",
               "government_words", "government_alone", "national_bodies", "office_words", "unit_words", "kind_hints",
               "organisations"}
_FOLDED_KEPT = 1 << 16  # comparison keys kept for reuse
_BODY_FIELDS = {"ministry_words", "foreign_words", "academic_words", "bodies", "synonyms", "vocabulary"}

@dataclass(frozen=True)
class Entry:
    key: str
    label: str
    alt_labels: tuple[str, ...]
    kind: str
    country: str | None
    parent: str | None
    field_offices: bool


@dataclass(frozen=True)
class Rules:
    """The vocabulary of the general rules, from the data file."""

    spelling: dict[str, str]
    role_notes: frozenset[str]
    leading: re.Pattern[str] | None
    articles: re.Pattern[str] | None
    connectors: re.Pattern[str] | None
    not_organisations: tuple[re.Pattern[str], ...]
    government_words: tuple[str, ...]
    government_alone: frozenset[str]
    ministry_words: frozenset[str]
    foreign_words: frozenset[str]
    office_words: frozenset[str]
    unit_words: re.Pattern[str] | None
    academic_words: frozenset[str]
    bodies: frozenset[str]
    synonyms: tuple[tuple[str, str], ...]
    vocabulary: frozenset[str]
    kind_hints: tuple[tuple[re.Pattern[str], str], ...]


def read_table(path: str | Path) -> Any:
    try:
        return yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise MappingError(str(path), f"cannot read the organisation file: {exc}") from exc
    except yaml.YAMLError as exc:
        raise MappingError(str(path), f"not valid YAML: {exc}") from exc


def _strings(value: Any, source: str, where: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise MappingError(source, "expected a list of non-empty strings", where)
    return value


def _pattern(text: str, source: str, where: str) -> re.Pattern[str]:
    try:
        return re.compile(text)
    except re.error as exc:
        raise MappingError(source, f"not a valid regular expression: {exc}", where) from exc


def alternatives(phrases: list[str], template: str) -> re.Pattern[str] | None:
    """One case-blind expression matching any of `phrases` (longest first) inside `template`."""
    if not phrases:
        return None
    alternatives = "|".join(re.escape(p).replace(r"\ ", r"\s+") for p in sorted(phrases, key=len, reverse=True))
    return re.compile(template.replace("ALTERNATIVES", alternatives), re.IGNORECASE)


def _mapping(value: Any, source: str, where: str) -> dict[str, str]:
    value = value or {}
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise MappingError(source, "expected a mapping of words to words", where)
    return {normalise_key(k): normalise_key(v) for k, v in value.items()}


def load_rules(data: Any, source: str) -> tuple[Rules, frozenset[str]]:
    if not isinstance(data, dict):
        raise MappingError(source, "expected a mapping at the top level")
    unknown = set(data) - _TOP_FIELDS
    if unknown:
        raise MappingError(source, f"unknown top-level keys {sorted(unknown)}")
    kinds = frozenset(_strings(data.get("kinds"), source, "kinds"))
    if not kinds:
        raise MappingError(source, "the list of organisation kinds is missing", "kinds")
    bodies = data.get("national_bodies") or {}
    if not isinstance(bodies, dict) or set(bodies) - _BODY_FIELDS:
        raise MappingError(source, f"expected a mapping with keys {sorted(_BODY_FIELDS)}", "national_bodies")

    def words(field: str, within: dict[str, Any] = data, prefix: str = "") -> list[str]:
        return _strings(within.get(field), source, prefix + field)

    def folded(field: str, within: dict[str, Any] = data, prefix: str = "") -> frozenset[str]:
        return frozenset(normalise_key(w) for w in words(field, within, prefix))

    hints = []
    for number, hint in enumerate(data.get("kind_hints") or []):
        where = f"kind_hints[{number}]"
        if not isinstance(hint, dict) or not isinstance(hint.get("pattern"), str) or hint.get("kind") not in kinds:
            raise MappingError(source, "expected {pattern: regex, kind: one of kinds}", where)
        hints.append((_pattern(hint["pattern"], source, where), hint["kind"]))
    rules = Rules(
        spelling=_mapping(data.get("spelling"), source, "spelling"),
        role_notes=folded("role_notes"),
        leading=alternatives(words("leading_phrases"), r"^(?:ALTERNATIVES)\s+"),
        articles=alternatives(words("leading_articles"), r"^(?:ALTERNATIVES)\s+"),
        connectors=alternatives(words("connectors"), r"(?:^|\s)(?:ALTERNATIVES)(?:\s|$)"),
        not_organisations=tuple(_pattern(p, source, f"not_organisations[{n}]")
                                for n, p in enumerate(words("not_organisations"))),
        government_words=tuple(words("government_words")),
        government_alone=folded("government_alone"),
        office_words=folded("office_words"),
        unit_words=alternatives(words("unit_words"), r"^(?:ALTERNATIVES)\b"),
        ministry_words=folded("ministry_words", bodies, "national_bodies."),
        foreign_words=folded("foreign_words", bodies, "national_bodies."),
        academic_words=folded("academic_words", bodies, "national_bodies."),
        bodies=folded("bodies", bodies, "national_bodies."),
        synonyms=tuple(_mapping(bodies.get("synonyms"), source, "national_bodies.synonyms").items()),
        vocabulary=folded("vocabulary", bodies, "national_bodies."),
        kind_hints=tuple(hints),
    )
    return rules, kinds


def load_entries(rows: Any, kinds: frozenset[str], countries: CountryResolver, source: str) -> list[Entry]:
    if not isinstance(rows, list):
        raise MappingError(source, "expected a list of organisations", "organisations")
    entries: list[Entry] = []
    keys: set[str] = set()
    for number, row in enumerate(rows):
        where = f"organisations[{number}]"
        if not isinstance(row, dict):
            raise MappingError(source, "expected a mapping", where)
        key = row.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise MappingError(source, f"key {key!r} is not a lower-case slug", f"{where}.key")
        where = f"organisations.{key}"
        if key in keys:
            raise MappingError(source, "the key is used twice", where)
        keys.add(key)
        unknown = set(row) - _ENTRY_FIELDS
        if unknown:
            raise MappingError(source, f"unknown fields {sorted(unknown)}", where)
        label = row.get("label")
        if not isinstance(label, str) or not label.strip():
            raise MappingError(source, "a non-empty label is required", f"{where}.label")
        if row.get("kind") not in kinds:
            raise MappingError(source, f"kind {row.get('kind')!r} is not one of {sorted(kinds)}", f"{where}.kind")
        country = row.get("country")
        if country is not None:
            try:
                countries.get(str(country))
            except KeyError:
                raise MappingError(source, f"unknown country code {country!r}", f"{where}.country") from None
        if not isinstance(row.get("field_offices", False), bool):
            raise MappingError(source, "expected true or false", f"{where}.field_offices")
        entries.append(Entry(key, label.strip(), tuple(_strings(row.get("alt_labels"), source, f"{where}.alt_labels")),
                              row["kind"], str(country).upper() if country else None, row.get("parent"),
                              bool(row.get("field_offices", False))))
    for entry in entries:
        if entry.parent is not None and entry.parent not in keys:
            raise MappingError(source, f"parent {entry.parent!r} is not a key of the table",
                               f"organisations.{entry.key}.parent")
    return entries


class NameKeys:
    """Comparison keys of organisation names: `plain` is normalise_key with the table's
    spellings folded ("labor" = "labour"), `fold` the same without the word "the"."""

    def __init__(self, spelling: dict[str, str]):
        self._spelling = dict(spelling)
        self._pattern = alternatives(list(spelling), r"\b(ALTERNATIVES)\b")
        self._folded: dict[str, str] = {}  # the same names are folded again and again

    def plain(self, text: str) -> str:
        plain = normalise_key(text)
        if self._pattern is not None:
            plain = self._pattern.sub(lambda m: self._spelling[m.group(1)], plain)
        return plain

    def fold(self, text: str) -> str:
        folded = self._folded.get(text)
        if folded is None:
            if len(self._folded) >= _FOLDED_KEPT:
                self._folded.clear()
            folded = self._folded[text] = " ".join(word for word in self.plain(text).split() if word != "the")
        return folded


class TableNames:
    """The names (labels and other names) the alias table gives its organisations: a name
    among them is an organisation's, whatever else it looks like."""

    def __init__(self, entries: list[Entry], keys: NameKeys):
        self._keys = keys
        names = [name for entry in entries for name in (entry.label, *entry.alt_labels)]
        self._folded = frozenset(keys.fold(name) for name in names)
        self._comma_openings = frozenset(keys.fold(name.split(",")[0]) for name in names if "," in name)

    @classmethod
    def from_file(cls, path: str | Path, countries: CountryResolver) -> TableNames:
        data = read_table(path)
        rules, kinds = load_rules(data, str(path))
        return cls(load_entries(data.get("organisations"), kinds, countries, str(path)), NameKeys(rules.spelling))

    def __contains__(self, name: str) -> bool:
        folded = self._keys.fold(name)
        return bool(folded) and folded in self._folded

    def opens_name_with_comma(self, text: str) -> bool:
        """Whether `text` is what a name holding a comma is written with before its first
        comma ("United Nations Educational" of "..., Scientific and Cultural Organization")."""
        return self._keys.fold(text) in self._comma_openings
