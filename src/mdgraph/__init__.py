"""mdgraph: who does what where in migration and development, as a validated linked-data graph."""

__version__ = "0.1.0"
