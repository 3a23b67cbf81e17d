"""Scores the published graph against hand-made reference facts (../shared/eval/dev_gold.json).

Reference programmes are matched to graph programmes of the same source document by title
(or, for untitled entries, by their evidence quotes); then every field is scored as sets of
facts: precision, recall and F1, micro-averaged over all reference programmes, unmatched
ones counting as missed facts. Organisations are compared by name: the reference name and
its aliases against the graph node's label and alternative labels.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from .errors import InputError
from .extract.text import normalise_key

FIELDS = ("countries", "organisations", "implementers", "funders", "partners", "sectors", "dates")
#: Least title similarity for a reference programme to count as found.
MATCH_THRESHOLD = 0.6

PROGRAMMES_QUERY = """
PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
SELECT ?programme ?field ?value WHERE {
  ?programme a mdg:Programme .
  {
    ?programme prov:wasDerivedFrom/dcterms:identifier ?value . BIND("document" AS ?field)
  } UNION { ?programme rdfs:label ?value . BIND("title" AS ?field)
  } UNION { ?programme skos:altLabel ?value . BIND("alias" AS ?field)
  } UNION { ?programme mdg:targetsCountry/skos:notation ?value . BIND("country" AS ?field)
  } UNION { ?programme mdg:hasSector/skos:notation ?value . BIND("sector" AS ?field)
  } UNION { ?programme mdg:startDate ?value . BIND("start" AS ?field)
  } UNION { ?programme mdg:endDate ?value . BIND("end" AS ?field)
  } UNION { ?programme dcterms:description ?value . BIND("description" AS ?field)
  } UNION { ?evidence rdf:subject ?programme ; mdg:quote ?value . BIND("quote" AS ?field)
  } UNION {
    VALUES (?role ?field) { (mdg:implementedBy "implementer") (mdg:fundedBy "funder") (mdg:hasPartner "partner") }
    ?programme ?role ?organisation .
    { ?organisation rdfs:label ?name } UNION { ?organisation skos:altLabel ?name }
    BIND(CONCAT(STR(?organisation), "\\u001f", STR(?name)) AS ?value)
  }
}
"""


@dataclass
class GraphProgramme:
    """What the graph says of one programme, as plain strings."""

    iri: str
    documents: set[str] = field(default_factory=set)
    titles: set[str] = field(default_factory=set)
    countries: set[str] = field(default_factory=set)
    sectors: set[str] = field(default_factory=set)
    starts: set[str] = field(default_factory=set)
    ends: set[str] = field(default_factory=set)
    quotes: set[str] = field(default_factory=set)
    #: role -> organisation IRI -> its names
    roles: dict[str, dict[str, set[str]]] = field(default_factory=dict)


def programmes_from_rows(rows: Iterable[Mapping[str, str]]) -> list[GraphProgramme]:
    programmes: dict[str, GraphProgramme] = {}
    for row in rows:
        programme = programmes.setdefault(row["programme"], GraphProgramme(row["programme"]))
        kind, value = row["field"], row["value"]
        if kind in ("implementer", "funder", "partner"):
            organisation, _, name = value.partition("\x1f")
            programme.roles.setdefault(kind, {}).setdefault(organisation, set()).add(name)
        else:
            target = {"document": programme.documents, "title": programme.titles, "alias": programme.titles,
                      "country": programme.countries, "sector": programme.sectors, "start": programme.starts,
                      "end": programme.ends, "quote": programme.quotes, "description": programme.quotes}[kind]
            target.add(value)
    return list(programmes.values())


@dataclass
class Counts:
    true_positives: int = 0
    predicted: int = 0
    expected: int = 0

    def add(self, predicted: set, expected: set) -> None:
        self.true_positives += len(predicted & expected)
        self.predicted += len(predicted)
        self.expected += len(expected)

    @property
    def precision(self) -> float:
        return self.true_positives / self.predicted if self.predicted else 1.0

    @property
    def recall(self) -> float:
        return self.true_positives / self.expected if self.expected else 1.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


@dataclass
class Scores:
    fields: dict[str, Counts]
    found_by_kind: dict[str, tuple[int, int]]   # kind -> (found, total)
    extra_programmes: int                        # graph programmes of scored documents matching no reference
    missed: list[str]

    def recall_by_kind(self) -> dict[str, float]:
        return {kind: found / total if total else 1.0 for kind, (found, total) in self.found_by_kind.items()}

    def as_dict(self) -> dict:
        return {
            "programme_recall": {kind: {"found": f, "total": t, "recall": round(f / t if t else 1.0, 4)}
                                 for kind, (f, t) in self.found_by_kind.items()},
            "extra_programmes": self.extra_programmes,
            "missed": self.missed,
            "fields": {name: {"precision": round(c.precision, 4), "recall": round(c.recall, 4),
                              "f1": round(c.f1, 4), "tp": c.true_positives, "predicted": c.predicted,
                              "expected": c.expected} for name, c in self.fields.items()},
        }

    def table(self) -> str:
        lines = ["programmes found (recall)"]
        for kind, (found, total) in sorted(self.found_by_kind.items()):
            lines.append(f"  {kind:<14} {found:>3}/{total:<3} {found / total if total else 1:.3f}")
        lines.append(f"  extra programmes in scored documents: {self.extra_programmes}")
        lines.append("")
        lines.append(f"{'field':<14} {'precision':>9} {'recall':>7} {'F1':>6}   tp/pred/gold")
        for name, c in self.fields.items():
            lines.append(f"{name:<14} {c.precision:>9.3f} {c.recall:>7.3f} {c.f1:>6.3f}   "
                         f"{c.true_positives}/{c.predicted}/{c.expected}")
        if self.missed:
            lines.append("")
            lines.append("not found: " + "; ".join(self.missed))
        return "\n".join(lines)


def _names(name: str, aliases: Mapping[str, set[str]]) -> set[str]:
    key = _name_key(name)
    return {key} | aliases.get(key, set())


def _name_key(name: str) -> str:
    key = normalise_key(name)
    return key[4:] if key.startswith("the ") else key


def _similarity(reference: Mapping, programme: GraphProgramme) -> float:
    title = normalise_key(reference.get("title") or "")
    best = 0.0
    if title:
        for candidate in programme.titles:
            candidate = normalise_key(candidate)
            if candidate == title:
                return 1.0
            best = max(best, SequenceMatcher(None, title, candidate).ratio())
            if len(title) > 25 and (title in candidate or candidate in title):
                best = max(best, 0.9)
    else:
        quotes = [normalise_key(q) for q in programme.quotes]
        for evidence in reference.get("evidence", ()):
            evidence = normalise_key(evidence)
            if evidence and any(evidence in quote for quote in quotes):
                best = max(best, 0.8)
    return best


def _match(references: list[Mapping], programmes: list[GraphProgramme]) -> dict[int, GraphProgramme]:
    """Greedy one-to-one matching, best pairs first."""
    pairs = sorted(((_similarity(ref, prog), i, j) for i, ref in enumerate(references)
                    for j, prog in enumerate(programmes)), reverse=True)
    matched, used = {}, set()
    for score, i, j in pairs:
        if score < MATCH_THRESHOLD:
            break
        if i not in matched and j not in used:
            matched[i] = programmes[j]
            used.add(j)
    return matched


def _organisation_facts(programme: GraphProgramme | None, role: str | None, reference_names: set[str],
                        aliases: Mapping[str, set[str]]) -> set[str]:
    """The graph's organisations in a role, each named by the reference name it matches (if any)."""
    if programme is None:
        return set()
    facts = set()
    roles = [role] if role else ["implementer", "funder", "partner"]
    for each in roles:
        for iri, names in programme.roles.get(each, {}).items():
            keys = {_name_key(n) for n in names}
            hit = next((ref for ref in sorted(reference_names) if _names(ref, aliases) & keys), None)
            facts.add(hit if hit else f"<{iri}>")
    return facts


def score(gold: Mapping, programmes: list[GraphProgramme]) -> Scores:
    aliases: dict[str, set[str]] = {}
    for organisation in gold.get("organisations", ()):
        names = {_name_key(organisation["name"])} | {_name_key(a) for a in organisation.get("aliases", ())}
        for name in names:
            aliases.setdefault(name, set()).update(names)
    references = gold.get("programmes")
    if not isinstance(references, list):
        raise InputError("the reference file has no 'programmes' list")
    fields = {name: Counts() for name in FIELDS}
    found_by_kind: dict[str, list[int]] = {}
    missed: list[str] = []
    extra = 0
    for source in sorted({ref["source"] for ref in references}):
        refs = [ref for ref in references if ref["source"] == source]
        candidates = [p for p in programmes if source in p.documents]
        matched = _match(refs, candidates)
        extra += len(candidates) - len(matched)
        for i, ref in enumerate(refs):
            programme = matched.get(i)
            tally = found_by_kind.setdefault(ref.get("kind", "programme"), [0, 0])
            tally[1] += 1
            if programme is None:
                missed.append(f"{source}: {ref.get('title') or ref.get('id')}")
            else:
                tally[0] += 1
            p = programme or GraphProgramme("")
            fields["countries"].add({c.upper() for c in p.countries}, {c.upper() for c in ref.get("countries", ())})
            fields["sectors"].add(set(p.sectors), set(ref.get("sectors", ())))
            dates = {("start", ref["start"])} if ref.get("start") else set()
            dates |= {("end", ref["end"])} if ref.get("end") else set()
            fields["dates"].add({("start", d) for d in p.starts} | {("end", d) for d in p.ends}, dates)
            every = {_name_key(n) for role in ("implementers", "funders", "partners") for n in ref.get(role, ())}
            fields["organisations"].add(_organisation_facts(programme, None, every, aliases), every)
            for role in ("implementers", "funders", "partners"):
                expected = {_name_key(n) for n in ref.get(role, ())}
                fields[role].add(_organisation_facts(programme, role[:-1], expected, aliases), expected)
    return Scores(fields, {k: (v[0], v[1]) for k, v in found_by_kind.items()}, extra, missed)


def load_gold(path: Path) -> dict:
    try:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise InputError(f"{path}: cannot read the reference file: {exc.strerror}") from exc
    except json.JSONDecodeError as exc:
        raise InputError(f"{path}:{exc.lineno}: not JSON: {exc.msg}") from exc


def evaluate(gold_path: Path, select: Callable[[str], Iterable[Mapping[str, str]]]) -> Scores:
    """`select` runs a SELECT query on the published graph and yields rows of plain strings."""
    return score(load_gold(gold_path), programmes_from_rows(select(PROGRAMMES_QUERY)))
