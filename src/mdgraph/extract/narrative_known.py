"""The programmes a document already names in its structured parts (annex entries, project
sheets), and whether a name found in running text is one of them under another spelling
("EU-BK Programme" for "EU-Beautiful Kosovo* Programme Phase II", "MIDA" for "Migration for
development in Africa"), or is an organisation's name (the alias table's "Joint United
Nations Programme on HIV/AIDS"). Pure functions."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mdgraph.extract.names import ORGANISATION_HEADS, name_at
from mdgraph.extract.prose import acronym_fits
from mdgraph.extract.text import fold, is_acronym, normalise_key, organisation_names

__all__ = ["PROGRAMME_HEADS", "STOP_WORDS", "KnownNames", "names_organisation", "without_brackets"]

STOP_WORDS = {"the", "of", "for", "and", "in", "on", "to", "a", "an", "at", "by", "with"}
#: Words that end a programme's name; they do not tell two programmes apart.
PROGRAMME_HEADS = ("Programme", "Program", "Project", "Initiative", "Framework", "Process", "Toolbox",
                   "Toolkit", "System", "Alliance", "Partnership", "Profile", "Scheme", "Facility")
_HEAD_WORDS = {head.lower() for head in PROGRAMME_HEADS}


def _content(name: str) -> set[str]:
    words = normalise_key(name).split()
    return {w[:-1] if len(w) > 3 and w.endswith("s") else w
            for w in words if w not in STOP_WORDS and w not in _HEAD_WORDS}


def without_brackets(name: str) -> str:
    return normalise_key(re.sub(r"\([^()]*\)", " ", name))


def _phase(name: str) -> str | None:
    match = re.search(r"\bphase\s+([ivx]+|\d+)\b", normalise_key(name))
    return match.group(1) if match else None


def _acronym_names(acronym: str, name: str) -> bool:
    """"EU-BK" names "EU-Beautiful Kosovo* Programme" and "DEED Project"; "MIDA" does not
    name "MIDA Ghana Health Project", a programme of its own."""
    if acronym in name.split():
        return not (_content(name) - {acronym.lower().rstrip("s")})
    return acronym_fits(acronym, name)


@dataclass(frozen=True)
class KnownNames:
    """The names of the programmes a document already gives (annex titles, project sheets)."""

    names: tuple[str, ...]

    def covers(self, title: str, names: list[str]) -> bool:
        """Whether a programme of that title and those names is known. A phase ("EU-BK Phase
        I") is known only when that phase is: a known name of the same programme with another
        phase ("... Phase II") makes it a different programme."""
        phase = _phase(title)
        if phase:
            base = re.sub(r"\s+phase\s+\S+$", "", title, flags=re.IGNORECASE)
            related = [k for k in self.names if self._same(base, re.sub(r"\bphase\s+[ivxIVX\d]+\b.*", "", k,
                                                                        flags=re.IGNORECASE).strip())]
            phased = [k for k in related if _phase(k)]
            return any(_phase(k) == phase for k in phased) if phased else bool(related)
        return any(self._same(name, known) for name in names for known in self.names)

    @staticmethod
    def _same(name: str, known: str) -> bool:
        """Whether `name` is another spelling of `known`: the same words give or take
        programme words and plurals, one within the other, or an acronym of it."""
        phase, known_phase = _phase(name), _phase(known)
        if phase and known_phase and phase != known_phase:
            return False
        plain, known_plain = (without_brackets(n) for n in (name, known))
        shorter, longer = sorted((plain, known_plain), key=len)
        if plain == known_plain or (len(shorter.split()) >= 3 and f" {shorter} " in f" {longer} "):
            return True
        if " " not in name and is_acronym(name):
            return _acronym_names(name, known)
        if " " not in known and is_acronym(known):
            return _acronym_names(known, name)
        mine, theirs = _content(name), _content(known)
        if mine and theirs:
            heads = {w for w in normalise_key(name).split() if w in _HEAD_WORDS}
            same_head = not heads or heads & set(normalise_key(known).split())
            if mine <= theirs and (len(mine) >= 2 or same_head):
                return True
            if (len(theirs) >= 3 and theirs <= mine) or len(mine & theirs) / len(mine | theirs) >= 0.7:
                return True
        first = name.split()[0]
        rest = _content(name) - _content(first)
        return is_acronym(first) and not rest and _acronym_names(first, known)  # "EU-BK Programme"


_WORD_SPAN = re.compile(r"\S+")
_BRACKETS = re.compile(r"\(([^()]*)\)")
_ORGANISATION_WORDS_BEFORE = 3   # words before a name where an organisation's name may start


def names_organisation(sentence: str, title: str, offset: int, names: list[str]) -> bool:
    """Whether a programme's name found in `sentence` (`title` and its other `names`, written
    from `offset` on) names an organisation instead: it is a name of the alias table
    (mappings/organisations.yaml), or part of the name written where it stands, which is one
    of the table's ("Joint United Nations Programme on HIV" of "Joint United Nations Programme
    on HIV/AIDS") or reads as an organisation's, its last word a head such as "Office"
    ("Global Programme Support Office")."""
    table = organisation_names()
    if any(name in table for name in names):
        return True
    start = sentence.find(title, offset)
    if start < 0:
        return False
    end = start + len(title)
    spans = list(_WORD_SPAN.finditer(sentence[:start]))[-_ORGANISATION_WORDS_BEFORE:]
    for at in (start, *(span.start() for span in spans)):
        name, name_start, name_end = name_at(sentence, at)
        if not name or name_start > start or name_end < end:
            continue
        plain, brackets = fold(_BRACKETS.sub(" ", name)), _BRACKETS.findall(name)
        words = plain.split()
        if any(written in table for written in (plain, *brackets)) \
                or words and words[-1].lower() in ORGANISATION_HEADS and words[-1] not in PROGRAMME_HEADS:
            return True
    return False
