"""Organisation names, as documents write them, resolved to one node per real organisation.

The alias table of mappings/organisations.yaml comes first (acronyms, other spellings). What
it lacks is resolved by general rules, in this order:

* "<acronym> <place>" for organisations with field offices ("IOM Tirana, Albania", "IOM the
  Netherlands") -> an organisational unit with the organisation as parent;
* "Government of X", "X government", "MD Government", "the UK", a bare country -> the
  Government of X;
* descriptions that name no organisation ("National Partners", "members of the diaspora") ->
  None;
* national bodies every country has ("Ministry of Health") -> one node per country, the
  country coming from the name ("... of Ghana", "Ghanaian ...") or from the programme;
* anything else that reads as a name -> a new node (known=False), remembered with the acronym
  the text gives ("Swiss Agency for Development and Cooperation (SDC)"), so that later
  spellings and the bare acronym find it again.

The resolver keeps the nodes it has resolved: build one per run.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import pycountry

from mdgraph.errors import MappingError
from mdgraph.extract.text import (
    fold,
    is_acronym,
    normalise_key,
    slugify,
    split_top_level,
)
from mdgraph.model import Organisation

from .countries import Country, CountryResolver
from .organisation_table import (
    Entry,
    NameKeys,
    Rules,
    load_entries,
    load_rules,
    read_table,
)

__all__ = ["OrganisationResolver"]

_T = TypeVar("_T")

_PARENTHESES = re.compile(r"\s*\(([^()]*)\)")
_DASHED = re.compile(r"^(.+?)\s+[-–—]\s+(.+)$")
_SEPARATORS = re.compile(r"\s*[,;]\s*|\s+(?:and|&)\s+")
_MAX_NAME_WORDS = 16
_QUOTES = {"“": "”", '"': '"', "‘": "’", "'": "'", "(": ")"}

#: The kind of the offices made for "IOM Tirana, Albania": they act for their organisation.
FIELD_OFFICE = "field-office"
_KEPT = 1 << 12  # answers of a pure step kept for reuse


def _pure(method: Callable[..., _T]) -> Callable[..., _T]:
    """A step whose answer depends only on its arguments and the data files (never on the
    names learned in the run), remembered per resolver: the same names come again and again."""
    memo = f"_memo{method.__name__}"

    @functools.wraps(method)
    def remembered(self: OrganisationResolver, *args: Any) -> _T:
        answers = self.__dict__.setdefault(memo, {})
        if args not in answers:
            if len(answers) >= _KEPT:
                answers.clear()
            answers[args] = method(self, *args)
        return answers[args]

    return remembered


def _strip(text: str) -> str:
    """`text` without end punctuation and stray quotes (a closing quote that closes stays)."""
    text = text.strip(" \t.,;:*-–—")
    while text and text[0] in _QUOTES and _QUOTES[text[0]] not in text[1:]:
        text = text[1:].strip()
    while text and text[-1] in _QUOTES.values() and not any(
            o in text[:-1] for o, c in _QUOTES.items() if c == text[-1]):
        text = text[:-1].strip(" \t.,;:*-–—")
    return text


@dataclass(frozen=True)
class _Place:
    """A name split into the country it states and the rest ("Ministry of Health")."""

    country: Country | None
    base: str
    how: str            # "suffix", "prefix", "inside", "bracket" or "" (no country)


def _place_words(text: str) -> bool:
    """One or two capitalised words, as in the acronym "HRD Korea" or "UNDP Moldova"."""
    words = text.split()
    return 0 < len(words) <= 2 and all(w[:1].isupper() and w[1:].islower() for w in words)


class OrganisationResolver:
    """Resolves organisation mentions to Organisation nodes, one per organisation."""

    def __init__(self, entries: Sequence[Entry], rules: Rules, countries: CountryResolver,
                 source: str = "<organisations>"):
        self._entries = {entry.key: entry for entry in entries}
        self._rules = rules
        self._countries = countries
        self._keys = NameKeys(rules.spelling)
        self._aliases: dict[str, str] = {}
        for entry in entries:
            for name in (entry.label, *entry.alt_labels):
                if self._aliases.setdefault(self._fold(name), entry.key) != entry.key:
                    raise MappingError(source, f"name {name!r} is given to both {self._aliases[self._fold(name)]!r} "
                                       f"and {entry.key!r}", f"organisations.{entry.key}.alt_labels")
        offices = sorted(((self._fold(name), entry.key) for entry in entries if entry.field_offices
                          for name in (entry.label, *entry.alt_labels)), key=lambda item: -len(item[0]))
        self._office_ranks: dict[str, tuple[int, str, str]] = {}  # folded name -> (rank, name, key)
        for rank, (alias, key) in enumerate(offices):
            self._office_ranks.setdefault(alias, (rank, alias, key))
        self._learned: dict[str, str] = {}          # folded name -> key, learned in this run
        self._learned_acronyms: set[str] = set()
        self._spellings: dict[str, set[str]] = {}      # national body key -> spellings of its name
        self._nodes: dict[str, Organisation] = {}
        self._in_order: list[Organisation] = []      # the nodes by key, sorted again when one is added

    # -- construction -------------------------------------------------------------------

    @classmethod
    def from_file(cls, path: str | Path, countries: CountryResolver) -> OrganisationResolver:
        """Reads mappings/organisations.yaml (see the file's header for its format)."""
        return cls.from_data(read_table(path), countries, str(path))

    @classmethod
    def from_data(cls, data: Any, countries: CountryResolver, source: str = "<organisations>") -> OrganisationResolver:
        """Builds the resolver from the parsed data file; `source` names it in errors."""
        rules, kinds = load_rules(data, source)
        return cls(load_entries(data.get("organisations"), kinds, countries, source), rules, countries, source)

    # -- public API ----------------------------------------------------------------------

    def resolve(self, text: str, context_countries: Sequence[str] = ()) -> Organisation | None:
        """The node of the organisation a mention names, or None for descriptions and lists.

        `context_countries` are the upper-case codes of the programme's countries: a generic
        national body ("Ministry of Health") belongs to the single one of them.
        """
        surface = fold(text)
        context = tuple(dict.fromkeys(code.upper() for code in context_countries))
        node = self._resolve(self._clean(surface), context)
        if node is not None:
            node.seen_as.add(surface)
        return node

    def resolve_unit(self, text: str) -> Organisation | None:
        """The office a "Mission" line names ("IOM Tirana, Albania", "IOM El Salvador")."""
        surface = fold(text)
        clean = self._clean(surface)
        entry = self._entries.get(self._key_of(clean, ()) or "")
        node = self._node(entry.key) if entry is not None and entry.parent else self._unit(clean)
        if node is not None:
            node.seen_as.add(surface)
        return node

    def resolve_units(self, text: str) -> list[Organisation]:
        """Every office of a line naming several ("IOM Bishkek, Kyrgyzstan; IOM Belgrade, Serbia")."""
        parts = [p for p in re.split(r"\s*;\s*|,?\s+and\s+(?=[A-Z])", fold(text)) if p]
        units = [self.resolve_unit(part) for part in parts]
        return [unit for unit in units if unit is not None]

    def organisations(self) -> list[Organisation]:
        """Every node resolved so far (parents of units included), by key."""
        if len(self._in_order) != len(self._nodes):  # nodes are only ever added, never replaced
            self._in_order = [self._nodes[key] for key in sorted(self._nodes)]
        return list(self._in_order)

    # -- names -----------------------------------------------------------------------------

    def _plain(self, text: str) -> str:
        return self._keys.plain(text)

    def _fold(self, text: str) -> str:
        """The comparison key of a name: _plain without "the"."""
        return self._keys.fold(text)

    @_pure
    def _clean(self, surface: str) -> str:
        """The mention without role notes, leading role phrases, quotes and end punctuation."""
        text = _PARENTHESES.sub(lambda m: "" if normalise_key(m.group(1)) in self._rules.role_notes else m.group(0),
                                surface)
        text = re.sub(r"(?<=[A-Za-z*)])\d{1,3}$", "", _strip(text))  # footnote number glued to the end
        if self._rules.leading is not None:
            text = self._rules.leading.sub("", text, count=1)
        return _strip(text)

    # -- the rules -------------------------------------------------------------------------

    def _resolve(self, text: str, context: tuple[str, ...]) -> Organisation | None:
        if not text:
            return None
        node = self._lookup(text, context)
        if node is not None:
            return node
        if self._rules.connectors and self._rules.connectors.search(text):
            return None  # several organisations in one mention: the caller splits it
        name, acronym, qualifier, other_name = self._parse(text)
        node = self._resolve_parsed(name, acronym, qualifier, context)
        if node is not None and other_name and node.kind != FIELD_OFFICE \
                and self._fold(other_name) != self._fold(node.label) and self._key_of(other_name, ()) in (None, node.key):
            node.alt_labels.add(other_name)  # "Ministry of Economy (Ministerio de Economía)": one body, two names
            self._learn(other_name, node)
        return node

    def _resolve_parsed(self, name: str, acronym: str | None, qualifier: Country | None,
                        context: tuple[str, ...]) -> Organisation | None:
        place = _Place(qualifier, name, "bracket") if qualifier else self._split_country(name)
        node = self._lookup(name, context) or self._known_base(place) or self._unit(name) or self._group_of(name)
        if node is None and _PARENTHESES.search(name):  # "European Union (11th European Development Fund)"
            node = self._lookup(fold(_PARENTHESES.sub(" ", name)), context)
        if node is None and acronym and self._fold(acronym) in self._aliases:
            return self._lookup(acronym, context)  # "France (AFD)": the table knows the bracket
        if node is None:
            if self._compound(name, context):
                return None
            if acronym and (node := self._lookup(acronym, context)) is not None:
                if not node.known:  # "XYZ" seen alone first, now with its full name
                    node.label = name if node.label == acronym else node.label
                    node.alt_labels |= {name, acronym} - {node.label}
                    self._learn(name, node)
                return node
            node = self._by_rules(name, place, context, acronym)
        if node is not None and acronym:
            self._learn(acronym, node, acronym=True)
        return node

    def _group_of(self, name: str) -> Organisation | None:
        """The table's organisation of one of its groups: "GMG Working Group on Mainstreaming"."""
        first, _, rest = name.partition(" ")
        key = self._aliases.get(self._fold(first))
        if key is None or self._rules.unit_words is None or not self._rules.unit_words.match(rest):
            return None
        return self._node(key)

    def _known_base(self, place: _Place) -> Organisation | None:
        """The table's node for "Federal Office for Migration, Switzerland", "UK DFID"."""
        if place.country is None or place.how in ("", "inside"):
            return None
        key = self._key_of(place.base, ())
        if key is None:
            return None
        country = self._entries[key].country if key in self._entries else (self._nodes[key].country or "").upper()
        return self._node(key) if country in (None, "", place.country.code) else None

    def _by_rules(self, name: str, place: _Place, context: tuple[str, ...], acronym: str | None) -> Organisation | None:
        if place.how == "bracket" and self._plain(name) in self._rules.government_alone:
            return self._government(place.country)  # "Government (Ecuador)": the country is written
        government = self._government_country(name, context)
        if government is not None:
            return self._government(government)
        if self._refused(name) and not self._titled_with_country(place) \
                or self._plain(name) in self._rules.government_alone:
            return None
        generic, body = self._national_body(name, place, context)
        if generic and (body is not None or acronym is None):
            return body  # None when the country cannot be told
        return self._unknown(name, place.country)  # a body with its own acronym is one body

    @_pure
    def _parse(self, text: str) -> tuple[str, str | None, Country | None, str | None]:
        """(name, acronym, country, other name) of "Name (ACR)", "ACR (Name)", "Name - ACR",
        "Name (Country)", "Name (Nombre)" (the same body in another language); brackets that
        only locate the body ("(Florence, Italy)") are dropped."""
        acronym: str | None = None
        qualifier: Country | None = None
        other_name: str | None = None

        def inner(match: re.Match[str]) -> str:
            nonlocal acronym, qualifier, other_name
            content = match.group(1).strip()
            first, _, rest = content.partition(" ")
            if acronym is None and (is_acronym(content) or self._fold(content) in self._aliases
                                    or is_acronym(first) and _place_words(rest)):  # "(HRD Korea)"
                acronym = content
                return ""
            country = self._countries.resolve(content)
            if country is not None:
                qualifier = qualifier or country
                return ""
            last = content.rsplit(",", 1)[-1].strip()
            if "," in content and self._countries.resolve(last):
                return ""  # "(Florence, Italy)"
            if "," in content and acronym is None and is_acronym(last):
                acronym = last  # "(Comisión Nacional ..., CONAMAJ)": a translation and the acronym
                return ""
            if other_name is None and len(content.split()) >= 2 and content[:1].isupper() \
                    and not re.search(r"[\d,;:]", content):
                other_name = content
                return ""
            return match.group(0)

        name = fold(_PARENTHESES.sub(inner, text))
        if acronym is None and (dashed := _DASHED.match(name)):
            left, right = dashed.groups()
            if is_acronym(left) and not is_acronym(right):
                acronym, name = left, right
            elif is_acronym(right) and not is_acronym(left):
                acronym, name = right, left
        if acronym and is_acronym(name) and len(name) < len(acronym):
            name, acronym = acronym, name
        if acronym is None and is_acronym(name) and (full := _PARENTHESES.search(text)):
            acronym, name = name, full.group(1).strip()  # "ETF (European Training Foundation)"
        return name.strip(" ,;:-–—"), acronym, qualifier, other_name

    def _key_of(self, text: str, context: tuple[str, ...]) -> str | None:
        """The key the table or this run's learned names give `text`, creating nothing."""
        folded = self._fold(text)
        key = self._aliases.get(folded)
        if key is not None:
            return key
        key = self._learned.get(folded)
        country = self._nodes[key].country if key else None
        if folded in self._learned_acronyms and country and context and country.upper() not in context:
            return None  # an acronym learned for another country's body
        return key

    def _lookup(self, text: str, context: tuple[str, ...]) -> Organisation | None:
        key = self._key_of(text, context)
        return self._node(key) if key else None

    def _learn(self, name: str, node: Organisation, acronym: bool = False) -> None:
        folded = self._fold(name)
        if not folded or folded in self._aliases or self._learned.get(folded, node.key) != node.key:
            return
        self._learned[folded] = node.key
        if acronym:
            self._learned_acronyms.add(folded)
            node.alt_labels.add(name)

    @_pure
    def _refused(self, name: str) -> bool:
        plain = self._plain(name)
        return any(pattern.search(plain) for pattern in self._rules.not_organisations)

    def _titled_with_country(self, place: _Place) -> bool:
        """ "Diaspora Network of Ghana": a description written as one body's name, every word
        capitalised and its country after it, names that body."""
        words = place.base.split()
        return place.how == "suffix" and len(words) >= 2 and all(
            word[:1].isupper() or self._plain(word) in self._rules.vocabulary for word in words) \
            and words[0][:1].isupper() and words[-1][:1].isupper()

    def _compound(self, name: str, context: tuple[str, ...]) -> bool:
        """True for a list of organisations written as one mention ("IOM and UNDP")."""
        parts = [p for p in split_top_level(name, _SEPARATORS) if p.strip()]
        if len(parts) < 2:
            return False
        countries = sum(self._countries.resolve(p) is not None for p in parts)
        organisations = sum(self._key_of(p, context) is not None or (
            self._countries.resolve(p) is None and self._government_country(p, ()) is not None) for p in parts)
        return organisations >= 1 or countries >= 2

    # -- units -----------------------------------------------------------------------------

    def _unit(self, text: str) -> Organisation | None:
        """The office of "<organisation with field offices> <place>", or None."""
        named = self._office_named(text)
        return self._office(*named) if named else None

    @_pure
    def _office_named(self, text: str) -> tuple[str, str] | None:
        """(key of the organisation with offices, place) of "<its name> <place>", or None."""
        words = re.sub(r"^(\S+)['’]s\s", r"\1 ", text).split()
        prefixes = [self._fold(" ".join(words[:end])) for end in range(len(words))]
        ranked = [self._office_ranks[prefix] for prefix in prefixes[1:] if prefix in self._office_ranks]
        if not ranked:
            return None
        _, alias, key = min(ranked)  # the longest name of an organisation with offices
        rest = " ".join(words[prefixes.index(alias, 1):])
        return key, re.sub(r"^(?:(?:country\s+)?(?:mission|office)\s+)?(?:in|to|for|of)\s+", "", rest,
                           flags=re.IGNORECASE)

    @_pure
    def _office_place(self, place: str) -> tuple[Country | None, str | None] | None:
        """(country, where) of an office at "City, Country", "Country" or "office description,
        City"; (None, None) for the organisation itself ("HQ"), None for no office."""
        parts = [p.strip() for p in split_top_level(place, re.compile(r",")) if p.strip()]
        country = self._countries.resolve(parts[-1]) if parts else None
        if country is not None:
            parts = parts[:-1]
        if not parts and country is None:
            return None
        if country is None and self._plain(" ".join(parts)) in self._rules.office_words:
            return None, None
        if not parts:
            return country, country.label
        if len(parts) > 3 or self._refused(" ".join(parts)) or (len(parts) == 1 and not parts[0][:1].isupper()):
            return None
        return country, ", ".join(parts)

    def _office(self, parent_key: str, place: str) -> Organisation | None:
        """The unit of `parent_key` at `place` (see _office_place)."""
        located = self._office_place(place)
        if located is None:
            return None
        country, where = located
        if where is None:
            return self._node(parent_key)  # "UNICEF HQ": the organisation itself
        parent = self._node(parent_key)
        acronym = next((a for a in self._entries[parent_key].alt_labels if is_acronym(a)), parent.label)
        label = f"{acronym} {where}"
        key = slugify(f"{parent_key} {where}")
        node = self._nodes.get(key)
        if node is None:
            node = Organisation(key=key, label=label, parent=parent_key, kind=FIELD_OFFICE,
                                country=country.code.lower() if country else None, known=country is not None)
            self._nodes[key] = node
        elif country is not None and node.country is None:
            node.country = country.code.lower()
        return node

    # -- governments -----------------------------------------------------------------------

    @_pure
    def _government_country(self, name: str, context: tuple[str, ...]) -> Country | None:
        words = "|".join(map(re.escape, self._rules.government_words))
        if self._plain(name) in self._rules.government_alone:
            return self._countries.get(context[0]) if len(context) == 1 else None
        match = (re.fullmatch(rf"(?:the\s+)?(?:federal\s+|central\s+|national\s+)?(?:{words})s?\s+of\s+(.+)", name,
                              re.IGNORECASE)
                 or re.fullmatch(rf"(?:the\s+)?(.+?)(?:['’]s)?\s+(?:{words})", name, re.IGNORECASE))
        if match:
            place = match.group(1)
            return self._countries.resolve(place) or self._countries.resolve_demonym(place)
        return self._countries.resolve(name)

    def _government(self, country: Country) -> Organisation:
        key = f"government-{country.code.lower()}"
        node = self._nodes.get(key)
        if node is None:
            alt = set()
            iso = pycountry.countries.get(alpha_2=country.code)
            official = getattr(iso, "official_name", None)
            if official and official != country.label:
                alt.add(f"Government of the {official.removeprefix('the ')}")
            if adjective := self._countries.adjective(country.code):
                alt.add(f"{adjective} Government")
            node = Organisation(key=key, label=f"Government of {self._countries.name_in_sentence(country.code)}",
                                alt_labels=alt, kind="government", country=country.code.lower())
            self._nodes[key] = node
        return node

    # -- national bodies and new organisations -------------------------------------------

    @_pure
    def _split_country(self, name: str) -> _Place:
        """Where the name says its country: "Ministry of Health of Ghana" (suffix), "Ghanaian
        Ministry of Health" (prefix), "Vice Ministry for Salvadorians Abroad" (inside)."""
        hits = self._countries.find(name, demonyms=True)
        if not hits:
            return _Place(None, name, "")
        country, start, end = hits[-1]
        head = re.sub(r"(?:\s+(?:of|in|for)(?:\s+the)?|\s*[,(–—-])\s*$", "", name[:start], flags=re.IGNORECASE)
        if not name[end:].strip(" *.)") and head != name[:start] and head.strip():
            return _Place(country, head.strip(), "suffix")
        country, start, end = hits[0]
        if name[:start].strip().lower() in ("", "the"):
            rest = re.sub(r"^(?:['’]s)?[\s,:–—-]+", "", name[end:]).strip()
            if rest[:1].isupper():
                return _Place(country, rest, "prefix")
        codes = {hit[0].code for hit in hits}
        return _Place(hits[0][0], name, "inside") if len(codes) == 1 else _Place(None, name, "")

    @_pure
    def _generic_key(self, base: str) -> str | None:
        """The canonical folded form of a generic national body, or None for a proper name.
        Countries and demonyms inside the name count as the word "nationals"."""
        names = {(s, e) for _, s, e in self._countries.find(base)}
        for _, start, end in reversed(self._countries.find(base, demonyms=True)):
            base = base[:start] + ("" if (start, end) in names else " nationals ") + base[end:]
        folded = " " + self._fold(base) + " "
        for phrase, replacement in self._rules.synonyms:
            folded = folded.replace(f" {phrase} ", f" {replacement} ")
        words = folded.split()
        if not any(w in self._rules.bodies for w in words):
            return None
        if not all(w in self._rules.vocabulary or w == "nationals" for w in words):
            return None
        return " ".join(words)

    def _national_body(self, name: str, place: _Place,
                       context: tuple[str, ...]) -> tuple[bool, Organisation | None]:
        """(True, node) for a generic national body; (True, None) when its country cannot
        be told; (False, None) for a proper name. "Agency for Employment Abroad under the
        Ministry of Labour" is the agency (of the country the whole name gives)."""
        place = _Place(place.country, re.sub(r"\s+under\s+(?:the\s+)?[A-Z].*$", "", place.base), place.how)
        generic = self._generic_key(place.base)
        if generic is None:
            return False, None
        words = generic.split()
        kind = ("ministry" if words[0] in self._rules.ministry_words or words[:2] == ["vice", "ministry"]
                else "academic" if any(w in self._rules.academic_words for w in words)
                else "government-agency")
        if kind == "academic" and place.how in ("prefix", "suffix"):
            return False, None  # "Malawi College of Medicine", "University of Costa Rica": their names
        country = place.country
        if country is None:
            if len(context) != 1:
                return True, None  # "Ministry of Health" of which of several countries?
            country = self._countries.get(context[0])
        key = slugify(f"{generic} {country.code.lower()}", max_length=90)
        if key in self._entries:
            return True, self._node(key)
        label = self._without_article(place.base)
        spellings = self._spellings.setdefault(key, set())
        spellings.add(label)
        best = min(spellings, key=lambda s: (bool(set(self._fold(s).split()) & self._rules.foreign_words),
                                             normalise_key(s).removeprefix("the ") != generic, len(s), s))
        node = self._nodes.get(key)
        if node is None:
            node = Organisation(key=key, label="", kind=kind, country=country.code.lower(), known=False)
            self._nodes[key] = node
        node.label = f"{best} ({country.label})"
        node.alt_labels.add(f"{label} of {self._countries.name_in_sentence(country.code)}")
        if adjective := self._countries.adjective(country.code):
            node.alt_labels.add(f"{adjective} {label}")
        node.alt_labels.add(self._without_article(name))
        node.alt_labels -= {node.label}
        node.alt_labels |= {f"{s} ({country.label})" for s in spellings} - {node.label}
        return True, node

    def _without_article(self, name: str) -> str:
        return self._rules.articles.sub("", name, count=1) if self._rules.articles else name

    def _unknown(self, name: str, country: Country | None) -> Organisation | None:
        label = self._without_article(name)
        words = label.split()
        if not words or not (label[0].isupper() or label[0].isdigit()) or len(words) > _MAX_NAME_WORDS:
            return None
        key = slugify(label, max_length=90)
        if key in self._entries or (key in self._nodes and self._fold(self._nodes[key].label) != self._fold(label)):
            key = slugify(f"{label} {country.code if country else 'org'}", max_length=90)
        node = self._nodes.get(key)
        if node is None:
            plain = self._plain(label)
            kind = next((k for pattern, k in self._rules.kind_hints if pattern.search(plain)), "other")
            node = Organisation(key=key, label=label, kind=kind, known=False,
                                country=country.code.lower() if country else None)
            self._nodes[key] = node
        self._learn(label, node)
        return node

    # -- table nodes ------------------------------------------------------------------------

    def _node(self, key: str) -> Organisation:
        node = self._nodes.get(key)
        if node is None:
            entry = self._entries[key]
            node = Organisation(key=entry.key, label=entry.label, alt_labels=set(entry.alt_labels),
                                parent=entry.parent, country=entry.country.lower() if entry.country else None,
                                kind=entry.kind, known=True)
            self._nodes[key] = node
            if entry.parent:
                self._node(entry.parent)
        return node
