"""The run store: SQLAlchemy 2 Core over SQLite (embedded default) or PostgreSQL."""

from runyard.store.db import Database, open_database

__all__ = ["Database", "open_database"]
