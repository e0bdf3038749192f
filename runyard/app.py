"""Temporary alias while tests move to runyard.web.app."""

from runyard.web.app import bearer_info, create_app

__all__ = ["bearer_info", "create_app"]
