"""The local server's update queue: ids that never restart, getUpdates offsets (confirming),
allowed_updates remembered as Telegram does, and long polling on the server's change signal."""

from __future__ import annotations

from typing import Any

from bot.local_api.change_signal import ChangeSignal


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

    def put(self, kind: str, payload: dict[str, Any]) -> int:
        """Append an Update of `kind` ("message", "callback_query", ...); returns its id."""
        update_id = self._next_id
        self._next_id += 1
        self._updates.append({"update_id": update_id, kind: payload})
        self.signal.notify()
        return update_id

    def pending(self) -> list[dict[str, Any]]:
        return list(self._updates)

    def clear(self) -> None:
        self._updates.clear()

    def all_fetched(self) -> bool:
        """Whether the bot has fetched every update queued so far."""
        return all(u["update_id"] <= self._delivered_up_to for u in self._updates)

    async def get(self, offset: int | None, limit: int, wait_seconds: float,
                  allowed: list[str] | None) -> list[dict[str, Any]]:
        """getUpdates: confirm below `offset`, then wait up to `wait_seconds` for updates."""
        if allowed is not None:
            # Telegram remembers allowed_updates; an empty list means "the default set"
            self._allowed = set(allowed) or None

        def ready() -> list[dict[str, Any]]:
            self._confirm(offset)
            return self._updates[:limit]

        updates = await self.signal.wait_for(ready, wait_seconds)
        if updates:
            self._delivered_up_to = max(self._delivered_up_to, updates[-1]["update_id"])
        return updates

    def _confirm(self, offset: int | None) -> None:
        if offset is not None and offset < 0:
            self._updates = self._updates[offset:]
        elif offset:
            self._updates = [u for u in self._updates if u["update_id"] >= offset]
        if self._allowed is not None:
            # Telegram never creates updates of types the bot did not ask for
            self._updates = [u for u in self._updates if _kind(u) in self._allowed]


def _kind(update: dict[str, Any]) -> str:
    return next(key for key in update if key != "update_id")
