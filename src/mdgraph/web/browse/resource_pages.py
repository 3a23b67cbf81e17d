"""The page of each kind of resource, as a plain model for its template.

Links, quotes and literal values come from the resource's description (Service.describe);
what needs a second step through the graph (an organisation's co-partners, the funders of a
country's programmes) comes from the views. Pure: the graph, the views' rows and an `href`
function in, dicts out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCTERMS, FOAF, ORG, PROV, RDF, SKOS

from ...namespaces import KINDS, MDG, MDGID
from ...views import ProgrammeRow, Ref
from ..views import label, resource_view
from .text import highlight, safe_url, span, tally

Href = Callable[[str], "str | None"]

#: The links of a programme, in page order: (property, heading, anchor id).
PROGRAMME_LINKS = (
    (MDG.targetsCountry, "Countries", "countries"),
    (MDG.hasSector, "Sectors", "sectors"),
    (MDG.implementedBy, "Implemented by", "implementers"),
    (MDG.implementingUnit, "Implementing units", "units"),
    (MDG.fundedBy, "Funded by", "funders"),
    (MDG.hasPartner, "Partners", "partners"),
)
#: What a quote supports, for people.
CLAIMS = {MDG.targetsCountry: "country", MDG.hasSector: "sector", MDG.implementedBy: "implementer",
          MDG.implementingUnit: "implementing unit", MDG.fundedBy: "funder", MDG.hasPartner: "partner"}
ROLE_GROUPS = (("implementers", "Implements"), ("funders", "Funds"), ("partners", "Partner in"))
MATCHES = ((SKOS.exactMatch, "exact match"), (SKOS.closeMatch, "close match"), (SKOS.broadMatch, "broader match"),
           (SKOS.narrowMatch, "narrower match"), (SKOS.relatedMatch, "related match"))
DOCUMENT_FIELDS = ((DCTERMS.publisher, "Publisher"), (DCTERMS.issued, "Issued"), (MDG.documentFamily, "Family"),
                   (DCTERMS.language, "Language"), (DCTERMS.identifier, "File"), (MDG.sha256, "SHA-256"))


def kind_of(iri: str) -> str | None:
    """The kind of an mdgid: instance IRI (programme, organisation, ...), else None."""
    base = str(MDGID)
    if not iri.startswith(base):
        return None
    kind, slash, key = iri[len(base):].partition("/")
    return kind if slash and key and "#" not in key and kind in KINDS else None


def link(graph: rdflib.Graph, node, href: Href) -> dict:
    text = label(graph, node) or str(node)
    return {"text": text, "href": href(str(node)) or "", "iri": str(node), "kind": kind_of(str(node))}


def ref_link(ref: Ref, href: Href, count: int | None = None) -> dict:
    return {"text": ref.label, "href": href(ref.iri) or "", "iri": ref.iri, "kind": ref.kind, "count": count}


def _literals(graph: rdflib.Graph, iri: URIRef, predicate) -> list[str]:
    return sorted(str(v) for v in graph.objects(iri, predicate) if isinstance(v, Literal))


def _first(graph: rdflib.Graph, iri: URIRef, *predicates) -> str:
    for predicate in predicates:
        values = _literals(graph, iri, predicate)
        if values:
            return values[0]
    return ""


def base_page(graph: rdflib.Graph, iri: URIRef, kind: str, key: str, href: Href) -> dict:
    """What every resource page has: names, the generic statement tables with inverse-link
    counts, and the supporting quotes."""
    view = resource_view(graph, iri, href)
    for table in ("properties", "inverse"):
        view[table] = [(name, target, values, len(values)) for name, target, values in view[table]]
    title = view["label"]
    view.update({
        "kind": kind,
        "key": key,
        "alt_labels": [a for a in _literals(graph, iri, SKOS.altLabel) if a != title],
        "description": _first(graph, iri, DCTERMS.description, SKOS.definition),
        "facts": [],
        "sections": [],
    })
    return view


def _evidence(graph: rdflib.Graph, iri: URIRef) -> list[dict]:
    """The evidence statements about `iri` as subject: property, object, quote, document, line."""
    found = []
    for node in set(graph.subjects(RDF.type, MDG.Evidence)):
        if graph.value(node, RDF.subject) != iri:
            continue
        found.append({
            "anchor": str(node).partition("#")[2],
            "predicate": graph.value(node, RDF.predicate),
            "object": graph.value(node, RDF.object),
            "quote": str(graph.value(node, MDG.quote) or ""),
            "document": graph.value(node, PROV.wasDerivedFrom),
            "line": int(line) if (line := graph.value(node, MDG.line)) is not None else None,
        })
    return found


def programme_page(graph: rdflib.Graph, iri: URIRef, key: str, href: Href,
                   names: Mapping[str, Iterable[str]] | None = None) -> dict:
    """A programme: its links with the quotes behind each, dates, web links, and its source
    documents, each with its quotes and the linked names marked in them. `names` gives more
    names (alternative labels) of linked resources by IRI, for marking."""
    page = base_page(graph, iri, "programme", key, href)
    evidence = _evidence(graph, iri)
    anchors: dict[tuple, list[str]] = defaultdict(list)
    for item in sorted(evidence, key=lambda e: (e["line"] or 0, e["anchor"])):
        anchors[(item["predicate"], item["object"])].append(item["anchor"])
    for predicate, heading, anchor in PROGRAMME_LINKS:
        values = sorted((link(graph, o, href) for o in graph.objects(iri, predicate) if isinstance(o, URIRef)),
                        key=lambda v: v["text"].casefold())
        for value in values:
            value["quotes"] = anchors.get((predicate, URIRef(value["iri"])), [])
        if values:
            page["sections"].append({"id": anchor, "title": heading, "links": values})
    dates = span(_first(graph, iri, MDG.startDate), _first(graph, iri, MDG.endDate))
    page["facts"] = [(name, value) for name, value in (
        ("Dates", dates),
        ("Extracted as", _first(graph, iri, MDG.extractedAs)),
        ("No country because", _first(graph, iri, MDG.noCountryReason)),
    ) if value]
    page["web_links"] = sorted(str(o) for o in graph.objects(iri, FOAF.page) if safe_url(str(o)))
    page["sources"] = _sources(graph, iri, evidence, href, names or {})
    return page


def _sources(graph: rdflib.Graph, iri: URIRef, evidence: list[dict], href: Href,
             names: Mapping[str, Iterable[str]]) -> list[dict]:
    """Source documents with their quotes (one quote, many claims, shown once), in line order."""
    documents = {d for d in graph.objects(iri, PROV.wasDerivedFrom)} | {e["document"] for e in evidence if e["document"]}
    sources = []
    for document in sorted(documents, key=str):
        quotes: dict[tuple, dict] = {}
        for item in evidence:
            if item["document"] != document:
                continue
            entry = quotes.setdefault((item["line"], item["quote"]), {"line": item["line"], "claims": [], "names": set(),
                                                                      "anchors": []})
            obj = item["object"]
            entry["anchors"].append(item["anchor"])
            entry["claims"].append({"claim": CLAIMS.get(item["predicate"], str(item["predicate"])),
                                    **link(graph, obj, href)})
            entry["names"].update([label(graph, obj) or "", *names.get(str(obj), ())])
        ordered = sorted(quotes.items(), key=lambda kv: (kv[0][0] or 0, kv[0][1]))
        sources.append({
            "document": link(graph, document, href),
            "quotes": [{"line": entry["line"], "anchors": sorted(entry["anchors"]), "text": quote,
                        "claims": sorted(entry["claims"], key=lambda c: (c["claim"], c["text"])),
                        "pieces": highlight(quote, entry["names"])}
                       for (_, quote), entry in ordered],
        })
    return sources


def role_groups(rows: Sequence[ProgrammeRow], iri: str, href: Href) -> list[dict]:
    """An organisation's programmes grouped by its role in them."""
    groups = []
    for field, heading in ROLE_GROUPS:
        programmes = [programme_link(row, href) for row in rows if any(r.iri == iri for r in getattr(row, field))]
        if programmes:
            groups.append({"id": field, "title": heading, "programmes": programmes})
    return groups


def programme_link(row: ProgrammeRow, href: Href) -> dict:
    return {"text": row.label, "href": href(row.iri) or "", "iri": row.iri, "dates": span(row.start, row.end),
            "countries": [ref_link(r, href) for r in row.countries]}


def counted(pairs: Iterable[tuple[Ref, int]], href: Href) -> list[dict]:
    return [ref_link(ref, href, count) for ref, count in pairs]


def organisation_page(graph: rdflib.Graph, iri: URIRef, key: str, href: Href, rows: Sequence[ProgrammeRow]) -> dict:
    """An organisation: programmes by role, co-partners, countries and sectors covered, units."""
    page = base_page(graph, iri, "organisation", key, href)
    own = str(iri)
    page["roles"] = role_groups(rows, own, href)
    page["programme_count"] = len(rows)
    page["covered"] = [
        {"id": "co-partners", "title": "Works with", "links": counted(
            tally([(*r.implementers, *r.funders, *r.partners) for r in rows], skip=own), href)},
        {"id": "countries", "title": "Countries covered", "links": counted(tally(r.countries for r in rows), href)},
        {"id": "sectors", "title": "Sectors covered", "links": counted(tally(r.sectors for r in rows), href)},
    ]
    unit_programmes = sorted((link(graph, s, href) for s in graph.subjects(MDG.implementingUnit, iri)),
                             key=lambda v: v["text"].casefold())
    if unit_programmes:
        page["roles"].append({"id": "unit-programmes", "title": "Implements, as the unit on the ground",
                              "programmes": unit_programmes})
    page["sections"] = [section for section in (
        {"id": "parent", "title": "Part of", "links": _links(graph, graph.objects(iri, ORG.unitOf), href)},
        {"id": "units", "title": "Units", "links": _links(graph, {*graph.objects(iri, ORG.hasUnit),
                                                                   *graph.subjects(ORG.unitOf, iri)}, href)},
        {"id": "based-in", "title": "Based in", "links": _links(graph, graph.objects(iri, MDG.basedIn), href)},
    ) if section["links"]]
    page["facts"] = [("Type", t) for t in _literals(graph, iri, MDG.organisationType)]
    return page


def _links(graph: rdflib.Graph, nodes: Iterable, href: Href) -> list[dict]:
    return sorted((link(graph, n, href) for n in set(nodes) if isinstance(n, URIRef)), key=lambda v: v["text"].casefold())


def country_page(graph: rdflib.Graph, iri: URIRef, key: str, href: Href, rows: Sequence[ProgrammeRow]) -> dict:
    """A country: its programmes, and the sectors, implementers, funders and partners in them."""
    page = base_page(graph, iri, "country", key, href)
    page["programmes"] = [programme_link(row, href) for row in rows]
    page["covered"] = [
        {"id": "sectors", "title": "Sectors", "links": counted(tally(r.sectors for r in rows), href)},
        {"id": "implementers", "title": "Implementers", "links": counted(tally(r.implementers for r in rows), href)},
        {"id": "funders", "title": "Funders", "links": counted(tally(r.funders for r in rows), href)},
        {"id": "partners", "title": "Partners", "links": counted(tally(r.partners for r in rows), href)},
    ]
    page["sections"] = [s for s in (
        {"id": "based-here", "title": "Organisations based here",
         "links": _links(graph, graph.subjects(MDG.basedIn, iri), href)},
    ) if s["links"]]
    page["facts"] = [("ISO 3166 code", n) for n in _literals(graph, iri, SKOS.notation)]
    page["external"] = sorted(str(o) for o in graph.objects(iri, SKOS.exactMatch) if safe_url(str(o)))
    return page


def sector_page(graph: rdflib.Graph, iri: URIRef, key: str, href: Href, rows: Sequence[ProgrammeRow],
                matches: Sequence[tuple[str, str, str, str]]) -> dict:
    """A sector: its programmes, the countries and organisations in them, and its matches in
    other schemes (`matches`: (match property IRI, concept IRI, notation, label))."""
    page = base_page(graph, iri, "sector", key, href)
    page["programmes"] = [programme_link(row, href) for row in rows]
    page["covered"] = [
        {"id": "countries", "title": "Countries", "links": counted(tally(r.countries for r in rows), href)},
        {"id": "organisations", "title": "Organisations",
         "links": counted(tally((*r.implementers, *r.funders, *r.partners) for r in rows), href)},
    ]
    order = {str(p): (position, name) for position, (p, name) in enumerate(MATCHES)}
    page["matches"] = [
        {"relation": order.get(relation, (0, relation))[1], "iri": concept, "notation": notation, "label": text}
        for relation, concept, notation, text in sorted(
            matches, key=lambda m: (order.get(m[0], (len(MATCHES), ""))[0], m[2], m[1]))
    ]
    page["facts"] = [("Notation", n) for n in _literals(graph, iri, SKOS.notation)]
    return page


def document_page(graph: rdflib.Graph, iri: URIRef, key: str, href: Href) -> dict:
    """A document: its metadata and the programmes extracted from it."""
    page = base_page(graph, iri, "document", key, href)
    page["facts"] = [(name, value) for predicate, name in DOCUMENT_FIELDS for value in _literals(graph, iri, predicate)]
    programmes = [s for s in graph.subjects(PROV.wasDerivedFrom, iri) if kind_of(str(s)) == "programme"]
    page["programmes"] = _links(graph, programmes, href)
    return page

