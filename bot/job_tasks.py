"""The jobs on the queue (bot/ hands work to them through bot/job_handoff.py).

- `handle_update`: a stored update whose handlers failed, run through the Dispatcher again.
- `answer_inbound`: a stored inbound message to answer (throttled until its window reopens, or
  left unanswered by a crash): the conversation service's turn, then delivery.
- `send_outbound`: a stored bot message to send (a failed send; Telegram's 429 `retry_after`).
- `sweep` (every minute, once across workers): whatever a crash, or an unreachable queue, left
  behind becomes one of the jobs above. At start-up `recover` runs it at once, beside polling.

All of a chat's jobs share its lock: they run one at a time, in the order deferred.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING

import procrastinate
import structlog
from aiogram import Bot, Dispatcher
from aiogram.exceptions import (
    TelegramBadRequest,
    TelegramForbiddenError,
    TelegramNotFound,
    TelegramRetryAfter,
)
from aiogram.types import Update

from agents import outbox_pending
from bot.channel import deliver
from bot.channel import send_outbound as send
from bot.job_handoff import defer_answer, defer_send, defer_update
from bot.metrics import BotMetrics
from bot.middlewares.inbox import REPLAY, inbox_key
from storage.database import unit_of_work
from storage.repositories import inbox as inbox_repo

if TYPE_CHECKING:
    from procrastinate.jobs import Job

    from bot.app_runtime import AppRuntime

log = structlog.get_logger(__name__)

ENVIRONMENT = "marketbot"  # the worker's additional context: a JobEnvironment
SWEEP_AFTER = timedelta(seconds=30)  # younger work may still be in a live worker's hands
RESEND_WITHIN = timedelta(days=1)  # older undelivered messages are not news any more
UPDATE_ATTEMPTS = 8  # 2, 4, 8 ... 256 s apart: about 8 minutes in all
SEND_ATTEMPTS = 12
REFUSED = (TelegramForbiddenError, TelegramNotFound, TelegramBadRequest)


@dataclass
class JobEnvironment:
    """What a job needs from the running bot."""

    runtime: AppRuntime
    bot: Bot
    dispatcher: Dispatcher
    metrics: BotMetrics


class SendRetry(procrastinate.BaseRetryStrategy):
    """Telegram's 429 is retried when it says; other failures with backoff; a refusal (blocked,
    chat gone, bad request) is not retried: the message is marked refused."""

    def get_retry_decision(self, *, exception: BaseException, job: Job
                           ) -> procrastinate.RetryDecision | None:
        if job.attempts >= SEND_ATTEMPTS:
            return None
        if isinstance(exception, TelegramRetryAfter):
            return procrastinate.RetryDecision(retry_in={"seconds": exception.retry_after})
        return procrastinate.RetryDecision(retry_in={"seconds": min(300, 2 ** (job.attempts + 1))})


def _environment(context: procrastinate.JobContext) -> JobEnvironment:
    return context.additional_context[ENVIRONMENT]


async def handle_update(context: procrastinate.JobContext, inbox_id: str) -> None:
    env = _environment(context)
    async with env.runtime.session_factory() as session:
        row = await inbox_repo.get(session, uuid.UUID(inbox_id))
    if row is None or row.handled_at is not None:
        return
    update = Update.model_validate(row.payload, context={"bot": env.bot})
    try:
        await env.dispatcher.feed_update(env.bot, update, **{REPLAY: row.id})
    except Exception:
        if context.job.attempts + 1 >= UPDATE_ATTEMPTS:
            await _apologise(env, update)
        raise


async def _apologise(env: JobEnvironment, update: Update) -> None:
    """The last attempt failed too: say so rather than stay silent."""
    keyed = inbox_key(update)
    if keyed is None:
        return
    try:
        await env.bot.send_message(keyed[1], "Perdona, algo ha fallado. / Sorry, something "
                                             "went wrong.")
    except Exception as exc:  # nothing more to do for this update
        log.warning("update.apology_failed", error=repr(exc))


async def answer_inbound(context: procrastinate.JobContext, message_id: str) -> None:
    env = _environment(context)
    with env.metrics.observing(None):
        result = await env.runtime.service.process(uuid.UUID(message_id))
        await deliver(env.bot, env.runtime.service, result, jobs_of=env.runtime)


async def send_outbound(context: procrastinate.JobContext, message_id: str) -> None:
    env = _environment(context)
    async with env.runtime.session_factory() as session:
        out = await outbox_pending.undelivered(session, uuid.UUID(message_id))
    if out is None:
        return  # delivered (or refused) meanwhile
    try:
        with env.metrics.observing(None):
            await send(env.bot, env.runtime.service, out)
    except REFUSED as exc:
        await _refused(env, out.message_id, exc)
    except Exception as exc:
        if context.job.attempts + 1 >= SEND_ATTEMPTS:
            await _refused(env, out.message_id, exc)  # the sweep stops offering it
        raise


async def _refused(env: JobEnvironment, message_id: uuid.UUID, exc: BaseException) -> None:
    log.warning("send.refused", message_id=str(message_id), error=repr(exc))
    async with unit_of_work(env.runtime.session_factory) as session:
        await outbox_pending.refused(session, message_id, repr(exc))


async def sweep_task(context: procrastinate.JobContext, timestamp: int) -> None:
    await sweep(_environment(context).runtime, SWEEP_AFTER)


def register_tasks(app: procrastinate.App) -> None:
    """The tasks, on one runtime's app (each runtime has its own, on its own database)."""
    retried = procrastinate.RetryStrategy(max_attempts=UPDATE_ATTEMPTS, exponential_wait=2)
    app.task(name="handle_update", pass_context=True, retry=retried)(handle_update)
    app.task(name="answer_inbound", pass_context=True, retry=retried)(answer_inbound)
    app.task(name="send_outbound", pass_context=True, retry=SendRetry())(send_outbound)
    app.periodic(cron="* * * * *")(
        app.task(name="sweep", pass_context=True, queueing_lock="sweep")(sweep_task))


async def sweep(runtime: AppRuntime, older_than: timedelta) -> int:
    """Hand to the queue what is still pending after `older_than`; returns how many jobs."""
    now = runtime.clock()
    before = now - older_than
    async with runtime.session_factory() as session:
        updates = await inbox_repo.pending(session, received_before=before)
        inbound = await outbox_pending.unanswered(session, received_before=before)
        outbound = await outbox_pending.waiting(
            session, created_after=now - RESEND_WITHIN, created_before=now - SWEEP_AFTER)
    deferred = 0
    for row in updates:
        update = Update.model_validate(row.payload)
        keyed = inbox_key(update)
        if keyed is not None:
            deferred += await defer_update(runtime, row.id, keyed[1])
    for message_id, chat_id in inbound:
        deferred += await defer_answer(runtime, message_id, chat_id)
    for message_id, chat_id in outbound:
        deferred += await defer_send(runtime, message_id, chat_id)
    if deferred:
        log.info("sweep.deferred", jobs=deferred, updates=len(updates), inbound=len(inbound),
                 outbound=len(outbound))
    return deferred
