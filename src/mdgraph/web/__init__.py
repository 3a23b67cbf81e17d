"""The web app: SPARQL 1.1 Protocol endpoint, linked-data pages, named queries, dumps (FastAPI)."""
