"""The query plan of each list the benchmark measures, as the store sends it, on the seeded data.

Printed in the report so that "is it an index scan at this size?" is answered on
the same runs the figures came from (TrueFoundry's sortBy keys included).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from runyard.domain import RunFilter
from runyard.store.db import normalise_url
from runyard.store.run_filters import SORTABLE, page_sql, where
from runyard.store.runs import QUOTED_RUN_COLUMNS
from runyard.store.schema import runs


def with_literals(sql: str, params: list[Any]) -> str:
    """A statement with `?` parameters, its values written in (for EXPLAIN: ours are texts and numbers)."""
    parts = sql.split("?")
    assert len(parts) == len(params) + 1, "one value per parameter"
    written = [f"'{value.replace(chr(39), chr(39) * 2)}'" if isinstance(value, str) else str(int(value)) for value in params]
    return "".join(part + value for part, value in zip(parts, [*written, ""], strict=True))


def _busiest_job(conn: sa.Connection, env_id: str) -> str:
    return conn.execute(
        sa.select(runs.c.job_name).where(runs.c.env_id == env_id).group_by(runs.c.job_name).order_by(sa.func.count().desc()).limit(1)
    ).scalar_one()


def plans(url: str, env_id: str) -> dict[str, list[str]]:
    """`{"sort_key desc|asc": [plan lines]}` for the TrueFoundry list of the busiest job, page 1 of 20."""
    engine = sa.create_engine(normalise_url(url).sync)
    kind = engine.dialect.name
    out: dict[str, list[str]] = {}
    try:
        with engine.connect() as conn:
            job = _busiest_job(conn, env_id)
            for sort in SORTABLE:
                for descending in (True, False):
                    found = where(RunFilter(env_id=env_id, job_name=job))
                    sql = with_literals(page_sql(QUOTED_RUN_COLUMNS, found, sort, descending), [*found.params, 20, 0])
                    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
                    rows = conn.execute(sa.text(explain + sql)).all()
                    out[f"{sort} {'desc' if descending else 'asc'}"] = [" ".join(str(c) for c in row) if kind == "sqlite" else row[0] for row in rows]
    finally:
        engine.dispose()
    return out


def uses_sort_step(kind: str, plan: list[str]) -> bool:
    text = "\n".join(plan)
    return "TEMP B-TREE" in text if kind == "sqlite" else " Sort " in f" {text} " or "Sort Key" in text
