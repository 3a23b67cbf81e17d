"""The `mdgraph` command (contract §5). Thin: every command calls the service or the pipeline.

Exit codes: 0 success; 1 the graph does not conform (build, ingest, remove, validate) or a
score is below its target (evaluate --check); 2 an error, printed as one line naming what is
wrong (ingest: a file could not be read and was put in quarantine).
"""

from __future__ import annotations

import argparse
import io
import json
import sys
from pathlib import Path

from .config import Settings
from .errors import MdgraphError

EXIT_OK, EXIT_VIOLATIONS, EXIT_ERROR = 0, 1, 2
EXPORT_FORMATS = ("turtle", "ntriples", "jsonld", "rdfxml", "nquads", "trig")
RESULT_FORMATS = {
    "table": None, "json": "application/sparql-results+json", "xml": "application/sparql-results+xml",
    "csv": "text/csv", "tsv": "text/tab-separated-values", "turtle": "text/turtle",
    "ntriples": "application/n-triples", "jsonld": "application/ld+json", "rdfxml": "application/rdf+xml",
}


def _progress(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def cmd_build(args, settings: Settings) -> int:
    from .build import build

    report = build(settings, Path(args.corpus) if args.corpus else None, None if args.quiet else _progress)
    print(report.summary())
    print(report.changes_text(args.show))
    return EXIT_OK if report.published else EXIT_VIOLATIONS


def _print_report(report, args) -> int:
    """An ingest or remove report, as text or JSON; rejected files also as one error line each."""
    print(json.dumps(report.as_dict(args.show), indent=2, ensure_ascii=False) if args.json else report.text(args.show))
    for outcome in report.documents:
        if outcome.status == "rejected":
            print(f"mdgraph {args.command}: error: {outcome.file}: {outcome.reason}", file=sys.stderr)
    return report.exit_code


def cmd_ingest(args, settings: Settings) -> int:
    from .ingest.library import Source, document_limit

    limit = document_limit(settings)
    sources = [Source.from_path(Path(name), limit) for name in args.files]
    return _print_report(_service(settings).ingest(sources, limit, None if args.quiet else _progress), args)


def cmd_remove(args, settings: Settings) -> int:
    return _print_report(_service(settings).remove(args.document, None if args.quiet else _progress), args)


def cmd_review(args, settings: Settings) -> int:
    service = _service(settings)
    service.ensure_published()
    found = service.review()
    print(json.dumps(found.as_dict(), indent=2, ensure_ascii=False) if args.json else found.text())
    return EXIT_OK


def _service(settings: Settings):
    from .service import Service

    return Service(settings)


def cmd_export(args, settings: Settings) -> int:
    service = _service(settings)
    service.ensure_published()
    output = Path(args.output)
    try:
        with output.open("wb") as out:
            service.export(args.format, out)
    except OSError as exc:
        raise MdgraphError(f"{output}: cannot write: {exc.strerror}") from exc
    print(f"wrote {output}", file=sys.stderr)
    return EXIT_OK


def _query_text(argument: str, settings: Settings) -> tuple[str | None, str | None]:
    """(query text, None) for a text or a file; (None, name) for a query of queries/."""
    path = Path(argument)
    if "\n" not in argument and len(argument) < 4096 and path.suffix == ".rq" and path.is_file():
        return path.read_text(encoding="utf-8"), None
    if " " not in argument.strip() and "{" not in argument:
        return None, argument
    return argument, None


def _parse_params(pairs: list[str]) -> dict[str, str]:
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise MdgraphError(f"--param {pair!r}: expected NAME=VALUE")
        params[name.lstrip("?")] = value
    return params


def _print_table(payload: bytes) -> None:
    data = json.loads(payload)
    if "boolean" in data:
        print("true" if data["boolean"] else "false")
        return
    names = data["head"]["vars"]
    rows = [[row.get(n, {}).get("value", "") for n in names] for row in data["results"]["bindings"]]
    widths = [min(60, max([len(n)] + [len(r[i]) for r in rows])) for i, n in enumerate(names)]
    print("  ".join(n.ljust(w) for n, w in zip(names, widths)))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print("  ".join((v if len(v) <= w else v[: w - 1] + "…").ljust(w) for v, w in zip(row, widths)))
    print(f"({len(rows)} rows)", file=sys.stderr)


def cmd_query(args, settings: Settings) -> int:
    service = _service(settings)
    service.ensure_published()
    text, name = _query_text(args.query, settings)
    params = _parse_params(args.param)
    result = service.run_named(name, params) if name else service.query(text)
    media_type = RESULT_FORMATS[args.format]
    if media_type is None:
        if result.kind in ("select", "ask"):
            _print_table(result.serialise("application/sparql-results+json"))
            return EXIT_OK
        media_type = "text/turtle"
    sys.stdout.buffer.write(result.serialise(media_type))
    sys.stdout.flush()
    return EXIT_OK


def published_graph(service):
    """The published graph (asserted + inferred) as one rdflib Graph."""
    from rdflib import Graph

    buffer = io.BytesIO()
    service.export("ntriples", buffer)
    graph = Graph()
    graph.parse(data=buffer.getvalue().decode("utf-8"), format="nt")
    return graph


def cmd_validate(args, settings: Settings) -> int:
    from .ontology import load_ontology
    from .validate import format_report, load_shapes, validate

    service = _service(settings)
    service.ensure_published()
    result = validate(published_graph(service), load_shapes(settings.shapes_dir),
                      load_ontology(settings.ontology_dir), qc_dir=settings.queries_dir / "qc")
    print(format_report(result))
    return EXIT_OK if result.conforms else EXIT_VIOLATIONS


def cmd_evaluate(args, settings: Settings) -> int:
    from .evaluate import evaluate

    service = _service(settings)
    service.ensure_published()

    def select(sparql: str):
        data = json.loads(service.query(sparql, limit=None).serialise("application/sparql-results+json"))
        for binding in data["results"]["bindings"]:
            yield {name: value["value"] for name, value in binding.items()}

    scores = evaluate(Path(args.gold), select)
    print(json.dumps(scores.as_dict(), indent=2) if args.json else scores.table())
    return EXIT_OK


def cmd_serve(args, settings: Settings) -> int:
    from .web.app import run

    run(settings, host=args.host, port=args.port)  # builds first; serves 503 while the store cannot be opened
    return EXIT_OK


def _report_options(p: argparse.ArgumentParser, run) -> None:
    p.add_argument("--json", action="store_true", help="print the report as JSON")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.add_argument("--show", type=int, default=5, metavar="N", help="triples shown per changed graph (default 5)")
    p.set_defaults(run=run)


def parser() -> argparse.ArgumentParser:
    top = argparse.ArgumentParser(prog="mdgraph", description=__doc__.splitlines()[0])
    sub = top.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("build", help="extract, map, reason, validate the corpus and publish it")
    p.add_argument("--corpus", metavar="DIR", help="corpus folder (default: the project's corpus/)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.add_argument("--show", type=int, default=5, metavar="N", help="triples shown per changed graph (default 5)")
    p.set_defaults(run=cmd_build)

    p = sub.add_parser("ingest", help="add documents (text, PDF, HTML) to the published graph")
    p.add_argument("files", nargs="+", metavar="FILE")
    _report_options(p, cmd_ingest)

    p = sub.add_parser("remove", help="remove one document's facts from the published graph")
    p.add_argument("document", metavar="DOC", help="document key, file name or SHA-256 prefix")
    _report_options(p, cmd_remove)

    p = sub.add_parser("review", help="list what needs a person's look: unknown organisations, unresolved strings, gaps")
    p.add_argument("--json", action="store_true", help="print the list as JSON")
    p.set_defaults(run=cmd_review)

    p = sub.add_parser("export", help="write the published graph (asserted + inferred)")
    p.add_argument("--format", required=True, choices=EXPORT_FORMATS)
    p.add_argument("--output", required=True, metavar="FILE")
    p.set_defaults(run=cmd_export)

    p = sub.add_parser("query", help="run a SPARQL query: text, a .rq file, or a name from queries/")
    p.add_argument("query")
    p.add_argument("--param", action="append", default=[], metavar="NAME=VALUE",
                   help="a parameter of a named query (repeatable)")
    p.add_argument("--format", default="table", choices=sorted(RESULT_FORMATS))
    p.set_defaults(run=cmd_query)

    p = sub.add_parser("validate", help="check the published graph against shapes/ and queries/qc/")
    p.set_defaults(run=cmd_validate)

    p = sub.add_parser("evaluate", help="score the published graph against reference facts")
    p.add_argument("gold", metavar="GOLD.json")
    p.add_argument("--json", action="store_true", help="print the scores as JSON")
    p.set_defaults(run=cmd_evaluate)

    p = sub.add_parser("serve", help="serve the published graph over HTTP (building it when there is none)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.set_defaults(run=cmd_serve)
    return top


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        return args.run(args, settings)
    except MdgraphError as exc:
        print(f"mdgraph {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print(f"mdgraph {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
