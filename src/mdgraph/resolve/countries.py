"""Country names, as documents write them, resolved to ISO 3166-1 alpha-2 codes.

pycountry supplies the ISO names; mappings/countries.yaml adds what it lacks (Kosovo = XK,
"UK", "Kosovo*", labels such as "Moldova", Wikidata items, demonyms, and phrases such as
"Benin City" that contain a country's name without naming that country).

Names are compared token by token (letters and digits; accents, case and punctuation
dropped), so "Guinea-Bissau", "Papua\\nNew Guinea" and "Côte d'Ivoire" match however the PDF
extraction broke them. In running text (`find`) a match must also be written the way a name
is written: capitalised words stay capitalised and acronyms stay upper case, which keeps
"us", "turkey" and "chad" the words apart from US, Turkey and Chad.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pycountry
import yaml

from mdgraph.errors import MappingError

__all__ = ["Country", "CountryResolver"]

_CODE = re.compile(r"^[A-Z]{2}$")
_QID = re.compile(r"^Q[1-9][0-9]*$")
_TOKEN = re.compile(r"[^\W\d_]+|\d+|&")
_SAME_WORD = {"&": "and", "st": "saint"}
_ENTRY_FIELDS = {"label", "names", "wikidata", "demonyms", "prefixes", "article"}
_TOP_FIELDS = {"countries", "phrases"}
# Per-token spelling constraints of a name as the data writes it (see _Name).
_ANY, _CAPITAL, _UPPER = 0, 1, 2


@dataclass(frozen=True)
class Country:
    """A country or territory: the node behind mdgid:country/{code lower case}."""

    code: str                   # upper-case alpha-2 ("MD", "XK")
    label: str                  # common English name ("Moldova", "Kosovo", "United Kingdom")
    alt_labels: frozenset[str]  # official and other names ("Republic of Moldova")
    wikidata: str | None        # Wikidata item ("Q217"), when known with certainty


@dataclass(frozen=True)
class _Name:
    """One indexed spelling: the country it names (None: names no country) and, per token,
    how the source must write it to count in running text."""

    code: str | None
    spelling: tuple[int, ...]


@functools.lru_cache(maxsize=1 << 16)
def _fold(token: str) -> str:
    token = unicodedata.normalize("NFKD", token)
    token = "".join(c for c in token if not unicodedata.combining(c)).lower()
    return _SAME_WORD.get(token, token)


def _tokens(text: str) -> list[re.Match[str]]:
    return list(_TOKEN.finditer(text))


@functools.lru_cache(maxsize=1024)
def _words(text: str) -> tuple[tuple[tuple[int, int, str], ...], tuple[str, ...]]:
    """(start, end, token) of each token of `text`, and the tokens folded (cached: a text is
    searched for names, then for demonyms, and names are looked up again and again)."""
    tokens = tuple((m.start(), m.end(), m.group()) for m in _TOKEN.finditer(text))
    return tokens, tuple(_fold(token) for _, _, token in tokens)


def _key(text: str) -> tuple[str, ...]:
    """The comparison key of a name: folded tokens, without a leading "the"."""
    key = _words(text)[1]
    return key[1:] if key[:1] == ("the",) else key


def _spelling(text: str) -> tuple[int, ...]:
    words = [m.group() for m in _tokens(text)]
    if words[:1] and words[0].lower() == "the":
        words = words[1:]
    return tuple(
        _UPPER if w.isalpha() and w.isupper() else _CAPITAL if w[0].isupper() else _ANY
        for w in words
    )


def _written_as(words: list[str], spelling: tuple[int, ...]) -> bool:
    """True when the source words respect the capitals and acronyms of the name."""
    for word, rule in zip(words, spelling):
        if rule == _UPPER and not word.isupper():
            return False
        if rule == _CAPITAL and not word[:1].isupper():
            return False
    return True


def _plural(demonym: str) -> str | None:
    if demonym.endswith(("s", "sh", "ch", "ese", "z", "x")):
        return None
    return demonym + "s"


class CountryResolver:
    """Resolves single country strings and finds country names in free text."""

    def __init__(
        self,
        countries: Iterable[Country],
        names: Mapping[tuple[str, ...], _Name],
        demonyms: Mapping[tuple[str, ...], _Name],
        articles: Iterable[str],
        adjectives: Mapping[str, str],
        prefixes: Mapping[tuple[str, ...], _Name] | None = None,
    ):
        self._countries = {c.code: c for c in countries}
        self._names = dict(names)
        self._demonyms = dict(demonyms)
        self._articles = frozenset(articles)
        self._adjectives = dict(adjectives)
        self._prefixes = dict(prefixes or {})
        # the lengths of the names (and of names and demonyms) that start with each word, longest first
        self._sizes = _sizes_by_first_word(self._names)
        self._sizes_with_demonyms = _sizes_by_first_word({**self._demonyms, **self._names})

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path) -> CountryResolver:
        """Reads mappings/countries.yaml (see the file's header for its format)."""
        try:
            data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise MappingError(str(path), f"cannot read the country file: {exc}") from exc
        except yaml.YAMLError as exc:
            raise MappingError(str(path), f"not valid YAML: {exc}") from exc
        return cls.from_data(data, str(path))

    @classmethod
    def from_data(cls, data: Any, source: str = "<countries>") -> CountryResolver:
        """Builds the resolver from the parsed data file; `source` names it in errors."""
        if not isinstance(data, dict) or not isinstance(data.get("countries"), dict):
            raise MappingError(source, "expected a mapping with a 'countries' mapping")
        unknown = set(data) - _TOP_FIELDS
        if unknown:
            raise MappingError(source, f"unknown top-level keys {sorted(unknown)}")
        entries = {code: _check_entry(source, code, entry) for code, entry in data["countries"].items()}
        countries: list[Country] = []
        builder = _IndexBuilder(source)
        demonyms = _IndexBuilder(source)
        prefixes = _IndexBuilder(source)
        adjectives: dict[str, str] = {}
        codes = sorted({c.alpha_2 for c in pycountry.countries} | set(entries))
        iso_names: dict[str, list[str]] = {}
        for code in codes:  # ISO names first, so that a clash is blamed on the data file's entry
            iso = pycountry.countries.get(alpha_2=code)
            names = [getattr(iso, a, None) for a in ("common_name", "name", "official_name")]
            iso_names[code] = [_strip_article(n) for n in names if n]
            for name in iso_names[code]:
                builder.add(name, code)
        for code in codes:
            entry = entries.get(code, {})
            if not iso_names[code] and "label" not in entry:
                raise MappingError(source, "a code pycountry does not know needs a label",
                                   f"countries.{code}.label")
            label = entry.get("label") or iso_names[code][0]
            names = list(dict.fromkeys([label, *iso_names[code], *entry.get("names", [])]))
            for name in names:
                builder.add(name, code)
            for demonym in entry.get("demonyms", []):
                demonyms.add(demonym, code)
                if plural := _plural(demonym):
                    demonyms.add(plural, code)
            if entry.get("demonyms"):
                adjectives[code] = entry["demonyms"][0]
            for prefix in entry.get("prefixes", []):
                prefixes.add(prefix, code)
            alt = frozenset(n for n in names if n != label)
            countries.append(Country(code, label, alt, entry.get("wikidata")))
        phrases = data.get("phrases") or {}
        if not isinstance(phrases, dict):
            raise MappingError(source, "expected a mapping of phrase to code or null", "phrases")
        known = {c.code for c in countries}
        for phrase, code in phrases.items():
            if code is not None and code not in known:
                raise MappingError(source, f"unknown country code {code!r}", f"phrases.{phrase}")
            builder.add(str(phrase), code, phrase=True)
        articles = [code for code, entry in entries.items() if entry.get("article")]
        return cls(countries, builder.index, demonyms.index, articles, adjectives, prefixes.index)

    # -- lookups -------------------------------------------------------------------------

    def get(self, code: str) -> Country:
        """The country with this alpha-2 code (either case); KeyError when there is none."""
        try:
            return self._countries[code.upper()]
        except KeyError:
            raise KeyError(f"no country with code {code!r}") from None

    def countries(self) -> list[Country]:
        """Every country, by code."""
        return [self._countries[c] for c in sorted(self._countries)]

    def name_in_sentence(self, code: str) -> str:
        """The label as a sentence writes it: "the Netherlands", "Moldova"."""
        country = self.get(code)
        return f"the {country.label}" if country.code in self._articles else country.label

    def adjective(self, code: str) -> str | None:
        """The main demonym ("Moldovan"), when the data gives an unambiguous one."""
        return self._adjectives.get(code.upper())

    def resolve(self, text: str) -> Country | None:
        """The one country a whole string names ("Republic of Moldova", "Kosovo*",
        "The Philippines", "UK", "MD"), or None (lists and descriptions: see `find`)."""
        stripped = text.strip().strip(".,;:")
        if _CODE.match(stripped) and stripped in self._countries:
            return self._countries[stripped]
        return self.resolve_name(text)

    def resolve_name(self, text: str) -> Country | None:
        """As `resolve`, but for names only: "EC" or "IT" in a list of organisations is no
        country code."""
        key = _key(text)
        while key and key[-1].isdigit() and key not in self._names:
            key = key[:-1]  # footnote numbers glued by the PDF extraction
        entry = self._names.get(key)
        return self._countries[entry.code] if entry and entry.code else None

    def resolve_demonym(self, text: str) -> Country | None:
        """The country of a demonym written alone ("Moldovan", "Ghanaians")."""
        entry = self._demonyms.get(_key(text))
        return self._countries[entry.code] if entry and entry.code else None

    def find(self, text: str, *, demonyms: bool = False) -> list[tuple[Country, int, int]]:
        """Every country named in free text, with its character span, in text order.

        The longest name wins at each position ("Papua New Guinea" over "Guinea", "Benin
        City" over "Benin", "South Sudan" over "Sudan"); names are whole words ("Niger" is
        not found in "Nigeria"). With `demonyms`, "Moldovan" and "Ghanaians" count too, and
        so does the first part of "Franco-Malian" (a prefix of the data file before a hyphen).
        """
        found: list[tuple[Country, int, int]] = []
        tokens, keys = _words(text)
        i = 0
        while i < len(tokens):
            hit = self._match_at(tokens, keys, i, demonyms)
            if hit is None and demonyms and text[tokens[i][1]: tokens[i][1] + 1] == "-":
                prefix = self._prefixes.get((keys[i],))
                hit = (1, prefix) if prefix and _written_as([tokens[i][2]], prefix.spelling) else None
            if hit is None:
                i += 1
                continue
            size, entry = hit
            if entry.code is not None:
                found.append((self._countries[entry.code], tokens[i][0], tokens[i + size - 1][1]))
            i += size
        return found

    def _match_at(self, tokens, keys, i, demonyms) -> tuple[int, _Name] | None:
        sizes = (self._sizes_with_demonyms if demonyms else self._sizes).get(keys[i], ())
        for size in sizes:
            if size > len(tokens) - i:
                continue
            key = keys[i:i + size]
            for index in (self._names, self._demonyms) if demonyms else (self._names,):
                entry = index.get(key)
                if entry is not None and _written_as([token for _, _, token in tokens[i:i + size]], entry.spelling):
                    return size, entry
        return None


def _sizes_by_first_word(index: Mapping[tuple[str, ...], _Name]) -> dict[str, tuple[int, ...]]:
    sizes: dict[str, set[int]] = {}
    for key in index:
        sizes.setdefault(key[0], set()).add(len(key))
    return {word: tuple(sorted(lengths, reverse=True)) for word, lengths in sizes.items()}


class _IndexBuilder:
    """Collects spellings, refusing a name that would point at two countries."""

    def __init__(self, source: str):
        self.source = source
        self.index: dict[tuple[str, ...], _Name] = {}

    def add(self, name: str, code: str | None, phrase: bool = False) -> None:
        key = _key(name)
        if not key:
            raise MappingError(self.source, f"name {name!r} has no letters", f"countries.{code}")
        spelling = _spelling(name)
        old = self.index.get(key)
        if old is not None and old.code != code and not phrase:
            raise MappingError(self.source, f"name {name!r} names both {old.code} and {code}",
                               f"countries.{code}.names")
        if old is not None and old.code == code:
            spelling = tuple(min(a, b) for a, b in zip(old.spelling, spelling))
        self.index[key] = _Name(code, spelling)


def _strip_article(name: str) -> str:
    return name[4:] if name.lower().startswith("the ") else name


def _check_entry(source: str, code: Any, entry: Any) -> dict[str, Any]:
    where = f"countries.{code}"
    if not isinstance(code, str) or not _CODE.match(code):
        raise MappingError(source, f"country key {code!r} is not an upper-case alpha-2 code "
                           "(quote codes YAML reads as booleans, such as 'NO')", where)
    if not isinstance(entry, dict):
        raise MappingError(source, "expected a mapping", where)
    unknown = set(entry) - _ENTRY_FIELDS
    if unknown:
        raise MappingError(source, f"unknown fields {sorted(unknown)}", where)
    for field in ("names", "demonyms", "prefixes"):
        values = entry.get(field, [])
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise MappingError(source, "expected a list of non-empty strings", f"{where}.{field}")
    if "label" in entry and not (isinstance(entry["label"], str) and entry["label"].strip()):
        raise MappingError(source, "expected a non-empty string", f"{where}.label")
    qid = entry.get("wikidata")
    if qid is not None and not (isinstance(qid, str) and _QID.match(qid)):
        raise MappingError(source, f"{qid!r} is not a Wikidata item id (Q followed by digits)",
                           f"{where}.wikidata")
    if not isinstance(entry.get("article", False), bool):
        raise MappingError(source, "expected true or false", f"{where}.article")
    return entry
