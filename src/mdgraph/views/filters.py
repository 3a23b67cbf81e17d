"""Filters of the faceted programme list and the 3W matrix, parsed from URL parameters (pure).

Semantics, as in faceted search elsewhere: values of one facet are alternatives (OR), facets
combine (AND). Organisation and role describe one link: `organisation=iom&role=funder` keeps
the programmes that IOM funds, not those IOM touches in any role and someone else funds.
`year` keeps the programmes running that year (started in or before it, not ended before it;
a programme with a start and no end is open-ended), as queries/programmes-in-year.rq does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace

from ..errors import InputError

#: Roles and the bit each one has in the role masks of the views.
ROLES = {"implementer": 1, "funder": 2, "partner": 4}
#: URL parameter -> Filters field.
PARAMETERS = {"country": "countries", "sector": "sectors", "organisation": "organisations", "role": "roles", "year": "year"}
FACETS = tuple(PARAMETERS)
MAX_VALUES = 100

_KEY = re.compile(r"[a-z0-9][a-z0-9._~-]{0,199}")
_YEAR = re.compile(r"\d{4}")


def filterable(key: str) -> bool:
    """Whether a resource key can be a filter value (not so for the IRI that stands as the key
    of a resource outside mdgraph's IRIs)."""
    return _KEY.fullmatch(key) is not None


def _keys(parameter: str, values: Iterable[str]) -> tuple[str, ...]:
    keys = sorted({value.strip().lower() for value in values if value and value.strip()})
    if len(keys) > MAX_VALUES:
        raise InputError(f"parameter {parameter!r}: {len(keys)} values; at most {MAX_VALUES} are accepted")
    for key in keys:
        if parameter == "role" and key not in ROLES:
            raise InputError(f"parameter 'role': {key!r} is not a role; expected one of {', '.join(ROLES)}")
        if not _KEY.fullmatch(key):
            raise InputError(
                f"parameter {parameter!r}: {key[:60]!r} is not a resource key "
                "(lower-case letters, digits and - . _ ~, such as 'md' or 'iom')"
            )
    return tuple(keys)


def _year(values: Iterable[str]) -> int | None:
    years = sorted({value.strip() for value in values if value and value.strip()})
    if len(years) > 1:
        raise InputError(f"parameter 'year': one year at a time, got {', '.join(y[:10] for y in years)}")
    if not years:
        return None
    if not _YEAR.fullmatch(years[0]):
        raise InputError(f"parameter 'year': {years[0][:20]!r} is not a four-digit year such as 2014")
    return int(years[0])


@dataclass(frozen=True)
class Filters:
    """Keys of the selected resources (`md`, `health`, `iom`), roles, and one year."""

    countries: tuple[str, ...] = ()
    sectors: tuple[str, ...] = ()
    organisations: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    year: int | None = None

    def __post_init__(self) -> None:
        for parameter, name in PARAMETERS.items():
            if name != "year":
                value = getattr(self, name)
                object.__setattr__(self, name, _keys(parameter, [value] if isinstance(value, str) else value))
        if self.year is not None:
            object.__setattr__(self, "year", _year([str(self.year)]))

    @classmethod
    def from_query(cls, params: Mapping[str, Iterable[str] | str]) -> Filters:
        """Filters from URL parameters (`parse_qs` style); repeated or comma-separated values,
        empty values ignored, parameters other than the five facets ignored."""
        values: dict[str, list[str]] = {}
        for parameter in PARAMETERS:
            raw = params.get(parameter, ())
            items = [raw] if isinstance(raw, str) else list(raw)
            values[parameter] = [part for item in items for part in str(item).split(",")]
        return cls(
            countries=_keys("country", values["country"]),
            sectors=_keys("sector", values["sector"]),
            organisations=_keys("organisation", values["organisation"]),
            roles=_keys("role", values["role"]),
            year=_year(values["year"]),
        )

    def to_query(self) -> dict[str, list[str]]:
        """The URL parameters that give these filters back (for `urlencode(..., doseq=True)`)."""
        query = {p: list(getattr(self, name)) for p, name in PARAMETERS.items() if name != "year" and getattr(self, name)}
        if self.year is not None:
            query["year"] = [str(self.year)]
        return query

    def toggle(self, facet: str, value: str) -> Filters:
        """These filters with `value` of `facet` selected, or unselected when it was (facet links)."""
        if facet not in PARAMETERS:
            raise InputError(f"unknown facet {facet!r}; expected one of {', '.join(FACETS)}")
        name = PARAMETERS[facet]
        if name == "year":
            return replace(self, year=None if str(self.year) == value else _year([value]))
        current = set(getattr(self, name))
        current.symmetric_difference_update({value.strip().lower()})
        return replace(self, **{name: tuple(current)})

    def without(self, *facets: str) -> Filters:
        """These filters with the named facets cleared."""
        unknown = [f for f in facets if f not in PARAMETERS]
        if unknown:
            raise InputError(f"unknown facet {unknown[0]!r}; expected one of {', '.join(FACETS)}")
        cleared = {PARAMETERS[f]: (None if f == "year" else ()) for f in facets}
        return replace(self, **cleared)

    @property
    def role_mask(self) -> int:
        return sum(ROLES[role] for role in self.roles)

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) not in ((), None) for f in fields(self))
