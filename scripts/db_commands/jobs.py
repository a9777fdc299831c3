"""`db_manager.py jobs`: the scheduled jobs in the job store, with their next run.

Read straight from the job store's table (what every worker's scheduler shares), so it shows
what will run even while the service is down. Each row's pickled state names the job's trigger.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.scheduling import JOBSTORE_TABLE
from scripts.service_access import Services


@dataclass(frozen=True)
class StoredJob:
    id: str
    next_run: datetime | None  # None: paused
    trigger: str
    description: str


async def stored_jobs(engine: AsyncEngine) -> list[StoredJob] | None:
    """The jobs in the store, soonest first; None when no scheduler ever ran on the database."""
    async with engine.connect() as conn:
        exists = (await conn.execute(text("SELECT to_regclass(:table)"),
                                     {"table": JOBSTORE_TABLE})).scalar()
        if exists is None:
            return None
        rows = (await conn.execute(text(
            f"SELECT id, next_run_time, job_state FROM {JOBSTORE_TABLE} "
            "ORDER BY next_run_time NULLS LAST, id"))).all()
    jobs = []
    for job_id, next_run_time, job_state in rows:
        # Our own rows, written by APScheduler in this database: trusted input for pickle.
        state = pickle.loads(job_state)
        jobs.append(StoredJob(
            id=job_id,
            next_run=datetime.fromtimestamp(next_run_time, UTC) if next_run_time else None,
            trigger=str(state.get("trigger", "?")), description=str(state.get("name", ""))))
    return jobs


async def print_jobs(services: Services, console: Console) -> None:
    jobs = await stored_jobs(services.engine)
    if jobs is None:
        console.print("no scheduled jobs: the service has not started its scheduler on this "
                      "database yet")
        return
    width = max(len(job.id) for job in jobs) if jobs else 0
    console.print(f"{len(jobs)} scheduled jobs (next run in UTC):")
    for job in jobs:
        when = job.next_run.strftime("%Y-%m-%d %H:%M:%S") if job.next_run else "paused"
        console.print(f"  {job.id:<{width}}  {when:<19}  {job.trigger}  ({job.description})")
