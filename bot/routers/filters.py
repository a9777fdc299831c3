"""Filters for the routers: the speaker's role (resolved by ActorMiddleware) and plain checks of
what an update carries.

All are coroutines on purpose: aiogram runs a synchronous filter (a magic `F...` expression or a
lambda) in a worker thread, a thread hop per check on every update that reaches it.
"""

from __future__ import annotations

from collections.abc import Collection

from aiogram.filters import Filter
from aiogram.types import CallbackQuery, Message, TelegramObject


class RoleFilter(Filter):
    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, role: str = "buyer") -> bool:
        return role == self.role


class HasContent(Filter):
    """A message carrying at least one of the named fields (`"text"`, `"photo"`, ...)."""

    def __init__(self, *fields: str) -> None:
        self.fields = fields

    async def __call__(self, message: Message) -> bool:
        return any(getattr(message, name, None) for name in self.fields)


class IsQuotedText(Filter):
    """A text message that replies to (quotes) another message."""

    async def __call__(self, message: Message) -> bool:
        return bool(message.text) and message.reply_to_message is not None


class DataStartsWith(Filter):
    """A button press whose callback data starts with one of `prefixes`."""

    def __init__(self, *prefixes: str) -> None:
        self.prefixes = prefixes

    async def __call__(self, query: CallbackQuery) -> bool:
        return bool(query.data) and query.data.startswith(self.prefixes)  # type: ignore[union-attr]


class DataIn(Filter):
    """A button press whose callback data is one of `values`."""

    def __init__(self, values: Collection[str]) -> None:
        self.values = frozenset(values)

    async def __call__(self, query: CallbackQuery) -> bool:
        return query.data in self.values
