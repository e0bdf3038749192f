"""What a RunFilter, a sort and a cursor mean in SQL, as text for the driver (runyard.store.driver).

Lists are the API's busiest reads after a run by id. Built with SQLAlchemy Core, a list page spent
more time building its two statements, computing their cache keys and processing rows than the
database spent answering them (issue 17's profile). The clauses are few and fixed, so they are
written here once as text with `?` parameters; only the IN lists vary in length. Both databases
take the same text (row values, NULLS FIRST/LAST and substr are common to both).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from runyard.domain import Cursor, RunFilter
from runyard.store.db import storable

# The TrueFoundry status each internal state is shown as (runyard.dialects.truefoundry.JOB_RUN_STATUS),
# as SQL: sorting by it orders runs by the status a client sees. It is written out as literal text
# because an index on this very expression (migration 0003) serves the sort.
SHOWN_STATUS_SQL = (
    "CASE state WHEN 'delayed' THEN 'SCHEDULED' WHEN 'queued' THEN 'CREATED' WHEN 'running' THEN 'RUNNING' "
    "WHEN 'retrying' THEN 'RUNNING' WHEN 'cancelling' THEN 'TERMINATION_REQUESTED' WHEN 'succeeded' THEN 'FINISHED' "
    "WHEN 'failed' THEN 'FAILED' WHEN 'timed_out' THEN 'FAILED' WHEN 'crashed' THEN 'FAILED' "
    "WHEN 'system_failure' THEN 'FAILED' WHEN 'cancelled' THEN 'TERMINATED' WHEN 'expired' THEN 'TERMINATED' END"
)
SORTABLE = ("created_at", "started_at", "duration_ms", "job_version", "triggered_by", "shown_status")
_NEVER_NULL = (None, "created_at", "shown_status")


def _marks(values: tuple[Any, ...] | list[Any]) -> str:
    return ", ".join("?" for _ in values)


@dataclass
class Where:
    """A WHERE clause as text with its parameters, in order."""

    clauses: list[str] = field(default_factory=list)
    params: list[Any] = field(default_factory=list)
    nothing: bool = False  # no run can match: the statement need not run

    def add(self, clause: str, *params: Any) -> None:
        self.clauses.append(clause)
        self.params.extend(params)

    def sql(self) -> str:
        return f" WHERE {' AND '.join(self.clauses)}" if self.clauses else ""


def where(flt: RunFilter) -> Where:
    """The runs a filter selects (`Where.nothing` when none can match)."""
    found = Where()
    texts = (
        flt.session_id,
        flt.job_name,
        flt.search_prefix,
        flt.schedule_id,
        flt.batch_id,
        flt.bulk_id,
        *(flt.job_names or ()),
        *(flt.tags or ()),
        *(flt.triggered_by or ()),
    )
    # A text no run can hold (PostgreSQL refuses NUL in text) matches nothing; so does an empty "any of".
    empty_choice = any(choice is not None and not choice for choice in (flt.states, flt.job_names, flt.job_versions, flt.tags, flt.triggered_by))
    if flt.nothing or empty_choice or not storable(*texts):
        found.nothing = True
        found.add("1 = 0")
        return found
    if flt.states is not None:
        states = sorted(state.value for state in flt.states)  # sorted: the same text for the same states
        found.add(f"state IN ({_marks(states)})", *states)
    if flt.session_id is not None:
        found.add("session_id = ?", flt.session_id)
    if flt.job_name is not None:
        found.add("job_name = ?", flt.job_name)
    if flt.env_id is not None:
        found.add("env_id = ?", flt.env_id)
    if flt.job_names is not None:
        found.add(f"job_name IN ({_marks(flt.job_names)})", *flt.job_names)
    if flt.job_versions is not None:
        found.add(f"job_version IN ({_marks(flt.job_versions)})", *flt.job_versions)
    if flt.tags is not None:
        tagged = f"SELECT run_id FROM run_tags WHERE tag IN ({_marks(flt.tags)})"
        if flt.env_id is not None:
            found.add(f"id IN ({tagged} AND env_id = ?)", *flt.tags, flt.env_id)
        else:
            found.add(f"id IN ({tagged})", *flt.tags)
    if flt.created_from is not None:
        found.add("created_at >= ?", flt.created_from)
    if flt.created_to is not None:
        found.add("created_at <= ?", flt.created_to)
    if flt.is_test is not None:
        found.add("is_test = ?", flt.is_test)
    if flt.triggered_by is not None:
        found.add(f"triggered_by IN ({_marks(flt.triggered_by)})", *flt.triggered_by)
    if flt.schedule_id is not None:
        found.add("schedule_id = ?", flt.schedule_id)
    if flt.batch_id is not None:
        found.add("batch_id = ?", flt.batch_id)
    if flt.bulk_id is not None:
        found.add("id IN (SELECT run_id FROM bulk_action_runs WHERE bulk_id = ?)", flt.bulk_id)
    if flt.search_prefix is not None:
        # substr, not LIKE: exact and case-sensitive on both databases (SQLite's LIKE ignores case).
        # The length is an int of ours, written into the text: PostgreSQL has no substr(text, bigint, bigint).
        length = len(flt.search_prefix)
        found.add(f"(substr(name, 1, {length}) = ? OR substr(id, 1, {length}) = ?)", flt.search_prefix, flt.search_prefix)
    return found


def counted_by_state(flt: RunFilter) -> bool:
    """Whether the counts by (environment, job, state) answer how many runs the filter selects
    (runyard.store.counts): only states, environment and jobs are filtered on."""
    only_counted = RunFilter(states=flt.states, env_id=flt.env_id, job_name=flt.job_name, job_names=flt.job_names)
    return flt == only_counted


def counted_by_session(flt: RunFilter) -> bool:
    """Whether the counts by (environment, session, state) answer how many runs the filter selects:
    a session's runs, filtered on states and environment at most."""
    return flt.session_id is not None and flt == RunFilter(session_id=flt.session_id, states=flt.states, env_id=flt.env_id)


def order_by(sort: str | None, descending: bool) -> str:
    """ORDER BY a column (or the shown status), then id for a stable order among ties."""
    if sort is not None and sort not in SORTABLE:
        raise ValueError(f"cannot sort runs by {sort!r}")
    column = SHOWN_STATUS_SQL if sort == "shown_status" else sort or "created_at"
    direction = "DESC" if descending else "ASC"
    # A missing value sorts as the smallest, on SQLite and PostgreSQL alike: the order the sort
    # indexes hold (see migration 0003), so no sort step is needed. (The other two are never NULL.)
    nulls = "" if sort in _NEVER_NULL else (" NULLS LAST" if descending else " NULLS FIRST")
    return f" ORDER BY {column} {direction}{nulls}, id {direction}"


def count_sql(found: Where) -> str:
    """How many runs the filter selects, counted through an index."""
    return f"SELECT count(*) FROM runs{found.sql()}"


def page_sql(columns: str, found: Where, sort: str | None = None, descending: bool = True, *, deferred: bool = False) -> str:
    """A page of runs in a sort order, from an offset: two parameters follow the filter's, LIMIT and OFFSET.

    `deferred` (for a page past the first): the offset is walked over ids alone, then the page's
    rows are read by id. Where an index holds the filter's and the order's columns and the id,
    walking past the offset reads the index only, not a table row per skipped run: on a table
    larger than the database's cache, those skipped rows were most of a deep page's time.
    """
    order = order_by(sort, descending)
    if deferred:
        return f"SELECT {columns} FROM runs WHERE id IN (SELECT id FROM runs{found.sql()}{order} LIMIT ? OFFSET ?){order}"
    return f"SELECT {columns} FROM runs{found.sql()}{order} LIMIT ? OFFSET ?"


# Row values, not `a < x OR (a = x AND b < y)`: both databases turn a row-value comparison
# into one index range, so a page far down the list starts where the cursor is.
def older_than(found: Where, cursor: Cursor) -> None:
    found.add("(created_at, id) < (?, ?)", cursor.created_at, cursor.id)


def newer_than(found: Where, position: tuple[int, str]) -> None:
    found.add("(created_at, id) > (?, ?)", *position)
