"""Small text helpers for PDF-extracted plain text: pure functions, no I/O."""

from __future__ import annotations

import re
import unicodedata

_SPACE = re.compile(r"\s+")


def fold(text: str) -> str:
    """White space (PDF line breaks included) folded to single spaces, ends trimmed."""
    return _SPACE.sub(" ", text).strip()


def normalise_key(text: str) -> str:
    """A comparison key: no accents, no punctuation, lower case, single spaces."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = re.sub(r"[^\w\s]", " ", text.lower().replace("&", " and "))
    return fold(text.replace("_", " "))


def slugify(text: str, max_length: int = 80) -> str:
    """A stable lower-case ASCII slug for IRIs ("Kosovo*" -> "kosovo")."""
    slug = normalise_key(text).replace(" ", "-")
    if len(slug) > max_length:
        slug = slug[:max_length].rsplit("-", 1)[0]
    return slug or "untitled"
