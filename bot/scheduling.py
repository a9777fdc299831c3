"""The scheduled jobs of the running service: APScheduler in every worker, each run once.

Each worker runs its own `AsyncIOScheduler` on APScheduler's memory job store (a job store must
never be shared between schedulers, and the SQLAlchemy store is synchronous: it would block the
event loop). What the workers share lives in Redis (`storage.job_runs`): a run takes the job's
lock without waiting and is skipped when another worker is running it or when the job already
ran within its period (its last run is recorded when it finishes). At start, a job that ran
before is first due one period after that run (at once when overdue), so a restart neither
repeats nor postpones it. Intervals and hours come from `settings.scheduler`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import structlog
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from redis.exceptions import RedisError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.jobs import JOBS, JobDeps, run_job
from agents.outbox import OutboundMessage
from config.settings import SchedulerSettings, Settings
from storage.job_runs import JobRuns

log = structlog.get_logger(__name__)

# A crashed worker's job lock frees itself after this long at most.
MAX_LOCK_SECONDS = 15 * 60
MIN_LOCK_SECONDS = 60
DAY = timedelta(days=1)

Deliver = Callable[[list[OutboundMessage]], Awaitable[None]]


@dataclass(frozen=True)
class JobSpec:
    id: str
    trigger: BaseTrigger
    description: str
    lock_seconds: float
    period: timedelta  # how often it runs; at most once per period across workers


def _every(minutes: float, description: str, job_id: str) -> JobSpec:
    seconds = minutes * 60
    return JobSpec(job_id, IntervalTrigger(minutes=minutes, timezone=UTC), description,
                   min(max(seconds, MIN_LOCK_SECONDS), MAX_LOCK_SECONDS),
                   timedelta(minutes=minutes))


def _daily(hour: int, minute: int, description: str, job_id: str) -> JobSpec:
    return JobSpec(job_id, CronTrigger(hour=hour, minute=minute, timezone=UTC), description,
                   MAX_LOCK_SECONDS, DAY)


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
    """Runs a job when this worker may (see the module's docstring) and delivers what it
    stored."""

    def __init__(self, *, factory: async_sessionmaker[AsyncSession], settings: Settings,
                 runs: JobRuns, deliver: Deliver, deps: JobDeps,
                 clock: Callable[[], datetime]) -> None:
        self._factory = factory
        self._settings = settings
        self.runs = runs
        self._deliver = deliver
        self._deps = deps
        self._clock = clock
        self.specs = {spec.id: spec for spec in job_specs(settings.scheduler)}

    async def run(self, job_id: str) -> list[OutboundMessage] | None:
        """Run the job now unless another worker is running it or it ran this period; None
        when skipped."""
        spec = self.specs[job_id]
        started = self._clock()
        try:
            claim = await self.runs.claim(job_id, now=started, period=spec.period,
                                          lock_seconds=spec.lock_seconds)
        except RedisError as exc:  # no way to agree with the other workers: the next run tries
            log.warning("job.skipped_redis_unavailable", job=job_id, error=str(exc))
            return None
        if claim is None:
            return None
        try:
            messages = await run_job(job_id, self._factory, self._settings, started, self._deps)
            if messages:
                await self._deliver(messages)
            await claim.finished(started)
        finally:
            await claim.release()
        log.info("job.ran", job=job_id, messages=len(messages))
        return messages

    async def scheduled(self, job_id: str) -> None:
        """What the scheduler calls: a failed run must not stop it (the next run retries)."""
        try:
            await self.run(job_id)
        except Exception:
            log.exception("job.failed", job=job_id)


def first_run(spec: JobSpec, last_run: datetime | None, now: datetime) -> datetime | None:
    """When a starting worker first runs the job: one period after its last run (now when
    overdue); None (the trigger decides) when it never ran."""
    if last_run is None:
        return None
    return max(last_run + spec.period, now)


def register_jobs(scheduler: AsyncIOScheduler, runner: JobRunner, specs: Iterable[JobSpec],
                  last_runs: dict[str, datetime | None], now: datetime) -> list[str]:
    ids = []
    for spec in specs:
        extra = {}
        if (when := first_run(spec, last_runs.get(spec.id), now)) is not None:
            extra["next_run_time"] = when
        scheduler.add_job(runner.scheduled, trigger=spec.trigger, args=[spec.id], id=spec.id,
                          name=spec.description, **extra)
        ids.append(spec.id)
    return ids


async def start_scheduler(runner: JobRunner, settings: SchedulerSettings) -> AsyncIOScheduler:
    """This worker's scheduler, started with every job; `stop_scheduler` at stop."""
    specs = job_specs(settings)
    try:
        last_runs = await runner.runs.last_runs([spec.id for spec in specs])
    except RedisError as exc:  # the runs themselves still check, once Redis is back
        log.warning("scheduler.last_runs_unavailable", error=str(exc))
        last_runs = {}
    scheduler = AsyncIOScheduler(
        timezone=UTC,
        job_defaults={"coalesce": True, "max_instances": 1, "misfire_grace_time": 15 * 60})
    register_jobs(scheduler, runner, specs, last_runs, datetime.now(UTC))
    scheduler.start()
    log.info("scheduler.started", jobs=len(JOBS))
    return scheduler


def stop_scheduler(scheduler: AsyncIOScheduler) -> None:
    if scheduler.running:
        scheduler.shutdown(wait=False)
