""""typing…" is shown only for a turn slow enough to need it, and stops with the turn."""

from __future__ import annotations

import asyncio

import pytest

from bot import channel


class RecordingBot:
    def __init__(self) -> None:
        self.actions: list[tuple[int, str]] = []

    async def send_chat_action(self, chat_id: int, action: str) -> bool:
        self.actions.append((chat_id, action))
        return True


@pytest.fixture(autouse=True)
def quick_typing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel, "TYPING_AFTER_SECONDS", 0.1)
    monkeypatch.setattr(channel, "TYPING_EVERY_SECONDS", 0.1)


async def test_a_quick_turn_sends_no_chat_action() -> None:
    bot = RecordingBot()
    async with channel.typing_when_slow(bot, 42):  # type: ignore[arg-type]
        await asyncio.sleep(0)  # the turn yields to the loop, and is done
    await asyncio.sleep(0.3)
    assert bot.actions == []


async def test_a_slow_turn_shows_typing_until_it_ends() -> None:
    bot = RecordingBot()
    async with channel.typing_when_slow(bot, 42):  # type: ignore[arg-type]
        await asyncio.sleep(0.35)  # typing from 0.1 s, every 0.1 s
    shown = len(bot.actions)
    await asyncio.sleep(0.3)
    assert shown >= 1 and bot.actions == [(42, "typing")] * shown  # none after the turn
