"""Execution: workers claim runs and run their jobs' commands as subprocesses."""
