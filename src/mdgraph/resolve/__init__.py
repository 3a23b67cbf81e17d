"""Raw strings -> keys of countries, organisations and sectors, from the data files of mappings/."""

from __future__ import annotations

from pathlib import Path

from .countries import CountryResolver
from .organisations import OrganisationResolver
from .programmes import ProgrammeResolver, resolve_document
from .sectors import SectorResolver


def load_resolver(mappings_dir: Path) -> ProgrammeResolver:
    """A fresh resolver (organisation registry empty) from mappings/*.yaml."""
    countries = CountryResolver.from_file(Path(mappings_dir) / "countries.yaml")
    organisations = OrganisationResolver.from_file(Path(mappings_dir) / "organisations.yaml", countries)
    sectors = SectorResolver.from_file(Path(mappings_dir) / "sectors.yaml")
    return ProgrammeResolver(countries, organisations, sectors)


__all__ = ["ProgrammeResolver", "load_resolver", "resolve_document"]
