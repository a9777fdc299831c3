"""The error handler: log the failure and pass it on.

A failed message or button press was stored first (bot/middlewares/inbox.py), which hands it to
the job queue to be handled again: the user gets the answer late, not an apology now and nothing
later. Only when the last attempt fails is the user told (bot/job_tasks.py). Other updates
(not stored) fail as before: polling logs them, a webhook answers non-2xx.
"""

from __future__ import annotations

import structlog
from aiogram import Router
from aiogram.dispatcher.event.bases import UNHANDLED
from aiogram.types import ErrorEvent

log = structlog.get_logger(__name__)
router = Router(name=__name__)


@router.errors()
async def on_error(event: ErrorEvent) -> object:
    log.warning("update.error", update_id=event.update.update_id,
                error=type(event.exception).__name__)
    return UNHANDLED  # aiogram re-raises it, up to the inbox
