"""The scheduled jobs of the running service: APScheduler with its jobs stored in PostgreSQL.

`AsyncIOScheduler` keeps its jobs in a `SQLAlchemyJobStore` (the sync psycopg driver, on the
service's own database), so the next run times survive a restart. Jobs are registered by id with
`replace_existing=True`: a restart, or a second worker starting, updates each job instead of
adding another. A stored job is only a reference to `run_scheduled_job(job id)`; what the job
needs (database, Redis, the bot) comes from the worker that runs it (`JobRunner`). Every run first
takes the job's Redis lock without waiting: when another worker is running that job, this one
skips the run. Intervals and hours come from `settings.scheduler`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.jobs import JOBS, JobDeps, run_job
from agents.outbox import OutboundMessage
from config.settings import SchedulerSettings, Settings
from storage.conversation_lock import ConversationLock

log = structlog.get_logger(__name__)

JOBSTORE_TABLE = "scheduler_jobs"
# A crashed worker's job lock frees itself after this long at most.
MAX_LOCK_SECONDS = 15 * 60
MIN_LOCK_SECONDS = 60

Deliver = Callable[[list[OutboundMessage]], Awaitable[None]]


def sync_database_url(url: str) -> str:
    """The async engine's URL for the sync psycopg driver the job store uses."""
    for scheme in ("postgresql+asyncpg://", "postgresql+psycopg://", "postgresql://",
                   "postgres://"):
        if url.startswith(scheme):
            return "postgresql+psycopg://" + url[len(scheme):]
    raise ValueError("the job store needs a PostgreSQL URL")


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: BaseTrigger
    description: str
    lock_seconds: float


def _every(minutes: float, description: str, job_id: str) -> JobSpec:
    seconds = minutes * 60
    return JobSpec(job_id, IntervalTrigger(minutes=minutes, timezone=UTC), description,
                   min(max(seconds, MIN_LOCK_SECONDS), MAX_LOCK_SECONDS))


def _daily(hour: int, minute: int, description: str, job_id: str) -> JobSpec:
    return JobSpec(job_id, CronTrigger(hour=hour, minute=minute, timezone=UTC), description,
                   MAX_LOCK_SECONDS)


def job_specs(settings: SchedulerSettings) -> list[JobSpec]:
    """Every job of `agents.jobs.JOBS` with its trigger, from the settings.

    Polls and maintenance hours the settings do not name yet have fixed defaults here.
    """
    poll = settings.question_poll_minutes
    trust = settings.trust_score_minutes
    maintenance_hour = settings.maintenance_hour
    specs = [
        _every(settings.token_refresh_minutes, "refresh MercadoLibre tokens an hour ahead",
               "refresh_marketplace_tokens"),
        _every(settings.publication_sync_minutes, "sync MercadoLibre publication status",
               "sync_publications"),
        _every(poll, "answer MercadoLibre questions a webhook missed",
               "poll_marketplace_questions"),
        _every(settings.expiry_minutes, "expire unconfirmed reservations",
               "expire_reservations"),
        _every(settings.expiry_minutes, "expire unanswered offers", "expire_offers"),
        _every(settings.expiry_minutes, "mark silent conversations abandoned",
               "mark_abandoned_conversations"),
        _daily(maintenance_hour, 0, "delete stale bot sessions", "clean_bot_sessions"),
        _daily(maintenance_hour, 15, "archive idle conversations",
               "archive_idle_conversations"),
        _every(trust, "recompute buyer trust scores", "recompute_trust_scores"),
        _daily(settings.digest_hour, 0, "daily digest to each seller", "seller_digest"),
    ]
    assert {spec.id for spec in specs} == set(JOBS), "every job needs a schedule"
    return specs


class JobRunner:
    """Runs one job at a time per job id across workers, and delivers what it stored."""

    def __init__(self, *, factory: async_sessionmaker[AsyncSession], settings: Settings,
                 lock: ConversationLock, deliver: Deliver, deps: JobDeps,
                 clock: Callable[[], datetime]) -> None:
        self._factory = factory
        self._settings = settings
        self._lock = lock
        self._deliver = deliver
        self._deps = deps
        self._clock = clock
        self._lock_seconds = {spec.id: spec.lock_seconds for spec in job_specs(settings.scheduler)}

    async def run(self, job_id: str) -> list[OutboundMessage] | None:
        """Run the job now unless another worker is; None when skipped."""
        handle = await self._lock.try_acquire_job(
            job_id, ttl=self._lock_seconds.get(job_id, MAX_LOCK_SECONDS))
        if handle is None:
            log.info("job.skipped_running_elsewhere", job=job_id)
            return None
        async with handle:
            messages = await run_job(job_id, self._factory, self._settings, self._clock(),
                                     self._deps)
            if messages:
                await self._deliver(messages)
        log.info("job.ran", job=job_id, messages=len(messages))
        return messages


_runner: dict[str, JobRunner] = {}


async def run_scheduled_job(job_id: str) -> None:
    """What the job store names for every job: run it with this worker's runner."""
    runner = _runner.get("current")
    if runner is None:
        log.warning("job.no_runner", job=job_id)
        return
    try:
        await runner.run(job_id)
    except Exception:  # one failed run must not stop the scheduler; the next run retries
        log.exception("job.failed", job=job_id)


def create_scheduler(database_url: str) -> AsyncIOScheduler:
    from apscheduler.jobstores.sqlalchemy import SQLAlchemyJobStore

    store = SQLAlchemyJobStore(url=sync_database_url(database_url), tablename=JOBSTORE_TABLE,
                               engine_options={"pool_pre_ping": True})
    return AsyncIOScheduler(
        jobstores={"default": store}, timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60})


def register_jobs(scheduler: AsyncIOScheduler, specs: Iterable[JobSpec]) -> list[str]:
    """Add or update every job by id; drop stored jobs no longer known. Scheduler started."""
    ids = []
    for spec in specs:
        scheduler.add_job(run_scheduled_job, trigger=spec.trigger, args=[spec.id], id=spec.id,
                          name=spec.description, replace_existing=True)
        ids.append(spec.id)
    for job in scheduler.get_jobs():
        if job.id not in ids:
            job.remove()
    return ids


def start_scheduler(database_url: str, runner: JobRunner, settings: SchedulerSettings
                    ) -> AsyncIOScheduler:
    """Start the scheduler with every job registered; call `shutdown(wait=False)` at stop."""
    _runner["current"] = runner
    scheduler = create_scheduler(database_url)
    scheduler.start(paused=True)  # job stores start here; register before anything fires
    register_jobs(scheduler, job_specs(settings))
    scheduler.resume()
    log.info("scheduler.started", jobs=len(JOBS))
    return scheduler


def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)
    _runner.pop("current", None)
