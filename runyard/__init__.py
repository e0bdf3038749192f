"""runyard: a self-hosted async-runs server built spec-first."""

__version__ = "0.1.0"
