"""Synthetic corpora and graphs for the benchmarks, the same for the same seed.

    python bench/generate.py documents --count 1000 --out /tmp/corpus-1000
    python bench/generate.py graph --triples 1000000 --out /tmp/graph-1m.nq

Documents come in the three families of the corpus: GFMD annex entries ("Title: ... Country:
... Partner(s): ... Thematic Area(s): ... Tags: ... Summary: ... Timeframe: ... Web Links:"),
IOM project sheets ("Project Title: ... Mission: IOM City, Country ... Donor: ... Timeframe:
Month YYYY—Month YYYY" and a narrative) and narrative paragraphs, with a manifest.yaml.

Graphs are shaped like a published mdgraph graph: the ontology graph, one named graph per
document (programmes with countries, sectors, implementers, funders, partners, dates,
descriptions, and a reified mdg:Evidence statement per link), and an inferred graph (inverse
links and the types reasoning adds). Organisations, countries and sectors are drawn with a
Zipf skew, as in real corpora (a few agencies and countries appear everywhere). The
resources the examples of queries/*.rq name (IOM, health, Moldova, the Moldovan health
professionals programme) are always present. Written as N-Quads (.nq), N-Triples (.nt, the
union) or TriG (.trig).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import random
import re
import sys
from dataclasses import dataclass
from itertools import accumulate
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
MDG = "https://w3id.org/mdgraph/ontology#"
MDGID = "https://w3id.org/mdgraph/id/"
GRAPH = "https://w3id.org/mdgraph/graph/"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
FOAF = "http://xmlns.com/foaf/0.1/"
XSD = "http://www.w3.org/2001/XMLSchema#"
SCHEMA = "https://schema.org/"
ORG = "http://www.w3.org/ns/org#"
#: The programme named by the example of queries/programme-quotes.rq.
EXAMPLE_PROGRAMME = "Better managing the mobility of health professionals in the Republic of Moldova"
DOCUMENT_SIZES = (10, 100, 1_000, 10_000)
GRAPH_SIZES = (10_000, 100_000, 1_000_000, 5_000_000)
PROGRAMMES_PER_DOCUMENT = 5
#: Name the layout of generated graphs and the wording of generated documents, so that cached
#: files of an older kind are not reused.
GRAPH_SHAPE = "entities-graph"
CORPUS_SHAPE = "report-wording"
FAMILIES = ("gfmd-background-paper", "iom-project-showcase", "iom-policy-brief")
_ROLES = {"implementer": ("implementedBy", "implements", "Implementer"),
          "funder": ("fundedBy", "funds", "Funder"),
          "partner": ("hasPartner", "partnerIn", "Partner")}


def slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:80].rstrip("-")


@dataclass(frozen=True)
class Organisation:
    key: str
    label: str
    alt_labels: tuple[str, ...]
    kind: str


class Vocabulary:
    """bench/vocabulary.yaml, the alias table's organisations and the sector scheme."""

    def __init__(self, root: Path = ROOT) -> None:
        words = yaml.safe_load((root / "bench" / "vocabulary.yaml").read_text(encoding="utf-8"))
        self.words = words
        self.countries = [(code, label, city) for code, (label, city) in words["countries"].items()]
        table = yaml.safe_load((root / "mappings" / "organisations.yaml").read_text(encoding="utf-8"))
        known = [Organisation(o["key"], o["label"], tuple(o.get("alt_labels") or ()), o.get("kind") or "other")
                 for o in table["organisations"] if not o.get("parent")]
        national = [
            Organisation(f"{kind_slug}-{code}", f"{name} of {label.rstrip('*')}", (), kind)
            for code, label, _ in self.countries
            for name, kind_slug, kind in (("Ministry of Labour and Social Protection", "ministry-of-labour", "ministry"),
                                          ("Ministry of Foreign Affairs", "ministry-of-foreign-affairs", "ministry"),
                                          ("National Employment Agency", "national-employment-agency", "government-agency"),
                                          ("Diaspora Network", "diaspora-network", "ngo"))
        ]
        taken = {o.key for o in known}
        national = [o for o in national if o.key not in taken]
        iom_first = sorted(known, key=lambda o: o.key != "iom")
        self.implementers = iom_first + [o for o in national if o.kind != "ngo"]
        donors = ("donor-agency", "fund", "regional-body", "intergovernmental")
        self.funders = sorted((o for o in known if o.kind in donors), key=lambda o: donors.index(o.kind))
        self.partners = [o for o in known if o.kind != "donor-agency"] + national
        self.sectors = self._sectors(root / "ontology" / "sectors.ttl")

    @staticmethod
    def _sectors(path: Path) -> list[tuple[str, str]]:
        """(notation, English label) of every mdg:Sector, in the scheme file's order."""
        import pyoxigraph as ox

        fields: dict[str, dict[str, str]] = {}
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            predicate, value = triple.predicate.value, triple.object
            if predicate == f"{SKOS}notation" or (predicate == f"{SKOS}prefLabel" and value.language == "en"):
                fields.setdefault(triple.subject.value, {})[predicate] = value.value
        sectors = [(f[f"{SKOS}notation"], f[f"{SKOS}prefLabel"]) for iri, f in fields.items()
                   if iri.startswith(f"{MDGID}sector/") and len(f) == 2]
        if not sectors:
            sys.exit(f"{path}: no sectors found (skos:notation and an English skos:prefLabel)")
        return sectors


class Zipf:
    """Draws from a list with probability 1/rank**skew, so the first items dominate."""

    def __init__(self, items: list, skew: float = 1.0) -> None:
        self.items = items
        self.cumulative = list(accumulate(1 / (rank ** skew) for rank in range(1, len(items) + 1)))

    def draw(self, rng: random.Random, count: int = 1) -> list:
        chosen = []
        for _ in range(count * 3):
            item = rng.choices(self.items, cum_weights=self.cumulative)[0]
            if item not in chosen:
                chosen.append(item)
            if len(chosen) == count:
                break
        return chosen


@dataclass
class Programme:
    key: str
    title: str
    acronym: str | None
    countries: list[tuple[str, str, str]]
    sectors: list[tuple[str, str]]
    roles: dict[str, list[Organisation]]
    start: tuple[int, int] | None
    end: tuple[int, int] | None
    subject: str


class Generator:
    """Programmes drawn from the vocabulary; each call continues the same seeded sequence."""

    def __init__(self, seed: int, vocabulary: Vocabulary | None = None) -> None:
        self.rng = random.Random(seed)
        self.vocabulary = vocabulary or Vocabulary()
        v = self.vocabulary
        self.countries = Zipf(v.countries, 0.8)
        self.sectors = Zipf(v.sectors, 0.6)
        self.implementers = Zipf(v.implementers, 1.2)
        self.funders = Zipf(v.funders, 1.0)
        self.partners = Zipf(v.partners, 0.9)
        self.titles: dict[str, int] = {}
        self.keys: set[str] = set()
        self.count = 0

    def programme(self) -> Programme:
        rng, words = self.rng, self.vocabulary.words
        self.count += 1
        if self.count == 1:
            md = next(c for c in self.vocabulary.countries if c[0] == "md")
            iom = self.vocabulary.implementers[0]
            health = next(s for s in self.vocabulary.sectors if s[0] == "health")
            return self._named(EXAMPLE_PROGRAMME, None, [md], [health], {"implementer": [iom], "funder": [],
                               "partner": []}, (2011, 1), (2014, 12), "the mobility of health professionals")
        countries = self.countries.draw(rng, rng.choice((1, 1, 1, 2, 3)))
        subject = rng.choice(words["subjects"])
        title = f"{rng.choice(words['actions'])} {subject} in {countries[0][1].rstrip('*')}"
        acronym = "".join(w[0] for w in title.split() if w[0].isupper() or len(w) > 3).upper()[:6] \
            if rng.random() < 0.2 else None
        implementers = self.implementers.draw(rng, rng.choice((1, 1, 1, 2)))
        roles = {
            "implementer": implementers,
            "funder": [o for o in self.funders.draw(rng, rng.choice((0, 1, 1, 2))) if o not in implementers],
            "partner": [o for o in self.partners.draw(rng, rng.choice((0, 1, 2, 3))) if o not in implementers],
        }
        start = (rng.randint(2000, 2018), rng.randint(1, 12)) if rng.random() < 0.85 else None
        end = (start[0] + rng.randint(1, 5), rng.randint(1, 12)) if start and rng.random() < 0.75 else None
        return self._named(title, acronym, countries, self.sectors.draw(rng, rng.choice((1, 2, 2, 3))), roles,
                           start, end, subject)

    def _named(self, title, acronym, countries, sectors, roles, start, end, subject) -> Programme:
        seen = self.titles.get(title, 0)
        self.titles[title] = seen + 1
        if seen:
            title = f"{title} (phase {seen + 1})"
        key = slug(title)
        if key in self.keys:  # slugs are cut at 80 characters: keep every programme's IRI its own
            key = f"{key[:72]}-{self.count}"
        self.keys.add(key)
        return Programme(key, title, acronym, countries, sectors, roles, start, end, subject)


# -- documents ---------------------------------------------------------------------------------

#: The kind of programme record each family's documents give, as the reference files name it.
KINDS = {"gfmd-background-paper": "annex-entry", "iom-project-showcase": "block", "iom-policy-brief": "narrative"}
#: The donor a project sheet names when the programme has no funder, and the implementer its
#: "Mission: IOM <city>" lines give.
DEFAULT_DONOR = Organisation("iom-development-fund", "IOM Development Fund", ("IDF",), "fund")
IOM = Organisation("iom", "International Organization for Migration", ("IOM",), "intergovernmental")


@dataclass
class Written:
    """A programme as one document writes it: the text, and the facts a reader can take from
    that text (the reference facts of --gold, in the format of ../shared/eval/dev_gold.json)."""

    text: str
    facts: dict
    organisations: list[Organisation]


def _month(rng: random.Random, when: tuple[int, int], months: list[str]) -> str:
    return f"{months[when[1] - 1]} {when[0]}"


def _facts(p: Programme, title: str, countries: list, roles: dict[str, list[Organisation]],
           start: str | None = None, end: str | None = None, aliases: tuple[str, ...] = (), **more) -> dict:
    return {"id": p.key, "title": title, "aliases": list(aliases),
            "countries": [code.upper() for code, _, _ in countries],
            **{role: list(dict.fromkeys(o.label for o in roles.get(role, ()))) for role in
               ("implementers", "funders", "partners")},
            "sectors": [], "start": start, "end": end, **more}


def annex_entry(p: Programme, rng: random.Random, words: dict) -> Written:
    listed = list({o.key: o for role in ("implementer", "funder", "partner") for o in p.roles[role]}.values())
    organisations = [o.label for role in ("implementer", "funder", "partner") for o in p.roles[role]]
    heading = "Partner(s)/Funder(s)" if p.roles["funder"] else "Partner(s)"
    timeframe = ""
    if p.start and p.end:
        timeframe = f"Timeframe:  {_month(rng, p.start, words['months'])} to {_month(rng, p.end, words['months'])}\n"
    title = f"{p.title} ({p.acronym})" if p.acronym else p.title
    areas = rng.sample(words["thematic_areas"], 2)
    tags = rng.sample(words["tags"], rng.randint(1, 3))
    text = (
        f"Title:  {title}\n\n"
        f"Country: {', '.join(c[1] for c in p.countries)} {heading}: {', '.join(organisations) or 'n/a'}\n\n"
        f"Thematic Area(s):  {'; '.join(areas)}\n\n"
        f"Tags: {'; '.join(tags)}\n\n"
        f"Summary: The project addresses {p.subject}. {rng.choice(words['filler'])}\n"
        f"{timeframe}"
        f"Web Links :  http://www.example.org/projects/{p.key}\n\n"
    )
    # "Partner(s)/Funder(s)" does not say who funds: every organisation listed is a partner
    facts = _facts(p, title, p.countries, {"partners": listed},
                   *((f"{p.start[0]}-{p.start[1]:02d}", f"{p.end[0]}-{p.end[1]:02d}") if timeframe else ()),
                   aliases=(p.acronym,) if p.acronym else (), thematic_areas_verbatim=areas, tags_verbatim=tags)
    return Written(text, facts, listed)


def project_sheet(p: Programme, rng: random.Random, words: dict) -> Written:
    start = p.start or (2014, 1)
    end = p.end or (start[0] + 2, start[1])
    donor = p.roles["funder"][0] if p.roles["funder"] else DEFAULT_DONOR
    donor_written = donor.label if p.roles["funder"] else f"{donor.label} ({donor.alt_labels[0]})"
    missions = "; ".join(f"IOM {city}, {label}" for _, label, city in p.countries)
    head = (
        f"Project Title:  {p.title}\n\n"
        f"Mission:   {missions}\n"
        f"Donor:   {donor_written}\n\n"
        f"Timeframe:  {_month(rng, start, words['months'])}\u2014{_month(rng, end, words['months'])}\n\n"
        f"{p.subject.upper()}\n\n"
    )
    story = _narrative(p, rng, words)
    text = f"{head}{story.text} {' '.join(rng.sample(words['filler'], 2))}\n\n"
    roles = {"implementers": [IOM, *story.organisations[:1]], "funders": [donor]}
    facts = _facts(p, p.title, p.countries, roles, f"{start[0]}-{start[1]:02d}", f"{end[0]}-{end[1]:02d}",
                   aliases=tuple(story.facts["aliases"]))
    return Written(text, facts, [IOM, donor, *story.organisations])


def _narrative(p: Programme, rng: random.Random, words: dict) -> Written:
    """One of the narrative sentences about `p`; its facts are those the sentence states
    (implementer, funder, first country, the year it started when it gives one)."""
    implementer = p.roles["implementer"][0].label if p.roles["implementer"] else "the Government"
    funder = p.roles["funder"][0].label if p.roles["funder"] else "national partners"
    acronym = p.acronym or "".join(w[0] for w in p.title.split()[:4]).upper()
    template = rng.choice(words["narrative"])
    year = (p.start or (2012, 1))[0]
    text = template.format(programme=p.title, acronym=acronym, implementer=implementer, funder=funder,
                           country=p.countries[0][1], year=year, subject=p.subject)
    roles = {"implementers": p.roles["implementer"][:1], "funders": p.roles["funder"][:1]}
    facts = _facts(p, p.title, p.countries[:1], roles, str(year) if "{year}" in template else None,
                   aliases=(acronym,) if "{acronym}" in template else ())
    return Written(text, facts, [*roles["implementers"], *roles["funders"]])


def document_text(family: str, number: int, programmes: list[Programme], rng: random.Random,
                  words: dict) -> tuple[str, list[Written]]:
    """The text of a document of `family` about `programmes`, and what it writes of each."""
    if family == "gfmd-background-paper":
        head = f"Background Paper, Round Table {number % 3 + 1}.{number % 4 + 1}: {programmes[0].subject.capitalize()}\n\n"
        head += "Annex: Policies and practices shared by governments\n\n"
        written = [annex_entry(p, rng, words) for p in programmes]
        return head + "".join(w.text for w in written), written
    if family == "iom-project-showcase":
        head = f"Showcase Projects {2010 + number % 8}: Labour Mobility and Human Development\n\n"
        written = [project_sheet(p, rng, words) for p in programmes]
        return head + "".join(w.text for w in written), written
    head = f"IOM policy brief {number}: migration and development\n\n{rng.choice(words['filler'])}\n\n"
    written = []
    for p in programmes:
        sentence = _narrative(p, rng, words)
        written.append(Written(f"{sentence.text} {rng.choice(words['filler'])}\n\n", sentence.facts,
                               sentence.organisations))
    return head + "".join(w.text for w in written), written


def write_documents(count: int, out: Path, seed: int = 7, gold: Path | None = None) -> list[Path]:
    """`count` documents of the three families, and their manifest.yaml, into `out`; with
    `gold`, the reference facts of their programmes too (see `Written`)."""
    generator = Generator(seed)
    rng, words = generator.rng, generator.vocabulary.words
    out.mkdir(parents=True, exist_ok=True)
    manifest, paths, references = [], [], []
    organisations: dict[str, Organisation] = {}
    for number in range(count):
        family = FAMILIES[number % len(FAMILIES)]
        programmes = [generator.programme() for _ in range(rng.randint(3, 8))]
        path = out / f"{number:05d}_synthetic.txt"
        text, written = document_text(family, number, programmes, rng, words)
        path.write_text(text, encoding="utf-8")
        paths.append(path)
        manifest.append({"file": path.name, "title": f"Synthetic document {number}", "family": family,
                         "publisher": "International Organization for Migration" if family != FAMILIES[0]
                         else "Global Forum on Migration and Development",
                         "year": 2010 + number % 8, "language": "en"})
        references += [{**w.facts, "source": path.name, "kind": KINDS[family]} for w in written]
        organisations.update((o.key, o) for w in written for o in w.organisations)
    (out / "manifest.yaml").write_text(yaml.safe_dump({"documents": manifest}, sort_keys=False), encoding="utf-8")
    if gold is not None:
        _write_gold(gold, references, organisations.values())
    return paths


def _write_gold(path: Path, references: list[dict], organisations) -> None:
    """The reference facts; an annex entry's sectors are those the sector table gives its
    thematic areas and tags (the author's own classification); other families state none."""
    table = yaml.safe_load((ROOT / "mappings" / "sectors.yaml").read_text(encoding="utf-8"))["labels"]
    labels = {label.lower(): notations for label, notations in table.items()}
    for reference in references:
        written = reference.get("thematic_areas_verbatim", []) + reference.get("tags_verbatim", [])
        notations = [n for label in written for n in labels.get(label.lower(), labels.get(label.lower().rstrip("s"), []))]
        reference["sectors"] = list(dict.fromkeys(notations))
    document = {
        "about": "Reference facts of a synthetic corpus (bench/generate.py documents --gold): what each "
                 "document writes of its programmes.",
        "programmes": references,
        "organisations": [{"name": o.label, "aliases": list(o.alt_labels), "kind": o.kind, "country": None}
                          for o in sorted(organisations, key=lambda o: o.key)],
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(document, indent=1, ensure_ascii=False), encoding="utf-8")


# -- graphs ------------------------------------------------------------------------------------

def _literal(text: str, suffix: str = "") -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    return f'"{escaped}"{suffix}'


def _date(when: tuple[int, int], precise: bool) -> str:
    return _literal(f"{when[0]}-{when[1]:02d}", f"^^<{XSD}gYearMonth>") if precise \
        else _literal(str(when[0]), f"^^<{XSD}gYear>")


class GraphWriter:
    """Quads as N-Quads lines, counted, with the entities and inferred graphs kept until the end
    (as the build does, each organisation and country is described once, in the entities graph)."""

    def __init__(self, out: io.TextIOBase) -> None:
        self.out = out
        self.count = 0
        self.entities: dict[str, list[str]] = {}
        self.inferred: set[str] = set()

    def describe(self, subject: str, triples: list[tuple[str, str]]) -> None:
        """The description of an organisation or country, the first time it is named."""
        if subject not in self.entities:
            self.entities[subject] = [f"{subject} {p} {o} <{GRAPH}entities> .\n" for p, o in triples]

    def quad(self, s: str, p: str, o: str, g: str) -> None:
        self.out.write(f"{s} {p} {o} <{g}> .\n")
        self.count += 1

    def infer(self, s: str, p: str, o: str) -> None:
        self.inferred.add(f"{s} {p} {o} <{GRAPH}inferred> .\n")

    @property
    def total(self) -> int:
        return self.count + sum(map(len, self.entities.values())) + len(self.inferred)

    def finish(self) -> None:
        for subject in sorted(self.entities):
            self.out.writelines(self.entities[subject])
            self.count += len(self.entities[subject])
        self.out.writelines(sorted(self.inferred))
        self.count += len(self.inferred)


def _ontology_quads(writer: GraphWriter) -> None:
    import pyoxigraph as ox  # only to turn the ontology's Turtle into quads

    blank: dict[str, str] = {}  # the parser names blank nodes at random: number them instead

    def term(node) -> str:
        if isinstance(node, ox.BlankNode):
            return blank.setdefault(node.value, f"_:ontology{len(blank)}")
        return str(node)

    for path in sorted((ROOT / "ontology").glob("*.ttl")):
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE):
            writer.quad(term(triple.subject), str(triple.predicate), term(triple.object), f"{GRAPH}ontology")


def _programme_quads(w: GraphWriter, p: Programme, doc: str, g: str, rng: random.Random, words: dict) -> None:
    s = f"<{MDGID}programme/{p.key}>"
    w.quad(s, f"<{RDF}type>", f"<{MDG}Programme>", g)
    w.quad(s, f"<{RDFS}label>", _literal(p.title, "@en"), g)
    w.quad(s, f"<{MDG}extractedAs>", _literal(rng.choice(("annex-entry", "project-sheet", "narrative"))), g)
    w.quad(s, f"<{PROV}wasDerivedFrom>", doc, g)
    if p.acronym:
        w.quad(s, f"<{SKOS}altLabel>", _literal(p.acronym, "@en"), g)
    if rng.random() < 0.7:
        w.quad(s, f"<{DCT}description>", _literal(f"The project addresses {p.subject}. {rng.choice(words['filler'])}", "@en"), g)
    if rng.random() < 0.3:
        w.quad(s, f"<{FOAF}page>", f"<http://www.example.org/projects/{p.key}>", g)
    if p.start:
        w.quad(s, f"<{MDG}startDate>", _date(p.start, rng.random() < 0.5), g)
    if p.end:
        w.quad(s, f"<{MDG}endDate>", _date(p.end, rng.random() < 0.5), g)
    w.infer(s, f"<{RDF}type>", f"<{SCHEMA}Project>")
    w.infer(s, f"<{RDF}type>", f"<{PROV}Entity>")
    links = [(f"<{MDG}targetsCountry>", f"<{MDGID}country/{c[0]}>", f"Country: {c[1]}") for c in p.countries]
    links += [(f"<{MDG}hasSector>", f"<{MDGID}sector/{notation}>", f"Thematic Area(s): {label}")
              for notation, label in p.sectors]
    for role, (prop, inverse, role_class) in _ROLES.items():
        for organisation in p.roles[role]:
            o = f"<{MDGID}organisation/{organisation.key}>"
            links.append((f"<{MDG}{prop}>", o, f"Partner(s): {organisation.label}"))
            w.infer(o, f"<{MDG}{inverse}>", s)
            w.infer(o, f"<{RDF}type>", f"<{MDG}{role_class}>")
    for prop, value, quote in links:
        w.quad(s, prop, value, g)
        statement = f"<{MDGID}programme/{p.key}#q-{hashlib.sha1(f'{prop}{value}{doc}'.encode()).hexdigest()[:12]}>"
        w.quad(statement, f"<{RDF}type>", f"<{RDF}Statement>", g)
        w.quad(statement, f"<{RDF}type>", f"<{MDG}Evidence>", g)
        w.quad(statement, f"<{RDF}subject>", s, g)
        w.quad(statement, f"<{RDF}predicate>", prop, g)
        w.quad(statement, f"<{RDF}object>", value, g)
        w.quad(statement, f"<{PROV}wasDerivedFrom>", doc, g)
        w.quad(statement, f"<{MDG}quote>", _literal(quote, "@en"), g)
        w.quad(statement, f"<{MDG}line>", _literal(str(rng.randint(1, 5000)), f"^^<{XSD}integer>"), g)
        w.infer(statement, f"<{RDF}type>", f"<{PROV}Entity>")


def _document_quads(w: GraphWriter, number: int, programmes: list[Programme], rng: random.Random, words: dict) -> None:
    key = f"synthetic-{number:06d}"
    doc, g = f"<{MDGID}document/{key}>", f"{GRAPH}document/{key}"
    family = FAMILIES[number % len(FAMILIES)]
    w.quad(doc, f"<{RDF}type>", f"<{MDG}Document>", g)
    w.quad(doc, f"<{DCT}title>", _literal(f"Synthetic document {number}", "@en"), g)
    w.quad(doc, f"<{DCT}issued>", _literal(str(2010 + number % 8), f"^^<{XSD}gYear>"), g)
    w.quad(doc, f"<{MDG}documentFamily>", _literal(family), g)
    w.quad(doc, f"<{MDG}sha256>", _literal(hashlib.sha256(key.encode()).hexdigest()), g)
    w.infer(doc, f"<{RDF}type>", f"<{FOAF}Document>")
    organisations: dict[str, Organisation] = {}
    countries: dict[str, tuple[str, str, str]] = {}
    for programme in programmes:
        _programme_quads(w, programme, doc, g, rng, words)
        organisations.update((o.key, o) for members in programme.roles.values() for o in members)
        countries.update((c[0], c) for c in programme.countries)
    for organisation in organisations.values():
        o = f"<{MDGID}organisation/{organisation.key}>"
        w.describe(o, [(f"<{RDF}type>", f"<{MDG}Organisation>"),
                       (f"<{RDFS}label>", _literal(organisation.label, "@en")),
                       (f"<{MDG}organisationType>", _literal(organisation.kind))]
                   + [(f"<{SKOS}altLabel>", _literal(alt, "@en")) for alt in organisation.alt_labels])
        for cls in (f"{ORG}Organization", f"{SCHEMA}Organization", f"{FOAF}Organization", f"{PROV}Agent"):
            w.infer(o, f"<{RDF}type>", f"<{cls}>")
    for code, label, _ in countries.values():
        c = f"<{MDGID}country/{code}>"
        alt = [(f"<{SKOS}altLabel>", _literal(label, "@en"))] if label.rstrip("*") != label or code == "md" else []
        w.describe(c, [(f"<{RDF}type>", f"<{MDG}Country>"),
                       (f"<{RDFS}label>", _literal("Moldova" if code == "md" else label.rstrip("*"), "@en")),
                       *alt, (f"<{SKOS}notation>", _literal(code.upper(), f"^^<{MDG}ISO3166Alpha2>"))])
        w.infer(c, f"<{RDF}type>", f"<{SCHEMA}Country>")


def write_graph(triples: int, out: Path, seed: int = 7) -> int:
    """A graph of about `triples` quads (whole documents, so a little more) to `out`;
    returns the number written."""
    generator = Generator(seed)
    rng, words = generator.rng, generator.vocabulary.words
    out.parent.mkdir(parents=True, exist_ok=True)
    nquads = out.with_suffix(".nq") if out.suffix != ".nq" else out
    with open(nquads, "w", encoding="utf-8", buffering=1 << 20) as stream:
        writer = GraphWriter(stream)
        _ontology_quads(writer)
        number = 0
        while writer.total < triples:
            programmes = [generator.programme() for _ in range(PROGRAMMES_PER_DOCUMENT)]
            _document_quads(writer, number, programmes, rng, words)
            number += 1
        writer.finish()
    if nquads != out:
        _convert(nquads, out)
    return writer.count


def _convert(nquads: Path, out: Path) -> None:
    import pyoxigraph as ox

    if out.suffix == ".trig":
        ox.serialize(ox.parse(path=str(nquads), format=ox.RdfFormat.N_QUADS), output=str(out), format=ox.RdfFormat.TRIG)
    elif out.suffix == ".nt":
        union = ox.Store()
        union.bulk_load(path=str(nquads), format=ox.RdfFormat.N_QUADS)
        rows = union.query("SELECT DISTINCT ?s ?p ?o WHERE { ?s ?p ?o }", use_default_graph_as_union=True)
        ox.serialize((ox.Triple(r["s"], r["p"], r["o"]) for r in rows), output=str(out), format=ox.RdfFormat.N_TRIPLES)
    else:
        sys.exit(f"{out}: unknown graph format; use .nq, .nt or .trig")
    nquads.unlink()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("documents", help="a synthetic corpus of .txt documents")
    p.add_argument("--count", type=int, default=100, help=f"documents (the suite uses {DOCUMENT_SIZES})")
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--gold", type=Path, help="also write the reference facts of the documents' programmes "
                                             "(the format of ../shared/eval/dev_gold.json), for `mdgraph evaluate`")
    p = sub.add_parser("graph", help="a synthetic published graph")
    p.add_argument("--triples", type=int, default=100_000, help=f"quads (the suite uses {GRAPH_SIZES})")
    p.add_argument("--out", type=Path, required=True, help=".nq, .nt or .trig")
    p.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)
    if args.what == "documents":
        paths = write_documents(args.count, args.out, args.seed, args.gold)
        print(f"{len(paths)} documents in {args.out}" + (f", reference facts in {args.gold}" if args.gold else ""))
    else:
        count = write_graph(args.triples, args.out, args.seed)
        print(f"{count} quads in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
