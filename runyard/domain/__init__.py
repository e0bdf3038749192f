"""The domain: runs, jobs, environments and the errors of the core, independent of HTTP and of any dialect."""

from runyard.domain.environments import ApiKey, Credential, Environment
from runyard.domain.errors import (
    InvalidEnvironment,
    InvalidInput,
    InvalidJob,
    JobForbidden,
    JobNotFound,
    KeyNotFound,
    NotFound,
    RunConflict,
    RunNotFound,
    RunyardError,
)
from runyard.domain.jobs import JobDefinition, RetryPolicy, StoredJob
from runyard.domain.runs import (
    FINISHED_STATES,
    HELD_STATES,
    WAITING_STATES,
    Cursor,
    NewRun,
    Page,
    Run,
    RunFilter,
    RunState,
    RunSummary,
    Window,
)

__all__ = [
    "FINISHED_STATES",
    "HELD_STATES",
    "WAITING_STATES",
    "ApiKey",
    "Credential",
    "Cursor",
    "Environment",
    "InvalidEnvironment",
    "InvalidInput",
    "InvalidJob",
    "JobDefinition",
    "JobForbidden",
    "JobNotFound",
    "KeyNotFound",
    "NewRun",
    "NotFound",
    "Page",
    "RetryPolicy",
    "Run",
    "RunConflict",
    "RunFilter",
    "RunNotFound",
    "RunState",
    "RunSummary",
    "RunyardError",
    "StoredJob",
    "Window",
]
