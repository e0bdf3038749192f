"""The query plan of each list the benchmark measures, as the store sends it, on the seeded data.

Printed in the report so that "is it an index scan at this size?" is answered on
the same runs the figures came from (TrueFoundry's sortBy keys included).
"""

from __future__ import annotations

import sqlalchemy as sa

from runyard.domain import RunFilter
from runyard.store.db import normalise_url
from runyard.store.runs import SORTABLE, _order, _where
from runyard.store.schema import runs


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
                    query = sa.select(runs).where(*_where(RunFilter(env_id=env_id, job_name=job))).order_by(*_order(sort, descending)).limit(20)
                    sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
                    explain = "EXPLAIN QUERY PLAN " if kind == "sqlite" else "EXPLAIN "
                    rows = conn.execute(sa.text(explain + sql)).all()
                    out[f"{sort} {'desc' if descending else 'asc'}"] = [" ".join(str(c) for c in row) if kind == "sqlite" else row[0] for row in rows]
    finally:
        engine.dispose()
    return out


def uses_sort_step(kind: str, plan: list[str]) -> bool:
    text = "\n".join(plan)
    return "TEMP B-TREE" in text if kind == "sqlite" else " Sort " in f" {text} " or "Sort Key" in text
