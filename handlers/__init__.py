"""Thin connexion handlers, one module per API tag: parse, call the core once, answer with a generated model."""
