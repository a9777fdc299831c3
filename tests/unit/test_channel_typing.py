""""typing…" is shown only for a turn slow enough to need it, and stops with the turn.

A real aiogram `Bot` against the local Bot API server, which records each chat action.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiogram import Bot
from structlog.testing import capture_logs

from bot import channel
from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.factory import LOCAL_TOKEN, create_bot

USER = {"id": 4242, "first_name": "Lu", "language_code": "es"}


@pytest.fixture(autouse=True)
def quick_typing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(channel, "TYPING_AFTER_SECONDS", 0.1)
    monkeypatch.setattr(channel, "TYPING_EVERY_SECONDS", 0.1)


@pytest.fixture
async def served() -> AsyncIterator[tuple[Bot, LocalBotApi]]:
    runner, url, state = await start_local_api(port=0)
    bot = create_bot(LOCAL_TOKEN, url)
    state.register_user(USER)
    yield bot, state
    await bot.session.close()
    await runner.cleanup()


def actions(state: LocalBotApi, chat_id: int) -> list[str]:
    chat = state.chat(chat_id)
    return [a["action"] for a in chat.actions] if chat else []


async def test_a_quick_turn_sends_no_chat_action(served: tuple[Bot, LocalBotApi]) -> None:
    bot, state = served
    async with channel.typing_when_slow(bot, USER["id"]):
        await asyncio.sleep(0)  # the turn yields to the loop, and is done
    await asyncio.sleep(0.3)
    assert actions(state, USER["id"]) == []


async def test_a_slow_turn_shows_typing_until_it_ends(served: tuple[Bot, LocalBotApi]) -> None:
    bot, state = served
    async with channel.typing_when_slow(bot, USER["id"]):
        await asyncio.sleep(0.35)  # typing from 0.1 s, every 0.1 s
    shown = len(actions(state, USER["id"]))
    await asyncio.sleep(0.3)
    assert shown >= 1 and actions(state, USER["id"]) == ["typing"] * shown  # none after


async def test_a_refused_action_does_not_stop_the_turn(served: tuple[Bot, LocalBotApi]) -> None:
    bot, state = served
    state.allow_unknown_chats = False
    unknown_chat = 777_000  # a user who never wrote to the bot: Telegram answers 403
    with capture_logs() as logs:
        async with channel.typing_when_slow(bot, unknown_chat):
            await asyncio.sleep(0.25)
    assert state.requests("sendChatAction")  # it was tried and refused
    assert [entry["event"] for entry in logs] == ["typing.refused"]  # said, not raised
