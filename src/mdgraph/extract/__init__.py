"""Documents -> ProgrammeRecords, whatever the document family (pure; reader.py does the I/O)."""

from __future__ import annotations

from ..model import Document, ProgrammeRecord
from .annex import extract_annex_entries, looks_like_annex
from .narrative import extract_narrative_programmes
from .project_sheet import extract_project_sheets, looks_like_project_sheets


def extract_document(document: Document) -> list[ProgrammeRecord]:
    """Every programme the document describes: structured entries first, then those named
    only in running text (which are not repeated when an entry already has them)."""
    records: list[ProgrammeRecord] = []
    if looks_like_annex(document.text):
        records += extract_annex_entries(document.key, document.text)
    if looks_like_project_sheets(document.text):
        records += extract_project_sheets(document.key, document.text)
    known = [name for record in records for name in (record.title, *record.aliases) if name]
    records += extract_narrative_programmes(document.key, document.text, known)
    return records


__all__ = ["extract_document"]
