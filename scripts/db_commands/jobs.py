"""`db_manager.py jobs`: the scheduled jobs, when each last ran and when it is due next.

Every worker schedules the same jobs from the settings (`bot.scheduling.job_specs`) in its own
scheduler and runs each at most once per period across workers; what they share is each job's
last run in Redis (`storage.job_runs`), read here, so the listing is true while the service is
down too. A job that never ran is shown as a worker starting now would first run it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from rich.console import Console

from bot.scheduling import first_run, job_specs
from config.settings import Settings
from scripts.service_access import Services
from storage.job_runs import JobRuns
from storage.redis_client import create_redis
from storage.redis_keys import KeySpace


@dataclass(frozen=True)
class JobStatus:
    id: str
    description: str
    trigger: str
    last_run: datetime | None
    next_run: datetime | None


async def job_statuses(redis_url: str, settings: Settings,
                       now: datetime | None = None) -> list[JobStatus]:
    """Every job with its last run (None: never) and next run, soonest first."""
    now = now or datetime.now(UTC)
    specs = job_specs(settings.scheduler)
    redis = create_redis(redis_url)
    try:
        runs = JobRuns(redis, KeySpace(settings.redis.key_prefix))
        last_runs = await runs.last_runs([spec.id for spec in specs])
    finally:
        await redis.aclose()
    statuses = []
    for spec in specs:
        last = last_runs[spec.id]
        due = first_run(spec, last, now) or spec.trigger.get_next_fire_time(None, now)
        statuses.append(JobStatus(spec.id, spec.description, str(spec.trigger), last, due))
    far = datetime.max.replace(tzinfo=UTC)
    return sorted(statuses, key=lambda job: (job.next_run or far, job.id))


def _when(moment: datetime | None, empty: str) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S") if moment else empty


async def print_jobs(services: Services, console: Console, settings: Settings) -> None:
    assert services.redis_url is not None, "open_services(redis=True) gives the Redis URL"
    jobs = await job_statuses(services.redis_url, settings)
    width = max(len(job.id) for job in jobs)
    console.print(f"{len(jobs)} scheduled jobs, each run by one worker at a time and at most "
                  "once per period (times in UTC):")
    for job in jobs:
        console.print(f"  {job.id:<{width}}  last {_when(job.last_run, 'never'):<19}  "
                      f"next {_when(job.next_run, '-'):<19}  {job.trigger}  ({job.description})")
