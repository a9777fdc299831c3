"""Handing work to the job queue: the jobs `bot/job_tasks.py` runs, deferred by name.

A leaf of bot/: the inbox, the throttle, the channel and the sweep hand work on through these,
and none of them needs the tasks' module (which needs the channel) to do it. All of a chat's
jobs share its lock: they run one at a time, in the order deferred.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

import structlog

if TYPE_CHECKING:
    from bot.app_runtime import AppRuntime

log = structlog.get_logger(__name__)

RETRY_SEND_AFTER_SECONDS = 1.0  # a send that failed in the live path: first retry


def chat_lock(channel: str, chat_id: str | int) -> str:
    """The lock of a chat's jobs: they run one at a time, in the order deferred."""
    return f"chat:{channel}:{chat_id}"


async def _defer(runtime: AppRuntime, task: str, key: str, chat_id: Any, delay: float,
                 **kwargs: str) -> bool:
    if runtime.jobs is None:
        log.warning("jobs.unavailable", task=task, key=key)
        return False
    return await runtime.jobs.defer(task, lock=chat_lock("telegram", chat_id),
                                    queueing_lock=key, delay=delay, **kwargs)


async def defer_update(runtime: AppRuntime, inbox_id: uuid.UUID, chat_id: Any, *,
                       delay: float = 0.0) -> bool:
    return await _defer(runtime, "handle_update", f"update:{inbox_id}", chat_id, delay,
                        inbox_id=str(inbox_id))


async def defer_answer(runtime: AppRuntime, message_id: uuid.UUID, chat_id: Any, *,
                       delay: float = 0.0) -> bool:
    return await _defer(runtime, "answer_inbound", f"answer:{message_id}", chat_id, delay,
                        message_id=str(message_id))


async def defer_send(runtime: AppRuntime, message_id: uuid.UUID, chat_id: Any, *,
                     delay: float = 0.0) -> bool:
    return await _defer(runtime, "send_outbound", f"send:{message_id}", chat_id, delay,
                        message_id=str(message_id))
