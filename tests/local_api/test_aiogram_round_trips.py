"""The real aiogram Bot and Dispatcher against the local Bot API server, over real HTTP."""

from __future__ import annotations

import asyncio
import contextlib
import io
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiogram import Bot, Dispatcher, F
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.exceptions import TelegramBadRequest
from aiogram.types import (
    BufferedInputFile,
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
)
from PIL import Image

from bot.devtools.local_api import LocalBotApi, start_local_api

TOKEN = "424242:local-test-token_ABCdef"
ANA = {"id": 1001, "first_name": "Ana", "language_code": "es"}


def jpeg(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


@pytest.fixture
async def server() -> AsyncIterator[tuple[str, LocalBotApi]]:
    runner, url, state = await start_local_api()
    yield url, state
    await runner.cleanup()


@pytest.fixture
async def bot(server: tuple[str, LocalBotApi]) -> AsyncIterator[Bot]:
    url, _ = server
    bot = Bot(TOKEN, session=AiohttpSession(api=TelegramAPIServer.from_base(url)))
    yield bot
    await bot.session.close()


@contextlib.asynccontextmanager
async def polling(dp: Dispatcher, bot: Bot) -> AsyncIterator[None]:
    """Run the Dispatcher's long polling for the duration of the block."""
    task = asyncio.create_task(
        dp.start_polling(bot, handle_signals=False, close_bot_session=False, polling_timeout=5)
    )
    try:
        yield
    finally:
        # stop_polling, not cancel: cancelling start_polling leaves its polling loop running
        # (asyncio.wait does not cancel what it waits for), to poll on after the test
        with contextlib.suppress(RuntimeError):  # polling that never started
            await dp.stop_polling()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, 10)


async def test_get_me_names_the_bot_of_the_token(bot: Bot) -> None:
    me = await bot.get_me()

    assert me.id == 424242
    assert me.is_bot is True
    assert me.username == "marketbot_local_bot"


async def test_echo_round_trip_reaches_the_chat(bot: Bot, server: tuple[str, LocalBotApi]) -> None:
    url, state = server
    dp = Dispatcher()

    @dp.message(F.text)
    async def echo(message: Message) -> None:
        await message.bot.send_chat_action(message.chat.id, "typing")
        await message.answer(f"<b>Echo</b>: {message.text}", parse_mode="HTML")

    async with polling(dp, bot):
        pushed = await state.push_text(ANA, "Hola bot")
        async with (
            aiohttp.ClientSession() as http,
            http.get(
                f"{url}/local/messages",
                params={"chat_id": "1001", "after": str(pushed.message_id), "wait": "5"},
            ) as response,
        ):
            body = await response.json()

    [reply] = body["messages"]
    assert reply["text"] == "Echo: Hola bot"
    assert reply["message_id"] == pushed.message_id + 1  # one id sequence per chat
    assert reply["from_bot"] is True
    [sent] = state.requests("sendMessage")
    assert sent.result["entities"] == [{"type": "bold", "offset": 0, "length": 4}]
    assert [r.params["action"] for r in state.requests("sendChatAction")] == ["typing"]


async def test_inline_button_press_is_answered_and_edits_the_message(
    bot: Bot, server: tuple[str, LocalBotApi]
) -> None:
    _, state = server
    dp = Dispatcher()
    keyboard = InlineKeyboardMarkup(
        inline_keyboard=[[InlineKeyboardButton(text="Publicar", callback_data="publish:7")]]
    )

    @dp.message(F.text)
    async def offer(message: Message) -> None:
        await message.answer("¿Publico el anuncio?", reply_markup=keyboard)

    @dp.callback_query(F.data.startswith("publish:"))
    async def publish(query: CallbackQuery) -> None:
        await query.answer("Publicado")
        assert isinstance(query.message, Message)
        await query.message.edit_text(f"Publicado ({query.data})")

    async with polling(dp, bot):
        pushed = await state.push_text(ANA, "listo")
        [question] = await state.wait_for_messages(1001, pushed.message_id, 5)
        assert question["buttons"] == [[{"text": "Publicar", "callback_data": "publish:7"}]]
        pressed = await state.push_callback(ANA, question["message_id"], "publish:7")
        [edited] = await state.wait_for_messages(1001, pressed.message_id, 5, since=pressed.cursor)

    assert edited["message_id"] == question["message_id"]
    assert edited["text"] == "Publicado (publish:7)"
    assert edited["edited"] is True
    assert edited["buttons"] == []  # an edit that does not repeat the keyboard drops it
    assert [a["text"] for a in state.callback_answers] == ["Publicado"]


async def test_send_photo_upload_then_get_file_and_download(
    bot: Bot, server: tuple[str, LocalBotApi]
) -> None:
    _, state = server
    state.register_user(ANA)
    image = jpeg(1024, 768)

    sent = await bot.send_photo(1001, BufferedInputFile(image, "bike.jpg"), caption="Trek 350€")

    assert sent.caption == "Trek 350€"
    largest = sent.photo[-1]
    assert (largest.width, largest.height) == (1024, 768)
    assert [size.width for size in sent.photo] == [90, 320, 800, 1024]
    file = await bot.get_file(largest.file_id)
    downloaded = await bot.download_file(file.file_path)
    assert downloaded is not None
    assert downloaded.getvalue() == image
    again = await bot.send_photo(1001, largest.file_id)
    assert [size.file_id for size in again.photo] == [size.file_id for size in sent.photo]


async def test_user_photo_is_downloaded_by_the_bot(
    bot: Bot, server: tuple[str, LocalBotApi]
) -> None:
    _, state = server
    dp = Dispatcher()
    received: list[tuple[bytes, str | None]] = []

    @dp.message(F.photo)
    async def photo(message: Message) -> None:
        assert message.photo is not None
        file = await message.bot.get_file(message.photo[-1].file_id)
        data = await message.bot.download_file(file.file_path)
        assert data is not None
        received.append((data.getvalue(), message.caption))
        await message.answer(f"{message.photo[-1].width}x{message.photo[-1].height}")

    image = jpeg(800, 600)
    async with polling(dp, bot):
        pushed = await state.push_photo(ANA, image, "Vendo bici Trek, 350€")
        [reply] = await state.wait_for_messages(1001, pushed.message_id, 5)

    assert received == [(image, "Vendo bici Trek, 350€")]
    assert reply["text"] == "800x600"


async def test_bad_requests_are_answered_like_telegram(
    bot: Bot, server: tuple[str, LocalBotApi]
) -> None:
    url, state = server
    state.register_user(ANA)

    with pytest.raises(TelegramBadRequest, match="message text is empty"):
        await bot.send_message(1001, "")
    with pytest.raises(TelegramBadRequest, match="message is too long"):
        await bot.send_message(1001, "x" * 4097)
    assert (await bot.send_message(1001, "x" * 4096)).text == "x" * 4096
    with pytest.raises(TelegramBadRequest, match="can't parse entities"):
        await bot.send_message(1001, "<blink>hi</blink>", parse_mode="HTML")

    async with aiohttp.ClientSession() as http:
        async with http.post(f"{url}/bot{TOKEN}/sendMessage", data={"text": "hi"}) as response:
            missing_chat = (response.status, await response.json())
        async with http.post(f"{url}/bot{TOKEN}/sendTelepathy", data={}) as response:
            unknown = (response.status, await response.json())
        async with http.post(f"{url}/botnot-a-token/getMe") as response:
            unauthorized = response.status

    assert missing_chat == (
        400,
        {"ok": False, "error_code": 400, "description": "Bad Request: chat_id is empty"},
    )
    assert unknown == (
        404,
        {"ok": False, "error_code": 404, "description": "Not Found: method not found"},
    )
    assert unauthorized == 401


async def test_stopped_polling_leaves_no_update_behind(
    bot: Bot, server: tuple[str, LocalBotApi]
) -> None:
    _, state = server
    dp = Dispatcher()
    seen: list[str] = []

    @dp.message(F.text)
    async def remember(message: Message) -> None:
        seen.append(message.text or "")

    async with polling(dp, bot):
        await state.push_text(ANA, "uno")
        assert await state.wait_idle(quiet=0.1, timeout=5)
    await state.push_text(ANA, "dos")
    async with polling(dp, bot):
        assert await state.wait_idle(quiet=0.1, timeout=5)

    assert seen == ["uno", "dos"]
