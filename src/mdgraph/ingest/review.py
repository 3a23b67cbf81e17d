"""What needs a person's look across the published corpus (`mdgraph review`).

Two sources: the review file that every build, ingest and remove writes beside the store
(organisations not in the alias table, strings no resolver understood: what the graph itself
cannot say), and the published graph (programmes without a country or without a sector).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import MappingError
from ..store import GraphStore

REVIEW_FILE = "review.json"

_PREFIXES = """PREFIX mdg: <https://w3id.org/mdgraph/ontology#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX dcterms: <http://purl.org/dc/terms/>
"""
#: Programmes with no country: the graph says why (mdg:noCountryReason).
WITHOUT_COUNTRY = _PREFIXES + """
SELECT ?programme (SAMPLE(?name) AS ?label) (SAMPLE(?why) AS ?reason)
       (GROUP_CONCAT(DISTINCT ?file; separator=", ") AS ?files)
WHERE {
  ?programme a mdg:Programme ; mdg:noCountryReason ?why .
  OPTIONAL { ?programme rdfs:label ?name }
  OPTIONAL { ?programme prov:wasDerivedFrom/dcterms:identifier ?file }
} GROUP BY ?programme ORDER BY ?programme
"""
WITHOUT_SECTOR = _PREFIXES + """
SELECT ?programme (SAMPLE(?name) AS ?label) ("" AS ?reason)
       (GROUP_CONCAT(DISTINCT ?file; separator=", ") AS ?files)
WHERE {
  ?programme a mdg:Programme .
  FILTER NOT EXISTS { ?programme mdg:hasSector ?sector }
  OPTIONAL { ?programme rdfs:label ?name }
  OPTIONAL { ?programme prov:wasDerivedFrom/dcterms:identifier ?file }
} GROUP BY ?programme ORDER BY ?programme
"""


def write_review(data_dir: Path, record: dict) -> None:
    """Replace the review file (atomically) with `record` (see build.Assembly.review)."""
    path = Path(data_dir) / REVIEW_FILE
    temporary = path.with_name(f".{REVIEW_FILE}.{os.getpid()}")
    temporary.write_text(json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(temporary, path)


def read_review(data_dir: Path) -> dict | None:
    path = Path(data_dir) / REVIEW_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise MappingError(str(path), f"cannot read the review file (run `mdgraph build` to rewrite it): {exc}") from exc


@dataclass
class Review:
    unknown_organisations: list[dict] = field(default_factory=list)  # key, label, documents
    unresolved: list[dict] = field(default_factory=list)             # document, file, field, text
    without_country: list[dict] = field(default_factory=list)        # programme, label, reason, files
    without_sector: list[dict] = field(default_factory=list)
    has_review_file: bool = True

    def as_dict(self) -> dict:
        return asdict(self)

    def text(self) -> str:
        lines = []
        if not self.has_review_file:
            lines += ["(no review file: unknown organisations and unresolved strings are listed after "
                      "`mdgraph build` writes it)", ""]
        lines.append(f"organisations not in the alias table ({len(self.unknown_organisations)}): "
                     "add them to mappings/organisations.yaml, or an alias if they are known under another name")
        lines += [f"  {o['label']}  [{o['key']}]  in {', '.join(o['documents'])}" for o in self.unknown_organisations]
        lines.append(f"strings no resolver understood ({len(self.unresolved)}):")
        lines += [f"  {u['file']}: {u['field']}: {u['text']!r}" for u in self.unresolved]
        for title, rows in (("programmes without a country", self.without_country),
                            ("programmes without a sector", self.without_sector)):
            lines.append(f"{title} ({len(rows)}):")
            lines += [f"  {r['label']}  ({r['files']})" + (f": {r['reason']}" if r["reason"] else "") for r in rows]
        return "\n".join(lines)

    @property
    def count(self) -> int:
        return sum(map(len, (self.unknown_organisations, self.unresolved, self.without_country, self.without_sector)))


def _programmes(store: GraphStore, query: str) -> list[dict]:
    rows = store.query(query).rows()
    return [{"programme": str(p), "label": str(label or p), "reason": str(reason or ""), "files": str(files or "")}
            for p, label, reason, files in rows]


def review(data_dir: Path, store: GraphStore) -> Review:
    """Everything of the published corpus that needs a person's look."""
    record = read_review(data_dir)
    found = Review(has_review_file=record is not None)
    if record:
        found.unknown_organisations = record.get("unknown_organisations", [])
        for key, document in sorted(record.get("documents", {}).items()):
            found.unresolved += [{"document": key, "file": document["file"], **u} for u in document["unresolved"]]
            found.unresolved += [{"document": key, "file": document["file"], "field": "sector", "text": text}
                                 for text in document["unmapped_sectors"]]
    found.without_country = _programmes(store, WITHOUT_COUNTRY)
    found.without_sector = _programmes(store, WITHOUT_SECTOR)
    return found
