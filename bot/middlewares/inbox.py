"""The Dispatcher's first step: store the update in the raw inbox, then handle it.

Before anything that can fail (the actor's profile, FSM, throttling, locks, the model) the
update is written to `inbox_updates`, keyed by chat + message id (or callback id): the database's
uniqueness is the dedupe, so a redelivered update stops here. Text PostgreSQL refuses (NUL, lone
surrogates) is cleaned, and the handlers get the cleaned update. If the store itself fails the
update is not acknowledged: in webhook mode the error reaches Telegram's POST (non-2xx, so it
redelivers); in polling mode, whose offset is already confirmed, the store is retried until it
succeeds.

Once stored, a failure of the handlers is not the user's loss: the update is handed to the job
queue (`handle_update`, retried with backoff, in the chat's order) and the row stays pending until
a run of its handlers returns. A job replaying the update passes its row's id (`REPLAY`).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import structlog
from aiogram import BaseMiddleware, Dispatcher
from aiogram.types import TelegramObject, Update

from bot import placed_signal
from bot.job_handoff import defer_update
from storage.database import is_disconnect, retry_on_disconnect, single_statement
from storage.models import Channel
from storage.pg_text import clean_json
from storage.repositories import inbox as inbox_repo

if TYPE_CHECKING:
    from bot.app_runtime import AppRuntime

log = structlog.get_logger(__name__)

REPLAY = "inbox_replay"  # feed_update kwarg: the inbox row a job is handling again
STORED = "inbox_stored"  # feed_update kwarg: a future set once the update is stored and placed
RETRY_FIRST_AFTER_SECONDS = 2.0
HAND_OFF_ATTEMPTS = 40  # about a minute at retry_on_disconnect's 2 s ceiling
WEBHOOK_STORE_ATTEMPTS = 3  # then the POST fails and Telegram redelivers


def inbox_key(update: Update) -> tuple[str, int] | None:
    """The update's key in the inbox and its chat, for the kinds that reach a conversation
    (messages and button presses from a person); None for the others."""
    message = update.message
    if message is not None and message.from_user is not None:
        return f"{message.chat.id}:{message.message_id}", message.chat.id
    query = update.callback_query
    if query is not None:
        chat = query.message.chat.id if query.message else query.from_user.id
        return f"cb:{query.id}", chat
    return None


class InboxMiddleware(BaseMiddleware):
    def __init__(self, runtime: AppRuntime, *, persistent: bool) -> None:
        self.runtime = runtime
        # Polling cannot ask for a redelivery: it keeps trying to store instead.
        self.store_attempts = None if persistent else WEBHOOK_STORE_ATTEMPTS

    async def __call__(self, handler: Callable[[TelegramObject, dict[str, Any]], Awaitable[Any]],
                       event: TelegramObject, data: dict[str, Any]) -> Any:
        assert isinstance(event, Update)
        keyed = inbox_key(event)
        if keyed is None:
            return await handler(event, data)
        key, chat_id = keyed
        inbox_id: uuid.UUID | None = data.get(REPLAY)
        if inbox_id is None:
            stored_signal: asyncio.Future[None] | None = data.get(STORED)
            try:
                inbox_id, event = await self._store(event, key, data)
            except BaseException as exc:
                if stored_signal is not None and not stored_signal.done():
                    stored_signal.set_exception(exc)
                raise
            if stored_signal is not None:
                fire = _answered_by(stored_signal)
                placed_signal.arm(fire)
                if inbox_id is None:
                    fire()
            if inbox_id is None:
                log.info("update.duplicate_dropped", key=key)
                return None
        try:
            result = await handler(event, data)
        except Exception as exc:
            if data.get(REPLAY) is not None:
                raise  # the job's retry strategy decides
            await self._hand_off(inbox_id, chat_id, exc)
            return None
        finally:
            placed_signal.fire()  # the handling ended: if nothing placed it sooner
        await self._mark_handled(inbox_id)
        return result

    async def _store(self, update: Update, key: str, data: dict[str, Any]
                     ) -> tuple[uuid.UUID | None, Update]:
        """The new row's id (None for a duplicate) and the update the handlers get."""
        payload, cleaned = clean_json(update.model_dump(mode="json", exclude_none=True))
        async for attempt in retry_on_disconnect(attempts=self.store_attempts):
            with attempt:
                async with single_statement(self.runtime.session_factory) as bind:
                    stored = await inbox_repo.store(
                        bind, channel=Channel.TELEGRAM, external_id=key,
                        update_id=update.update_id, payload=payload)
        if not stored.fresh:
            return None, update
        if cleaned:
            log.info("update.text_cleaned", key=key)
            update = Update.model_validate(payload, context={"bot": data["bot"]})
        return stored.id, update

    async def _mark_handled(self, inbox_id: uuid.UUID) -> None:
        try:
            async for attempt in retry_on_disconnect():
                with attempt:
                    async with single_statement(self.runtime.session_factory) as bind:
                        await inbox_repo.mark_handled(bind, inbox_id, self.runtime.clock())
        except Exception as exc:  # handled all the same; a later replay finds it answered
            log.warning("inbox.mark_failed", inbox_id=str(inbox_id), error=repr(exc))

    async def _hand_off(self, inbox_id: uuid.UUID, chat_id: int, exc: Exception) -> None:
        """A stored update whose handling failed: retried by the job queue (or, if even that
        cannot be reached now, by the periodic sweep)."""
        if is_disconnect(exc):  # the database blinked: expected, and retried below
            log.warning("update.failed_will_retry", inbox_id=str(inbox_id),
                        error=type(exc).__name__, reason=str(exc)[:200])
        else:
            log.error("update.failed_will_retry", inbox_id=str(inbox_id),
                      error=type(exc).__name__, exc_info=exc)

        try:
            # The usual cause is the database going away: wait for it (about a minute) rather
            # than leave the update to the next sweep.
            async for attempt in retry_on_disconnect(attempts=HAND_OFF_ATTEMPTS):
                with attempt:
                    async with single_statement(self.runtime.session_factory) as bind:
                        await inbox_repo.note_failure(bind, inbox_id, repr(exc))
            async for attempt in retry_on_disconnect(attempts=HAND_OFF_ATTEMPTS):
                with attempt:
                    await defer_update(self.runtime, inbox_id, chat_id,
                                       delay=RETRY_FIRST_AFTER_SECONDS)
        except Exception as second:
            log.error("update.hand_off_failed", inbox_id=str(inbox_id), error=repr(second))


def _answered_by(future: asyncio.Future[None]) -> Callable[[], None]:
    def fire() -> None:
        if not future.done():
            future.set_result(None)
    return fire


def install_inbox(dispatcher: Dispatcher, middleware: InboxMiddleware) -> None:
    """Register first among the update's outer middlewares (before aiogram's own errors
    middleware: a failure the error handlers pass on reaches it)."""
    manager = dispatcher.update.outer_middleware
    others = list(manager)
    for registered in others:
        manager.unregister(registered)
    manager.register(middleware)
    for registered in others:
        manager.register(registered)
