"""Validation: the SHACL shapes of shapes/ and the violation queries of queries/qc/.

A graph that does not conform is a result, not an error: `validate` returns every violation
with the node, the shape or query, the value and a message a person can act on. Only a
malformed shapes file or query is an error (MappingError, QueryError).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph as ox
import pyshacl
import pyshacl_turbo
from pyparsing import ParseBaseException
from pyshacl.errors import ConstraintLoadError, ReportableRuntimeError, ShapeLoadError
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import RDF, SH, XSD
from rdflib.term import Node

from .errors import MappingError, QueryError
from .namespaces import ONTOLOGY_GRAPH, PREFIXES, bind_prefixes
from .rdfterms import to_oxigraph

__all__ = ["Violation", "ValidationResult", "load_shapes", "validate", "merged", "run_qc_queries", "format_report"]

MDGSH = Namespace("https://w3id.org/mdgraph/shapes#")
SHACL_SOURCE = "shacl"
_DATA_GRAPH = ox.NamedNode("urn:x-mdgraph:data")
#: Longest namespaces first, so that mdgid: wins over a shorter prefix of it.
_REPORT_PREFIXES = sorted(((prefix, str(namespace)) for prefix, namespace in PREFIXES.items()),
                          key=lambda item: -len(item[1])) + [("mdgsh", str(MDGSH))]


@dataclass(frozen=True)
class Violation:
    """One thing wrong with the graph.

    focus_node, path and value are full IRIs, or N-Triples forms for literals and blank nodes;
    shape is the shape's IRI, or the query name for a violation query; source is "shacl" or
    the query name.
    """

    focus_node: str
    shape: str
    path: str | None
    value: str | None
    message: str
    severity: str = "Violation"
    source: str = SHACL_SOURCE


@dataclass(frozen=True)
class ValidationResult:
    """conforms is True when no violation has severity "Violation" (warnings and infos pass)."""

    conforms: bool
    violations: tuple[Violation, ...]
    text: str


def load_shapes(shapes_dir: Path) -> Graph:
    """Every shapes/*.ttl in one graph; a malformed file is a MappingError naming it."""
    paths = sorted(Path(shapes_dir).glob("*.ttl"))
    if not paths:
        raise MappingError(str(shapes_dir), "no SHACL shapes files (*.ttl)")
    shapes = Graph()
    for path in paths:
        try:
            shapes.parse(path, format="turtle")
        except (OSError, SyntaxError, ValueError) as exc:
            raise MappingError(str(path), f"not valid Turtle: {exc}") from exc
    return shapes


def validate(data: Graph | ox.Store, shapes: Graph, ontology: Graph | None = None,
             qc_dir: Path | None = None, *, reference: bool = False) -> ValidationResult:
    """SHACL (no inference, SPARQL constraints on) and the violation queries of qc_dir, if given.

    `data` is an rdflib graph or the pyoxigraph Store a build stages its named graphs in (then
    the union of its graphs is validated, where it is: a corpus of millions of triples is not
    copied). SHACL runs in pyshacl-turbo; `reference=True` runs pySHACL instead, the reference
    the tests hold it to (rdflib graphs only). The ontology graph, when given, is validated
    with the data: the sector scheme lives there.
    """
    if reference:
        if isinstance(data, ox.Store):
            raise TypeError("the pySHACL reference validates rdflib graphs")
        report, text = _pyshacl_report(data, shapes, ontology)
        store = _staged(data, ontology)
    else:
        store = data if isinstance(data, ox.Store) else _staged(data, ontology)
        report, text = _turbo_report(store, shapes)
    violations = list(_shacl_violations(report, shapes))
    if qc_dir is not None:
        qc = run_qc_queries(store, qc_dir)
        violations += qc
        text += "\nViolation queries: " + (f"{len(qc)} rows\n" + _format_lines(qc) if qc else "no rows")
    ordered = tuple(sorted(set(violations), key=_sort_key))
    conforms = not any(v.severity == "Violation" for v in ordered)
    return ValidationResult(conforms, ordered, text)


def merged(results: Iterable[ValidationResult]) -> ValidationResult:
    """One result for a graph validated in parts (batches.py): each violation once."""
    violations = tuple(sorted({v for result in results for v in result.violations}, key=_sort_key))
    conforms = not any(v.severity == "Violation" for v in violations)
    return ValidationResult(conforms, violations, _format_lines(violations) if violations else "conforms")


def _staged(data: Graph, ontology: Graph | None) -> ox.Store:
    """An rdflib graph (and the ontology) as named graphs of an in-memory store."""
    store = ox.Store()
    for name, graph in ((_DATA_GRAPH, data), (ox.NamedNode(str(ONTOLOGY_GRAPH)), ontology)):
        if graph is not None:
            store.bulk_extend(ox.Quad(*map(to_oxigraph, triple), name) for triple in graph)
    return store


def _turbo_report(store: ox.Store, shapes: Graph) -> tuple[Graph, str]:
    try:
        _, report, text = pyshacl_turbo.validate(store, shacl_graph=shapes, inference="none", advanced=True,
                                                 allow_warnings=True, allow_infos=True)
    except (pyshacl_turbo.ReportableRuntimeError, ValueError) as exc:  # turbo's errors in shapes are ValueErrors
        raise MappingError("shapes", f"the SHACL shapes cannot be used: {exc}") from exc
    return report, text


def _pyshacl_report(data: Graph, shapes: Graph, ontology: Graph | None) -> tuple[Graph, str]:
    graph = data
    if ontology is not None:
        graph = Graph()
        bind_prefixes(graph)
        graph += data
        graph += ontology
    try:
        _, report, text = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=True,
                                           allow_warnings=True, allow_infos=True, inplace=True)
    except (ShapeLoadError, ConstraintLoadError) as exc:
        raise MappingError("shapes", f"the SHACL shapes cannot be used: {exc}") from exc
    except (ReportableRuntimeError, ParseBaseException) as exc:
        raise MappingError("shapes", f"a SHACL constraint failed to run: {exc}") from exc
    return report, text


def run_qc_queries(store: ox.Store, qc_dir: Path) -> tuple[Violation, ...]:
    """Runs every qc_dir/*-violation.rq on the union of the store's graphs; each row is a
    Violation named after its query.

    A query selects ?resource (the offending node), ?message and optionally ?value.
    """
    violations = []
    for path in sorted(Path(qc_dir).glob("*-violation.rq")):
        name = path.stem
        try:
            rows = store.query(path.read_text(encoding="utf-8"), use_default_graph_as_union=True)
        except OSError as exc:
            raise QueryError(f"{path}: cannot read the violation query: {exc}") from exc
        except SyntaxError as exc:
            raise QueryError(f"{path}: not a valid SPARQL query: {exc}") from exc
        names = {v.value for v in getattr(rows, "variables", ())}
        if not {"resource", "message"} <= names:
            raise QueryError(f"{path}: a violation query must be a SELECT of ?resource and ?message")
        for row in rows:
            violations.append(Violation(
                focus_node=_ox_text(row["resource"]),
                shape=name,
                path=None,
                value=_ox_text(row["value"]) if "value" in names and row["value"] is not None else None,
                message=row["message"].value if row["message"] is not None else "(no message)",
                source=name,
            ))
    return tuple(sorted(violations, key=_sort_key))


def format_report(result: ValidationResult) -> str:
    """A summary line, then one line per violation: node | shape or query (path) | value | message."""
    if not result.violations:
        return "conforms: no violations"
    shacl = sum(1 for v in result.violations if v.source == SHACL_SOURCE)
    head = (f"{'conforms' if result.conforms else 'does not conform'}: {len(result.violations)} results "
            f"({shacl} from SHACL shapes, {len(result.violations) - shacl} from violation queries)")
    return head + "\n" + _format_lines(result.violations)


def _format_lines(violations) -> str:
    lines = []
    for v in violations:
        where = _compact(v.shape) + (f" ({_compact(v.path)})" if v.path else "")
        lines.append(f"{v.severity}: {_compact(v.focus_node)} | {where} | {_compact(v.value)} | {v.message}")
    return "\n".join(lines)


def _compact(text: str | None) -> str:
    """An IRI, or the datatype IRI of a literal, shortened with the project's prefixes for people."""
    if not text:
        return "-"
    head, marker, datatype = text.rpartition("^^<")
    if marker:
        return f"{head}^^{_compact(datatype[:-1])}"
    for prefix, namespace in _REPORT_PREFIXES:
        if text.startswith(namespace) and len(text) > len(namespace):
            return f"{prefix}:{text[len(namespace):]}"
    return text


def _shacl_violations(report: Graph, shapes: Graph):
    """The report's top-level results (nested sh:detail results are explained by their parent)."""
    for result in report.objects(None, SH.result):
        shape = report.value(result, SH.sourceShape)
        path = report.value(result, SH.resultPath)
        focus = report.value(result, SH.focusNode)
        value = report.value(result, SH.value)
        yield Violation(
            focus_node=_term_text(focus),
            shape=_shape_name(shapes, shape),
            path=_term_text(path) if isinstance(path, URIRef) else None,
            value=_term_text(value) if value is not None and value != focus else None,
            message=_message(report, result),
            severity=str(report.value(result, SH.resultSeverity)).rpartition("#")[2],
        )


def _shape_name(shapes: Graph, shape: Node | None) -> str:
    """The shape's IRI; for an anonymous shape, the IRI of the named shape that holds it."""
    seen = set()
    while isinstance(shape, BNode) and shape not in seen:
        seen.add(shape)
        parent = next((s for p in (SH.property, SH.node, SH.qualifiedValueShape)
                       for s in shapes.subjects(p, shape)), None)
        if parent is None:
            parent = next((s for s in _list_holders(shapes, shape)), None)
        shape = parent if parent is not None else shape
    return str(shape) if isinstance(shape, URIRef) else "anonymous shape"


def _list_holders(shapes: Graph, member: Node):
    """Shapes whose sh:or / sh:and / sh:xone list contains member."""
    for head in shapes.subjects(RDF.first, member):
        node = head
        while (previous := shapes.value(predicate=RDF.rest, object=node)) is not None:
            node = previous
        for p in (SH["or"], SH["and"], SH.xone):
            yield from shapes.subjects(p, node)


def _message(report: Graph, result: Node) -> str:
    messages = list(report.objects(result, SH.resultMessage))
    english = [m for m in messages if isinstance(m, Literal) and m.language == "en"]
    return str((english or messages or ["(no message)"])[0])


def _term_text(term: Node | None) -> str:
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return str(term)
    if isinstance(term, Literal) and term.datatype == XSD.string:
        return Literal(str(term)).n3()  # one spelling, whichever engine reported it
    return term.n3()


def _ox_text(term) -> str:
    """Like _term_text, for a pyoxigraph term (whose str() is its N-Triples form)."""
    if term is None:
        return ""
    return term.value if isinstance(term, ox.NamedNode) else str(term)


def _sort_key(v: Violation):
    return (v.source != SHACL_SOURCE, v.source, v.focus_node, v.shape, v.path or "", v.value or "", v.message)
