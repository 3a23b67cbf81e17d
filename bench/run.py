"""The mdgraph benchmark suite: prints Markdown tables of the figures of issue 5 "Targets".

    .venv/bin/python bench/run.py                      # 10k and 100k triples, 100 documents (~3 min)
    .venv/bin/python bench/run.py --triples 1000000 --documents 1000
    .venv/bin/python bench/run.py --triples 1000000 --url http://127.0.0.1:8000/sparql

Measures build throughput (mdgraph.build on a synthetic corpus), publish, the views build,
reasoning and validation on a 10k-triple graph, the named queries of queries/*.rq through
pyoxigraph directly, through GraphStore.query, over HTTP against `oxigraph serve` and against
`mdgraph serve` (--url, or --serve to start one on the published graph), and rdflib in memory
(up to --rdflib-max triples, each query killed after --rdflib-timeout), then search, facets
and the 3W cube through the views. Times are medians of --repeat runs after a warm-up; peak
memory is VmHWM of the process that ran the stage. Every stage runs in its own process.
Generated inputs are cached under --work (default bench/.work).
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(HERE), str(ROOT / "src")]

from measure import human_bytes

QUERY_COLUMNS = ["rdflib", "pyoxigraph (memory)", "pyoxigraph (disk)", "GraphStore", "Oxigraph server", "mdgraph serve",
                 "pyoxigraph (deduplicated)"]
SEARCH_TARGET, VIEW_TARGET = 0.020, 0.050
#: Issue 5: serving at 5M triples stays within this many times the 1M figures.
SCALING_TARGET = 2.0


def run_stage(name: str, options: dict) -> dict:
    """One stage in a fresh interpreter; its result is the JSON on the last line of its output."""
    say(f"running {name} {json.dumps({k: v for k, v in options.items() if k in ('triples', 'documents', 'reason_triples')})}")
    started = time.monotonic()
    completed = subprocess.run([sys.executable, __file__, "--stage", name, "--options", json.dumps(options)],
                               stdout=subprocess.PIPE, text=True, check=False)
    say(f"  {name} done in {time.monotonic() - started:.0f} s")
    lines = completed.stdout.strip().splitlines()
    if completed.returncode != 0 or not lines:
        return {"error": f"the {name} stage exited with {completed.returncode}",
                "triples": options.get("triples", 0), "documents": options.get("documents", 0)}
    return json.loads(lines[-1])


def say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def seconds(value: float | None, note: str = "") -> str:
    if value is None:
        return f"– ({note})" if note else "–"
    return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"


def ratio(ours: dict | None, theirs: dict | None) -> str:
    if not ours or not theirs or not ours.get("seconds") or not theirs.get("seconds"):
        return "–"
    return f"{ours['seconds'] / theirs['seconds']:.2f}×"


def cell(entry: dict | None) -> str:
    if not entry:
        return "–"
    note = entry.get("note", "")
    error = re.match(r"([A-Z]\w+(?:Error|Exception)):", note)
    return seconds(entry.get("seconds"), f"{error.group(1)}" if error else note)


def pipeline_table(build: dict | None, reason: dict | None, graphs: list[dict]) -> list[str]:
    lines = ["| stage | size | time | throughput | peak memory | target |", "|---|---|---|---|---|---|"]
    if build:
        rate = f"{build['documents'] / build['seconds']:.1f} documents/s" if build.get("seconds") else "–"
        published = ("" if build.get("published") or build.get("seconds") is None else
                     f", not published: {build.get('violations')} SHACL/QC violations")
        lines.append(f"| build (mdgraph.build, end to end{published}) | {build['documents']:,} documents | "
                     f"{seconds(build.get('seconds'), build.get('note', ''))} | {rate} | "
                     f"{human_bytes(build.get('peak_memory_with_workers'))} with its workers "
                     f"({human_bytes(build.get('peak_memory'))} the main process) | 10,000 documents < 5 min, < 4 GiB |")
    for graph in graphs:
        size = f"{graph['triples']:,} triples"
        for label, entry in {**graph.get("loads", {}), **graph.get("pipeline", {})}.items():
            rate = (f"{graph['triples'] / entry['seconds'] / 1000:,.0f}k triples/s"
                    if entry.get("seconds") and not label.startswith(("build views", "compact")) else "–")
            target = "< 10 s at 1M" if label.startswith("publish") else ""
            name = label if label.startswith(("publish", "stage", "build", "deduplicate", "compact")) else f"load N-Quads: {label}"
            lines.append(f"| {name} | {size} | {cell(entry)} | {rate} | | {target} |")
        lines.append(f"| (all of the above, one process) | {size} | | | {human_bytes(graph.get('peak_memory'))} | |")
    if reason:
        size = f"{reason.get('triples', 0):,} asserted triples"
        lines.append(f"| reasoning (mdgraph.reason.infer_in_store) | {size} | {cell(reason.get('infer'))} | | | < 60 s at 1M |")
        if "owlrl" in reason:
            lines.append(f"| reasoning, owlrl reference closure | {size} | {cell(reason.get('owlrl'))} | | | |")
        verdict = f"conforms: {reason.get('conforms')}, {reason.get('violations')} results" if "conforms" in reason else ""
        lines.append(f"| validation (mdgraph.validate.validate) {verdict} | {size} | {cell(reason.get('validate'))} "
                     f"| | {human_bytes(reason.get('peak_memory'))} | < 60 s at 1M |")
    return lines


def query_table(graph: dict) -> list[str]:
    rows = graph.get("queries", [])
    columns = [c for c in QUERY_COLUMNS if any(c in row for row in rows)]
    ratios = [(f"{a} / {b}", a, b) for a, b in (("GraphStore", "pyoxigraph (disk)"), ("GraphStore", "pyoxigraph (memory)"),
                                                ("mdgraph serve", "Oxigraph server")) if a in columns and b in columns]
    header = ["query", "rows", *columns, *(name for name, _, _ in ratios)]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    for row in rows:
        values = [row["name"], str(row.get("rows") if row.get("rows") is not None else "–")]
        values += [cell(row.get(c)) for c in columns] + [ratio(row.get(a), row.get(b)) for _, a, b in ratios]
        lines.append("| " + " | ".join(values) + " |")
    return lines


def views_table(graph: dict) -> list[str]:
    lines = ["| question | median | results | target |", "|---|---|---|---|"]
    for row in graph.get("views", []):
        name = row["name"]
        target = "" if row.get("compare") else (
            f"< {SEARCH_TARGET * 1000:.0f} ms" if name.startswith(("search", "suggest"))
            else f"< {VIEW_TARGET * 1000:.0f} ms" if name.startswith(("facets", "3W")) else "")
        lines.append(f"| {name} | {cell(row)} | {row.get('value', '–')} | {target} |")
    return lines


def scaling_table(small: dict, large: dict, in_turn: dict | None) -> list[str]:
    """Each views question at the largest size against the smallest, with what it returned at
    each (results, or megabytes for pages): issue 5 asks the serving at 5M to stay within 2×
    of 1M, and an answer that grows with the graph shows here as such. Questions of the
    scaling stage come from it (both sizes asked in turn: the views questions, and with --serve
    the pages and named queries over HTTP); the others from the two sizes' own stages. A
    question answered at one size only shows why the other was not."""
    alternated = {row["name"]: (row["small"], row["large"]) for row in (in_turn or {}).get("rows", [])}
    before = {row["name"]: row for row in small.get("views", [])}
    header = (f"| question | {small['triples']:,} triples | {large['triples']:,} triples | ratio | within "
              f"{SCALING_TARGET:g}× | answer, small → large | measured |")
    lines = [header, "|---|---|---|---|---|---|---|"]
    asked = large.get("views", [])
    listed = {row["name"] for row in asked}
    for row in [*asked, *({"name": name} for name in alternated if name not in listed)]:
        first, last, how = before.get(row["name"]), row, "apart"
        if row["name"] in alternated:
            (first, last), how = alternated[row["name"]], "in turn"
        if first is None or row.get("compare"):
            continue  # not asked at both, or not ours (pyoxigraph for comparison)
        if not first.get("seconds") or not last.get("seconds"):
            lines.append(f"| {row['name']} | {cell(first)} | {cell(last)} | – | – | – | {how} |")
            continue
        times = last["seconds"] / first["seconds"]
        lines.append(f"| {row['name']} | {cell(first)} | {cell(last)} | {times:.1f}× | "
                     f"{'yes' if times <= SCALING_TARGET else 'no'} | {first.get('value', '–')} → "
                     f"{last.get('value', '–')} | {how} |")
    return lines


def smallest_and_largest(graphs: list[dict]) -> tuple[dict, dict] | None:
    """The smallest and the largest graph with views, when there are two sizes or more."""
    measured = [graph for graph in graphs if graph.get("views") and graph.get("views_path")]
    if len({graph["triples"] for graph in measured}) < 2:
        return None
    return min(measured, key=lambda g: g["triples"]), max(measured, key=lambda g: g["triples"])


def report(build: dict | None, reason: dict | None, graphs: list[dict], options: dict,
           in_turn: dict | None = None) -> str:
    legend = (f"Medians of up to {options['repeat']} runs after a warm-up (one run when a query is slow); "
              "peak memory is VmHWM of the process that ran the stage.")
    out = [legend, "", "### Pipeline", "", *pipeline_table(build, reason, graphs)]
    for graph in graphs:
        size = f"{graph['triples']:,} triples"
        if "error" in graph:
            out += ["", f"### {size}: {graph['error']}"]
            continue
        stats = graph.get("view_stats")
        if graph.get("queries"):
            out += ["", f"### Named queries at {size}", "", *query_table(graph)]
        out += ["", f"### Views at {size}", ""]
        if stats:
            out += [(f"Views hold {stats['programmes']:,} programmes, {stats['organisations']:,} organisations, "
                     f"{stats['names']:,} names, {stats['cells']:,} 3W cells."), ""]
        out += views_table(graph)
        notes = list(graph.get("notes", []))
        for label, peak in graph.get("server_memory", {}).items():
            notes.append(f"{label} peak memory: {human_bytes(peak)}")
        if notes:
            out += [""] + [f"- {note}" for note in notes]
    if sizes := smallest_and_largest(graphs):
        small, large = sizes
        out += ["", f"### Serving at {large['triples']:,} against {small['triples']:,} triples", "",
                *scaling_table(small, large, in_turn)]
        if notes := [*(in_turn or {}).get("notes", []), *filter(None, [(in_turn or {}).get("error")])]:
            out += ["", *(f"- {note}" for note in notes)]
    return "\n".join(out)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--triples", type=int, nargs="*", default=[10_000, 100_000], metavar="N",
                   help="graph sizes (generated; 10000 100000 1000000 5000000 in the suite; none: skip)")
    p.add_argument("--documents", type=int, default=100, help="corpus size for build throughput (0: skip)")
    p.add_argument("--reason-triples", type=int, default=100_000,
                   help="graph size for reasoning and validation (0: skip; the targets are at 1M)")
    p.add_argument("--repeat", type=int, default=5, help="runs per measurement (median)")
    p.add_argument("--rdflib-max", type=int, default=100_000, help="largest graph rdflib queries run on")
    p.add_argument("--rdflib-timeout", type=float, default=20.0, help="seconds before an rdflib query is stopped")
    p.add_argument("--query-timeout", type=float, default=5.0,
                   help="seconds before any other engine's query is stopped (in-process ones run in a killed child)")
    p.add_argument("--reference", action="store_true", help="also time owlrl's reference closure")
    p.add_argument("--url", help="SPARQL endpoint of a running `mdgraph serve` (its /sparql URL)")
    p.add_argument("--serve", action="store_true", help="start `mdgraph serve` on each published graph")
    p.add_argument("--no-server", action="store_true", help="skip the Oxigraph server comparison")
    p.add_argument("--views-only", action="store_true",
                   help="only build and question the views, from pyoxigraph (for sizes rdflib cannot hold)")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--work", type=Path, default=HERE / ".work", help="folder for generated inputs and stores")
    p.add_argument("--json", type=Path, help="also write the raw results here")
    p.add_argument("--stage", help=argparse.SUPPRESS)
    p.add_argument("--options", help=argparse.SUPPRESS)
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.stage:
        from stages import STAGES

        print(json.dumps(STAGES[args.stage](json.loads(args.options)), default=str))
        return 0
    options = {"work": str(args.work.resolve()), "repeat": args.repeat, "seed": args.seed,
               "rdflib_max": args.rdflib_max, "rdflib_timeout": args.rdflib_timeout,
               "query_timeout": args.query_timeout, "reference": args.reference,
               "reason_triples": args.reason_triples, "url": args.url, "serve": args.serve,
               "no_server": args.no_server}
    started = time.monotonic()
    build = run_stage("build", {**options, "documents": args.documents}) if args.documents else None
    reason = run_stage("reason", options) if args.reason_triples else None
    graphs = [run_stage("views" if args.views_only else "graph", {**options, "triples": n}) for n in args.triples]
    in_turn = None
    if sizes := smallest_and_largest(graphs):
        small, large = sizes
        in_turn = run_stage("scaling", {**options, "small": small["views_path"], "large": large["views_path"],
                                        "small_data": small.get("data_dir"), "large_data": large.get("data_dir")})
    command = "bench/run.py " + " ".join(argv if argv is not None else sys.argv[1:])
    print(f"`{command.strip()}` ({time.monotonic() - started:.0f} s)\n")
    print(report(build, reason, graphs, options, in_turn))
    if args.json:
        args.json.write_text(json.dumps({"build": build, "reason": reason, "graphs": graphs, "scaling": in_turn},
                                        indent=1, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
