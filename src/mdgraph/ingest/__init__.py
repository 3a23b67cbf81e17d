"""Corpus growth: documents added to and removed from the published graph one at a time.

    library.py    the ingested documents kept under MDGRAPH_DATA_DIR (read by `mdgraph build` too)
    changes.py    what a new derivation changes in the published graph, per named graph
    review.py     what needs a person's look: unknown organisations, unresolved strings, gaps
    pipeline.py   `mdgraph ingest` and `mdgraph remove`: re-derive, validate, publish the changes

This module imports none of them: library.py and changes.py sit below build.py, which uses
them; pipeline.py sits above it.
"""
