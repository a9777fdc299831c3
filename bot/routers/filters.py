"""Filters on the speaker's role (resolved by ActorMiddleware)."""

from aiogram.filters import Filter
from aiogram.types import TelegramObject


class RoleFilter(Filter):
    def __init__(self, role: str) -> None:
        self.role = role

    async def __call__(self, event: TelegramObject, role: str = "buyer") -> bool:
        return role == self.role
