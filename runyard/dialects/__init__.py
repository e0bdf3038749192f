"""Dialects: mappings at the edge between the one domain model and each public API."""
