"""GET /dumps/mdgraph.{ttl,nt,jsonld,rdf}[.gz]: the whole published graph, the void:dataDump targets.

A dump is written once per published version under data_dir/dumps/ and then served as a file;
a newer version replaces the older files.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import shutil
import threading
from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, Response

from .deps import ServiceDep
from .description import DUMPS
from .problems import problem

router = APIRouter(tags=["Linked data"])
_lock = threading.Lock()


def dump_file(service, data_dir: Path, extension: str, compressed: bool) -> Path:
    """The dump of the current version in one format, written first if needed."""
    version = hashlib.sha256(service.store.version().encode()).hexdigest()[:16]
    folder = Path(data_dir) / "dumps" / version
    plain = folder / f"mdgraph.{extension}"
    target = plain.with_name(plain.name + ".gz") if compressed else plain
    with _lock:
        if not target.exists():
            folder.mkdir(parents=True, exist_ok=True)
            if not plain.exists():
                partial = plain.with_name(plain.name + ".part")
                with open(partial, "wb") as out:
                    service.export(DUMPS[extension][1], out)
                os.replace(partial, plain)
            if compressed:
                partial = target.with_name(target.name + ".part")
                with open(plain, "rb") as source, gzip.open(partial, "wb") as out:
                    shutil.copyfileobj(source, out)
                os.replace(partial, target)
            for other in folder.parent.iterdir():
                if other != folder:
                    shutil.rmtree(other, ignore_errors=True)
    return target


@router.get(
    "/dumps/{filename}",
    summary="The whole graph as mdgraph.ttl, .nt, .jsonld or .rdf (add .gz for gzip)",
    responses={200: {"content": {"text/turtle": {}, "application/n-triples": {}, "application/ld+json": {},
                                 "application/rdf+xml": {}, "application/gzip": {}}}},
)
def dump(request: Request, filename: str, service: ServiceDep) -> Response:
    stem, _, extension = filename.removesuffix(".gz").rpartition(".")
    compressed = filename.endswith(".gz")
    if stem != "mdgraph" or extension not in DUMPS:
        names = ", ".join(f"mdgraph.{e}" for e in DUMPS)
        return problem(request, 404, f"no dump {filename!r}: available are {names}, each also with .gz")
    path = dump_file(service, service.settings.data_dir, extension, compressed)
    media_type = "application/gzip" if compressed else DUMPS[extension][0]
    return FileResponse(path, media_type=media_type, filename=filename)
