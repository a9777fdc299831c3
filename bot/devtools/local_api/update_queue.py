"""The local server's update queue: ids that never restart, getUpdates offsets (confirming),
allowed_updates remembered as Telegram does, long polling on the server's change signal, and
one long poll at a time: a second getUpdates (or setWebhook) ends the one still waiting with
409 Conflict, as Telegram's Bot API server does. Webhook delivery (webhook_delivery.py) takes
its updates from here too and removes each once the bot answered it."""

from __future__ import annotations

from typing import Any

from bot.devtools.local_api.change_signal import ChangeSignal
from bot.devtools.local_api.errors import BotApiError

OTHER_POLL = ("Conflict: terminated by other getUpdates request; make sure that only one bot "
              "instance is running")
SET_WEBHOOK = "Conflict: terminated by setWebhook request"


class UpdateQueue:
    """The updates waiting for the bot, oldest first, until an offset confirms them."""

    def __init__(self, signal: ChangeSignal, id_base: int = 0) -> None:
        self.signal = signal
        # Update ids never restart, so a Dispatcher polling across a reset keeps a valid offset.
        self._next_id = id_base + 1
        self._updates: list[dict[str, Any]] = []
        self._delivered_up_to = 0
        # The bot's own configuration: it survives a reset, as a running bot would expect.
        self._allowed: set[str] | None = None
        self._polls = 0  # the number of the newest getUpdates
        self._waiting: int | None = None  # the long poll now waiting, if any
        self._terminated: dict[int, str] = {}

    def put(self, kind: str, payload: dict[str, Any]) -> int:
        """Append an Update of `kind` ("message", "callback_query", ...); returns its id."""
        update_id = self._next_id
        self._next_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        self.signal.notify()
        return update_id

    def pending(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def deliverable(self) -> list[dict[str, Any]]:
        """What a webhook delivers: every update not confirmed yet, of the kinds asked for."""
        self._filter()
        return list(self._updates)

    def clear(self) -> None:
        self._updates.clear()

    def remove(self, update_id: int) -> None:
        """A webhook delivery the bot answered 2xx: the update is confirmed."""
        self._updates = [u for u in self._updates if u["update_id"] != update_id]
        self._delivered_up_to = max(self._delivered_up_to, update_id)
        self.signal.notify()

    def remember_allowed(self, allowed: list[str] | None) -> None:
        """Telegram remembers allowed_updates; an empty list means "the default set"."""
        if allowed is not None:
            self._allowed = set(allowed) or None

    def all_fetched(self) -> bool:
        """Whether the bot has fetched every update queued so far."""
        return all(u["update_id"] <= self._delivered_up_to for u in self._updates)

    def terminate_poll(self, reason: str) -> None:
        """End the long poll now waiting (if any) with 409 `reason`."""
        if self._waiting is not None:
            self._terminated[self._waiting] = reason
            self._waiting = None
            self.signal.notify()

    async def get(self, offset: int | None, limit: int, wait_seconds: float,
                  allowed: list[str] | None) -> list[dict[str, Any]]:
        """getUpdates: confirm below `offset`, then wait up to `wait_seconds` for updates."""
        self.remember_allowed(allowed)
        self.terminate_poll(OTHER_POLL)
        self._polls += 1
        mine = self._waiting = self._polls

        def ready() -> list[dict[str, Any]] | str:
            if mine in self._terminated:
                return self._terminated[mine]
            self._confirm(offset)
            return self._updates[:limit]

        try:
            updates = await self.signal.wait_for(ready, wait_seconds)
        finally:
            if self._waiting == mine:
                self._waiting = None
        if isinstance(updates, str) or mine in self._terminated:
            raise BotApiError(409, self._terminated.pop(mine))
        if updates:
            self._delivered_up_to = max(self._delivered_up_to, updates[-1]["update_id"])
        return updates

    def _confirm(self, offset: int | None) -> None:
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        self._filter()

    def _filter(self) -> None:
        if self._allowed is not None:
            # Telegram never creates updates of types the bot did not ask for
            self._updates = [u for u in self._updates if update_kind(u) in self._allowed]


def update_kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")
