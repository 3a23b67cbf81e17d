"""Records -> RDF through the declarative rules of mappings/rdf.yaml (pure, given the rules)."""

from .engine import MappingRules, TripleSink, load_rules

__all__ = ["MappingRules", "TripleSink", "load_rules"]
