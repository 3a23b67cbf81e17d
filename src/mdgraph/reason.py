"""OWL RL reasoning over the instance graph, two ways that must agree.

`reference_closure` runs owlrl's OWL RL closure over ontology + data. It is the reference, and
slow: owlrl applies every rule to every triple in pure Python, cycle after cycle.

The production path: `compile_rules` reads the ontology's axioms once and turns the OWL RL
rules they trigger into SPARQL 1.1 UPDATEs, with the class and property hierarchies closed
beforehand so that one round already reaches (nearly) all of the closure; `infer_in_store`
runs them over the union of the named graphs of the store a build stages its graph in, until
nothing new is derived, and leaves the result in the inferred graph. `infer` does the same for
an rdflib graph.

Both return only what reasoning adds about instances (subjects under mdgid:), never the
axiomatic noise owlrl also produces (x owl:sameAs x, x a owl:Thing, literal subjects, types that
are anonymous class expressions). tests/test_reason.py checks that the two agree.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator

import owlrl
import pyoxigraph as ox
from rdflib import BNode, Graph, URIRef
from rdflib.namespace import OWL, RDF, RDFS, XSD
from rdflib.term import Node

from .errors import MappingError
from .namespaces import INFERRED_GRAPH, MDGID, ONTOLOGY_GRAPH, bind_prefixes
from .rdfterms import to_oxigraph, to_rdflib

__all__ = ["reference_closure", "compile_rules", "infer", "infer_in_store"]

Triple = tuple[Node, Node, Node]

_ASSERTED = ox.NamedNode("urn:x-mdgraph:asserted")
_ONTOLOGY = ox.NamedNode(str(ONTOLOGY_GRAPH))
_INFERRED = ox.NamedNode(str(INFERRED_GRAPH))

#: Class expressions whose OWL RL rules produce instance triples and that compile_rules does
#: not translate: an ontology using them would make the two paths disagree, so it is refused.
_UNSUPPORTED_CLASS_EXPRESSIONS = (OWL.unionOf, OWL.intersectionOf, OWL.complementOf, OWL.oneOf,
                                  OWL.allValuesFrom, OWL.maxCardinality, OWL.maxQualifiedCardinality,
                                  OWL.cardinality, OWL.qualifiedCardinality)
_UNSUPPORTED_PROPERTY_AXIOMS = {
    OWL.FunctionalProperty: "owl:FunctionalProperty",
    OWL.InverseFunctionalProperty: "owl:InverseFunctionalProperty",
}


def reference_closure(data: Graph, ontology: Graph) -> Graph:
    """The instance triples owlrl's OWL RL closure adds to ontology + data (slow; the reference).

    Inconsistencies owlrl detects (it has little to detect here: the ontology has no
    disjointness or cardinality axioms) are not raised; ill-typed values are SHACL's to report.
    """
    graph = Graph()
    graph += data
    graph += ontology
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(graph)
    return _result(t for t in graph if t not in data and t not in ontology)


def infer(data: Graph, ontology: Graph) -> Graph:
    """The instance triples the compiled rules add to ontology + data (for tests and small graphs)."""
    store = ox.Store()
    store.extend(ox.Quad(*map(to_oxigraph, t), _ASSERTED) for t in data)
    store.extend(ox.Quad(*map(to_oxigraph, t), _ONTOLOGY) for t in ontology)
    infer_in_store(store, compile_rules(ontology))
    return _result(tuple(map(to_rdflib, (q.subject, q.predicate, q.object)))
                   for q in store.quads_for_pattern(None, None, None, _INFERRED))


def infer_in_store(store: ox.Store, rules: list[str]) -> int:
    """Runs `rules` over the union of the store's named graphs to a fixed point; afterwards the
    inferred graph holds what they add about instances and no graph asserts. Returns its size.

    The graph a build stages stays where it is: no copy into a scratch store, so a corpus of
    millions of triples is reasoned over in the memory it already takes.
    """
    store.update(f"CLEAR SILENT GRAPH <{_INFERRED.value}>")
    size = len(store)
    while True:
        for rule in rules:
            store.update(rule)
        grown = len(store)
        if grown == size:
            break
        size = grown
    inferred = f"<{_INFERRED.value}>"
    store.update(f"DELETE {{ GRAPH {inferred} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {inferred} {{ ?s ?p ?o }} "
                 f"GRAPH ?g {{ ?s ?p ?o }} FILTER(?g != {inferred}) }}")
    store.update(f"DELETE {{ GRAPH {inferred} {{ ?s ?p ?o }} }} WHERE {{ GRAPH {inferred} {{ ?s ?p ?o }} "
                 f"FILTER(!isIRI(?s) || !STRSTARTS(STR(?s), \"{MDGID}\") || (?p = <{OWL.sameAs}> && sameTerm(?s, ?o)) "
                 f"|| (?p = <{RDF.type}> && (?o = <{OWL.Thing}> || isBlank(?o)))) }}")
    return inferred_size(store)


def inferred_size(store: ox.Store) -> int:
    """The triples of the store's inferred graph, counted in the store (walking 1.4 million
    quads in Python takes 12 s, the query under one)."""
    found = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{_INFERRED.value}> {{ ?s ?p ?o }} }}")
    return int(next(iter(found))["n"].value)


def compile_rules(ontology: Graph) -> list[str]:
    """SPARQL UPDATEs for the OWL RL rules the ontology's axioms trigger on instances.

    Covered: rdfs:subClassOf, owl:equivalentClass (named classes and owl:someValuesFrom /
    owl:hasValue restrictions), rdfs:subPropertyOf, owl:equivalentProperty, owl:inverseOf,
    rdfs:domain, rdfs:range (object ranges only: a datatype range types literals),
    owl:SymmetricProperty, owl:TransitiveProperty. Axioms whose instance rules are not covered
    raise MappingError rather than letting the two reasoners silently disagree.
    """
    _refuse_unsupported(ontology)
    datatypes = _datatypes(ontology)
    class_supers = _closure(_class_edges(ontology, datatypes))
    property_supers = _closure(_property_edges(ontology))

    def named_supers(cls: Node) -> set[Node]:
        found = {cls} | class_supers.get(cls, set())
        return {c for c in found if isinstance(c, URIRef) and c != OWL.Thing}

    def with_supers(prop: Node) -> set[Node]:
        return {prop} | property_supers.get(prop, set())

    rules = []
    sub_properties = sorted((p, q) for p, supers in property_supers.items() for q in supers
                            if isinstance(p, URIRef) and isinstance(q, URIRef) and p != q)
    if sub_properties:
        rules.append(_rule("prp-spo1, prp-eqp: property hierarchy, closed",
                           "?x ?super ?y", "VALUES (?sub ?super) {%s} " % _rows(sub_properties) + _any("?x ?sub ?y")))

    inverses = set()
    for p, q in ontology.subject_objects(OWL.inverseOf):
        inverses |= {(p, q2) for q2 in with_supers(q)} | {(q, p2) for p2 in with_supers(p)}
    if inverses:
        rules.append(_rule("prp-inv1, prp-inv2: inverses, with the inverse's super-properties",
                           "?y ?inverse ?x", "VALUES (?p ?inverse) {%s} " % _rows(sorted(inverses)) + _any("?x ?p ?y")))

    symmetric = sorted(set(ontology.subjects(RDF.type, OWL.SymmetricProperty)))
    if symmetric:
        rules.append(_rule("prp-symp: symmetric properties", "?y ?p ?x",
                           "VALUES ?p {%s} " % " ".join(p.n3() for p in symmetric) + _any("?x ?p ?y")))
    for prop in sorted(set(ontology.subjects(RDF.type, OWL.TransitiveProperty))):
        rules.append(_rule(f"prp-trp: {prop} is transitive", f"?x {prop.n3()} ?z",
                           _any(f"?x {prop.n3()} ?y") + _any(f"?y {prop.n3()} ?z", 1)))

    for axiom, rule_name, target, where in (
            (RDFS.domain, "prp-dom: rdfs:domain", "?x", _any("?x ?p ?y")),
            (RDFS.range, "prp-rng: rdfs:range", "?y", _any("?x ?p ?y") + " FILTER(!isLiteral(?y))")):
        declared = defaultdict(set)
        for prop, cls in ontology.subject_objects(axiom):
            if cls not in datatypes:
                declared[prop] |= named_supers(cls)
        pairs = sorted({(sub, cls) for sub in _all_properties(ontology, property_supers)
                        for prop in with_supers(sub) for cls in declared.get(prop, ())})
        if pairs:
            rules.append(_rule(f"{rule_name} of a property and of its super-properties",
                               f"{target} a ?c", "VALUES (?p ?c) {%s} %s" % (_rows(pairs), where)))

    for restriction in sorted(set(ontology.subjects(RDF.type, OWL.Restriction)), key=str):
        rules.extend(_restriction_rules(ontology, restriction, class_supers, datatypes, named_supers))

    sub_classes = sorted((c, s) for c, supers in class_supers.items() if isinstance(c, URIRef)
                         for s in named_supers(c) if s != c)
    if sub_classes:
        rules.append(_rule("cax-sco, cax-eqc: class hierarchy, closed", "?x a ?super",
                           "VALUES (?sub ?super) {%s} " % _rows(sub_classes) + _any("?x a ?sub")))
    return rules


def _restriction_rules(ontology: Graph, restriction: Node, class_supers: dict[Node, set[Node]],
                       datatypes: set[Node], named_supers) -> Iterator[str]:
    """cls-svf1/2 and cls-hv1/2 for one owl:Restriction (owl:someValuesFrom or owl:hasValue)."""
    prop = ontology.value(restriction, OWL.onProperty)
    if not isinstance(prop, URIRef):
        raise _unsupported(ontology, f"a restriction on {prop!r}, not on a named property")
    targets = sorted(named_supers(restriction), key=str)
    filler = ontology.value(restriction, OWL.someValuesFrom)
    value = ontology.value(restriction, OWL.hasValue)
    if filler is not None:
        if not isinstance(filler, URIRef) or filler in datatypes:
            raise _unsupported(ontology, f"owl:someValuesFrom {filler!r} on {prop.n3()} "
                                         "(only named classes are compiled)")
        if targets:
            condition = _any(f"?x {prop.n3()} ?y") + ("" if filler == OWL.Thing else _any(f"?y a {filler.n3()}", 1))
            yield _rule(f"cls-svf1, cls-svf2: some {prop.n3()} {filler.n3()}", _types("?x", targets),
                        condition)
        return
    if value is None:
        kinds = ", ".join(sorted(p.n3(ontology.namespace_manager) for p in ontology.predicates(restriction)
                                 if p not in (RDF.type, OWL.onProperty)))
        raise _unsupported(ontology, f"a restriction on {prop.n3()} using {kinds}")
    if targets:
        yield _rule(f"cls-hv2: {prop.n3()} value {value.n3()}", _types("?x", targets),
                    _any(f"?x {prop.n3()} {value.n3()}"))
    members = sorted((c for c, supers in class_supers.items()
                      if restriction in supers and isinstance(c, URIRef)), key=str)
    if members:
        yield _rule(f"cls-hv1: members of a class with {prop.n3()} value {value.n3()}",
                    f"?x {prop.n3()} {value.n3()}",
                    "VALUES ?c {%s} " % " ".join(c.n3() for c in members) + _any("?x a ?c"))


def _refuse_unsupported(ontology: Graph) -> None:
    for kind, name in _UNSUPPORTED_PROPERTY_AXIOMS.items():
        for prop in ontology.subjects(RDF.type, kind):
            raise _unsupported(ontology, f"{prop} is declared {name}")
    for prop in ontology.subjects(OWL.propertyChainAxiom, None):
        raise _unsupported(ontology, f"{prop} has an owl:propertyChainAxiom")
    for cls in ontology.subjects(OWL.hasKey, None):
        raise _unsupported(ontology, f"{cls} has an owl:hasKey")
    datatypes = _datatypes(ontology)
    for predicate in _UNSUPPORTED_CLASS_EXPRESSIONS:
        for node in ontology.subjects(predicate, None):
            if node not in datatypes:
                name = predicate.n3(ontology.namespace_manager)
                raise _unsupported(ontology, f"a class expression with {name}")


def _unsupported(ontology: Graph, what: str) -> MappingError:
    source = next(iter(ontology.subjects(RDF.type, OWL.Ontology)), "ontology")
    return MappingError(str(source), f"the ontology uses {what}, which the rule compiler (reason."
                                     "compile_rules) does not translate; extend it or remove the axiom")


def _datatypes(ontology: Graph) -> set[Node]:
    """Datatypes and data ranges: their class axioms only ever type literals."""
    found = set(ontology.subjects(RDF.type, RDFS.Datatype)) | {RDFS.Literal}
    nodes = set(ontology.all_nodes())
    found |= {n for n in nodes if isinstance(n, URIRef) and n.startswith(str(XSD))}
    return found


def _class_edges(ontology: Graph, datatypes: set[Node]) -> Iterable[tuple[Node, Node]]:
    for sub, sup in ontology.subject_objects(RDFS.subClassOf):
        if sub not in datatypes and sup not in datatypes:
            yield sub, sup
    for a, b in ontology.subject_objects(OWL.equivalentClass):
        if a not in datatypes and b not in datatypes:
            yield a, b
            yield b, a


def _property_edges(ontology: Graph) -> Iterable[tuple[Node, Node]]:
    yield from ontology.subject_objects(RDFS.subPropertyOf)
    for a, b in ontology.subject_objects(OWL.equivalentProperty):
        yield a, b
        yield b, a


def _closure(edges: Iterable[tuple[Node, Node]]) -> dict[Node, set[Node]]:
    """Transitive closure of a relation: node -> every node reachable from it (itself only on a cycle)."""
    direct = defaultdict(set)
    for a, b in edges:
        direct[a].add(b)
    closed = {}
    for start in list(direct):
        seen, pending = set(), list(direct[start])
        while pending:
            node = pending.pop()
            if node not in seen:
                seen.add(node)
                pending.extend(direct.get(node, ()))
        closed[start] = seen
    return closed


def _all_properties(ontology: Graph, property_supers: dict[Node, set[Node]]) -> set[Node]:
    props = set(property_supers) | {q for supers in property_supers.values() for q in supers}
    props |= set(ontology.subjects(RDFS.domain, None)) | set(ontology.subjects(RDFS.range, None))
    return {p for p in props if isinstance(p, URIRef)}


def _rule(name: str, template: str, where: str) -> str:
    """An UPDATE that writes what `where` entails into the inferred graph.

    A single-triple conclusion some graph already holds is not written again: otherwise an
    inverse of an inverse would copy asserted triples into the inferred graph, and the store
    would grow for one more round of every rule before the fixed point shows.
    """
    if " . " not in template:
        where += f" FILTER NOT EXISTS {{ GRAPH ?known {{ {template} }} }}"
    return f"# {name}\nINSERT {{ GRAPH <{INFERRED_GRAPH}> {{ {template} }} }}\nWHERE {{ {where} }}"


def _any(pattern: str, index: int = 0) -> str:
    """A triple pattern matched in any named graph: the rules see the union of the graphs."""
    return f" GRAPH ?g{index} {{ {pattern} }} "


def _rows(pairs: Iterable[tuple[Node, Node]]) -> str:
    return " ".join(f"({a.n3()} {b.n3()})" for a, b in pairs)


def _types(variable: str, classes: Iterable[Node]) -> str:
    return " . ".join(f"{variable} a {c.n3()}" for c in classes)


def _is_instance_level(triple: Triple) -> bool:
    """About an mdgid: resource, and not one of owlrl's axiomatic by-products."""
    s, p, o = triple
    if not isinstance(s, URIRef) or not s.startswith(str(MDGID)):
        return False
    if p == OWL.sameAs and s == o:
        return False
    return not (p == RDF.type and (o == OWL.Thing or isinstance(o, BNode)))


def _result(triples: Iterable[Triple]) -> Graph:
    graph = Graph()
    bind_prefixes(graph)
    for triple in triples:
        if _is_instance_level(triple):
            graph.add(triple)
    return graph
