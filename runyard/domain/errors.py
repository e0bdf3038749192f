"""Every error the core raises, under one root: each dialect's error mapper words them its own way."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from runyard.domain.runs import Run


class RunyardError(Exception):
    """The root of every domain error."""


class NotFound(RunyardError, LookupError):
    """Something the request names does not exist (or is not visible to the caller)."""


class RunNotFound(NotFound):
    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


class BatchNotFound(NotFound):
    def __init__(self, batch_id: str) -> None:
        super().__init__(batch_id)
        self.batch_id = batch_id


class BatchAlreadyStored(RunyardError):
    """A batch's items were stored by another request first (a resent stream): nothing more is stored."""

    def __init__(self, batch_id: str) -> None:
        super().__init__(f"Batch {batch_id} already has its runs")
        self.batch_id = batch_id


class BulkActionNotFound(NotFound):
    def __init__(self, bulk_id: str) -> None:
        super().__init__(bulk_id)
        self.bulk_id = bulk_id


class BulkActionFinished(RunyardError):
    """An action that has completed or was aborted cannot be aborted."""

    def __init__(self, bulk_id: str, status: str) -> None:
        super().__init__(f"Bulk action group already {status}: {bulk_id}")
        self.bulk_id = bulk_id


class JobNotFound(NotFound):
    """No job by this name or id (or no such version of it); `reference` is what the caller asked for."""

    def __init__(self, reference: str, version: int | None = None) -> None:
        super().__init__(reference)
        self.reference = reference
        self.version = version

    @property
    def name(self) -> str:
        return self.reference


class KeyNotFound(NotFound):
    pass


class IdempotencyKeyNotFound(NotFound):
    """No run of the job holds this idempotency key."""

    def __init__(self, key: str, job_name: str) -> None:
        super().__init__(f"No runs found with idempotency key: {key} and task: {job_name}")
        self.key = key
        self.job_name = job_name


class ScheduleNotFound(NotFound):
    def __init__(self, schedule_id: str) -> None:
        super().__init__(schedule_id)
        self.schedule_id = schedule_id


class DeclarativeSchedule(RunyardError):
    """A schedule declared in a jobs file (runyard.toml) is changed there, not through an API."""

    def __init__(self, schedule_id: str, job_name: str) -> None:
        super().__init__(
            f"Schedule {schedule_id} is declared by the jobs file (job {job_name!r}): change or remove its `schedule` line there, not through the API"
        )
        self.schedule_id = schedule_id


class RunConflict(RunyardError):
    """The run's state does not allow the operation."""

    def __init__(self, run: Run, message: str) -> None:
        super().__init__(message)
        self.run = run


class MetadataClosed(RunConflict):
    """A run that finished over an hour ago keeps its metadata as it was (Trigger.dev's rule)."""


class NotDelayed(RunConflict):
    """Only a delayed run can be rescheduled."""


class TooManyTags(RunConflict):
    """A run has at most 10 tags (Trigger.dev's limit)."""


class Forbidden(RunyardError, PermissionError):
    """The caller may not do this (its message says why)."""


class AdminRequired(Forbidden):
    """Only an admin key may do this (define jobs, manage keys: whatever decides what runs)."""

    def __init__(self, action: str) -> None:
        super().__init__(f"Only an admin key may {action}")
        self.action = action


class JobForbidden(Forbidden):
    """The caller's environment may not see this job."""

    def __init__(self, job_name: str, environment_name: str) -> None:
        super().__init__(f"The {environment_name} environment may not access job {job_name!r}")
        self.job_name = job_name
        self.environment_name = environment_name


class CommandOverrideForbidden(Forbidden):
    """A run asked to replace the command of a job whose definition does not allow it."""

    def __init__(self, job_name: str) -> None:
        super().__init__(f"Job {job_name!r} does not allow its command to be overridden (allow_command_override)")
        self.job_name = job_name


class InvalidInput(RunyardError, ValueError):
    """A request the contract lets through but the core cannot act on; names the parameter."""

    def __init__(self, parameter: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter


class InputTooLarge(RunyardError, ValueError):
    """A run's input is larger than the server takes."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"The run's input is {size} bytes as JSON; the limit is {limit} bytes")
        self.size = size
        self.limit = limit


class StoreUnavailable(RunyardError):
    """The store could not take the request in time: its write lock is held elsewhere, every
    connection is busy, or the database does not answer. Nothing was changed; ask again later."""

    def __init__(self, message: str, retry_after_seconds: int = 1) -> None:
        super().__init__(message)
        self.retry_after_seconds = retry_after_seconds


class QueueFull(StoreUnavailable):
    """The server takes no more runs until some of those waiting have started (`--max-queued`)."""

    def __init__(self, waiting: int, limit: int) -> None:
        super().__init__(f"Job queue is full ({waiting} runs waiting, the limit is {limit}); retry later.", retry_after_seconds=1)
        self.waiting = waiting
        self.limit = limit


class InvalidJob(RunyardError, ValueError):
    """A job definition that cannot run; the message says which field and why."""


class InvalidEnvironment(RunyardError, ValueError):
    pass
