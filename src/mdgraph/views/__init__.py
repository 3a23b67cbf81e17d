"""Fast views of the published graph, precomputed at publish time into one SQLite file.

    build_views(store, settings.views_path)   after every publish and ingest: the graph ->
                                              the views file (written aside, then os.replace)
    Views.open(settings.views_path)           search / suggest (FTS5), programmes, facets and the
                                              3W matrix (bitsets), the 3W cube (cube.py)

The views answer the questions people ask first (find a name, filter programmes, who does
what where) with indexed SQL in milliseconds, where the same SPARQL aggregate takes seconds
at a million triples. They hold nothing the graph does not: tests/test_views.py checks their
answers against SPARQL on the store.
"""

from .filters import FACETS, ROLES, Filters
from .reader import Views
from .records import Cell, FacetValue, Hit, Matrix, ProgrammeRow, Ref, ViewStats
from .writer import build_views

__all__ = ["FACETS", "ROLES", "Cell", "FacetValue", "Filters", "Hit", "Matrix", "ProgrammeRow", "Ref", "ViewStats",
           "Views", "build_views"]
