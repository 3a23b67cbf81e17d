"""What every browsing route shares: rendering a page with the app's root path, URLs of
filtered lists, and what their CSV and JSON downloads are called and hold."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import islice
from urllib.parse import urlencode

from fastapi import Request
from fastapi.responses import Response, StreamingResponse
from fastapi.templating import Jinja2Templates

from ...views import Filters
from ..iris import local_href
from .text import safe_url


def root_of(request: Request) -> str:
    return request.scope.get("root_path", "")


def render(request: Request, templates: Jinja2Templates, name: str, context: dict, status: int = 200) -> Response:
    return templates.TemplateResponse(request, name, {"root": root_of(request), **context}, status_code=status)


def href_for(request: Request):
    """IRI -> the path of its page on this server; other http(s) IRIs unchanged; None for
    anything else (no javascript: links from the data)."""
    return lambda iri: local_href(iri, request) or safe_url(iri)


def query_string(filters: Filters, **extra: str | None) -> str:
    """`?country=md&sector=health…` for these filters plus `extra` parameters ('' when none)."""
    params = filters.to_query()
    params.update({name: [value] for name, value in extra.items() if value})
    return "?" + urlencode(params, doseq=True) if params else ""


#: A download is sent in pieces of about this many characters, rendered BATCH_ROWS rows at a
#: time: the server holds one piece, not the whole text (ninety megabytes for the 3W cube at
#: five million triples, which took the server from 212 to 450 MiB when it was made whole).
#: Pieces are cut by size, not by a count of rows: the largest 3W cells come first and list
#: thousands of programmes each.
CHUNK_CHARS = 1 << 20
BATCH_ROWS = 64


def _batches(items: Iterable, size: int) -> Iterator[list]:
    items = iter(items)
    while batch := list(islice(items, size)):
        yield batch


def csv_chunks(columns: Sequence[str], rows: Iterable[Sequence]) -> Iterator[str]:
    """The header and `rows` as CSV, in pieces of about CHUNK_CHARS."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for batch in _batches(rows, BATCH_ROWS):
        writer.writerows(batch)
        if out.tell() >= CHUNK_CHARS:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def json_chunks(head: dict, listed: str, records: Iterable[dict]) -> Iterator[str]:
    """`head` with `records` listed under `listed`, as json.dumps writes the whole, in pieces of
    about CHUNK_CHARS."""
    pieces = [json.dumps(head, ensure_ascii=False)[:-1] + (", " if head else "") + json.dumps(listed) + ": ["]
    size, separator = len(pieces[0]), ""
    for batch in _batches(records, BATCH_ROWS):
        pieces.append(separator + json.dumps(batch, ensure_ascii=False)[1:-1])
        size, separator = size + len(pieces[-1]), ", "
        if size >= CHUNK_CHARS:
            yield "".join(pieces)
            pieces, size = [], 0
    yield "".join(pieces) + "]}"


def csv_download(stem: str, filters: Filters, columns: Sequence[str], rows: Iterable[Sequence]) -> Response:
    return _streamed(csv_chunks(columns, rows), "text/csv; charset=utf-8",
                     f'attachment; filename="{download_name(stem, filters, "csv")}"')


def json_download(stem: str, filters: Filters, listed: str, records: Sequence, record: Callable[..., dict]) -> Response:
    """`record(item)` for each of `records` as JSON under `listed`, with the filters that chose
    them and their count."""
    head = {"filters": filters.to_query(), "count": len(records)}
    return _streamed(json_chunks(head, listed, map(record, records)), "application/json",
                     f'inline; filename="{download_name(stem, filters, "json")}"')


def _streamed(chunks: Iterator[str], media_type: str, disposition: str) -> Response:
    """A download sent as it is rendered (its rows were read before: errors come before the headers)."""
    return StreamingResponse((chunk.encode() for chunk in chunks if chunk), media_type=media_type,
                             headers={"Content-Disposition": disposition})


def download_name(stem: str, filters: Filters, extension: str) -> str:
    """The file name of a filtered download: `programmes-md-health.csv`."""
    parts = [value for values in filters.to_query().values() for value in values]
    return (stem + ("-" + "-".join(parts) if parts else ""))[:120] + "." + extension


def safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (OWASP CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text
