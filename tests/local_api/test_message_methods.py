"""Editing, deleting, copying and grouping messages with Telegram's rules and errors, over the
form encoding aiogram uses (nested values as JSON strings, files as multipart)."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp
import pytest
from PIL import Image

from bot.devtools.local_api import LocalBotApi, start_local_api

TOKEN = "31337:methods-test-token"
ANA = {"id": 1001, "first_name": "Ana", "language_code": "es"}
KEYBOARD = json.dumps({"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]})


class Api:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url

    async def call(self, method: str, data: Any = None) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.url}/bot{TOKEN}/{method}", data=data) as response:
            return response.status, await response.json()

    async def result(self, method: str, **fields: Any) -> Any:
        status, body = await self.call(method, {k: str(v) for k, v in fields.items()})
        assert status == 200, body
        return body["result"]

    async def error(self, method: str, **fields: Any) -> str:
        status, body = await self.call(method, {k: str(v) for k, v in fields.items()})
        assert status == 400, body
        return str(body["description"])


@pytest.fixture
async def api() -> AsyncIterator[tuple[Api, LocalBotApi]]:
    runner, url, state = await start_local_api()
    state.register_user(ANA)
    async with aiohttp.ClientSession() as http:
        yield Api(http, url), state
    await runner.cleanup()


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height)).save(buffer, format="PNG")
    return buffer.getvalue()


async def test_edit_rules(api: tuple[Api, LocalBotApi]) -> None:
    client, state = api
    sent = await client.result("sendMessage", chat_id=1001, text="Hola", reply_markup=KEYBOARD)
    pushed = await state.push_text(ANA, "mío")
    mid = sent["message_id"]

    unchanged = await client.error(
        "editMessageText", chat_id=1001, message_id=mid, text="Hola", reply_markup=KEYBOARD
    )
    not_mine = await client.error(
        "editMessageText", chat_id=1001, message_id=pushed.message_id, text="x"
    )
    missing = await client.error("editMessageText", chat_id=1001, message_id=999, text="x")
    no_target = await client.error("editMessageText", text="x")
    no_caption = await client.error("editMessageCaption", chat_id=1001, message_id=mid, caption="x")
    without_keyboard = await client.result("editMessageReplyMarkup", chat_id=1001, message_id=mid)

    assert unchanged.startswith("Bad Request: message is not modified")
    assert not_mine == "Bad Request: message can't be edited"
    assert missing == "Bad Request: message to edit not found"
    assert no_target == "Bad Request: message identifier is not specified"
    assert no_caption == "Bad Request: there is no caption in the message to edit"
    assert "reply_markup" not in without_keyboard and "edit_date" in without_keyboard


async def test_delete_then_the_message_is_gone(api: tuple[Api, LocalBotApi]) -> None:
    client, state = api
    sent = await client.result("sendMessage", chat_id=1001, text="Borrar")

    assert await client.result("deleteMessage", chat_id=1001, message_id=sent["message_id"])
    again = await client.error("deleteMessage", chat_id=1001, message_id=sent["message_id"])

    assert again == "Bad Request: message to delete not found"
    assert await state.bot_messages(1001) == []


async def test_copy_and_forward_of_a_user_photo(api: tuple[Api, LocalBotApi]) -> None:
    client, state = api
    photo = await state.push_photo(ANA, png(300, 200), "bici")

    copied = await client.result(
        "copyMessage", chat_id=1001, from_chat_id=1001, message_id=photo.message_id, caption="copia"
    )
    forwarded = await client.result(
        "forwardMessage", chat_id=1001, from_chat_id=1001, message_id=photo.message_id
    )

    copy_body = state.message(1001, copied["message_id"])
    assert copy_body is not None and copy_body["caption"] == "copia"
    assert copy_body["photo"] == state.message(1001, photo.message_id)["photo"]
    assert forwarded["forward_origin"]["sender_user"]["id"] == 1001
    assert forwarded["caption"] == "bici"


async def test_media_group_with_attached_uploads(api: tuple[Api, LocalBotApi]) -> None:
    client, _ = api
    form = aiohttp.FormData()
    form.add_field("chat_id", "1001")
    form.add_field(
        "media",
        json.dumps(
            [
                {"type": "photo", "media": "attach://one", "caption": "frente"},
                {"type": "photo", "media": "attach://two"},
            ]
        ),
    )
    form.add_field("one", png(640, 480), filename="one.png")
    form.add_field("two", png(200, 100), filename="two.png")

    status, body = await client.call("sendMediaGroup", form)
    lonely = await client.error(
        "sendMediaGroup", chat_id=1001, media=json.dumps([{"type": "photo", "media": "x"}])
    )
    missing_upload_form = aiohttp.FormData()
    missing_upload_form.add_field("chat_id", "1001")
    missing_upload_form.add_field(
        "media",
        json.dumps(
            [
                {"type": "photo", "media": "attach://nope"},
                {"type": "photo", "media": "attach://nope"},
            ]
        ),
    )
    missing_status, missing = await client.call("sendMediaGroup", missing_upload_form)

    assert status == 200, body
    first, second = body["result"]
    assert first["media_group_id"] == second["media_group_id"]
    assert first["caption"] == "frente" and "caption" not in second
    assert (first["photo"][-1]["width"], second["photo"][-1]["width"]) == (640, 200)
    assert "2-10" in lonely
    assert missing_status == 400 and "nope" in missing["description"]


async def test_reply_keyboards_and_markup_validation(api: tuple[Api, LocalBotApi]) -> None:
    client, state = api
    keyboard = json.dumps({"keyboard": [[{"text": "Vender"}, "Comprar"]], "resize_keyboard": True})
    sent = await client.result(
        "sendMessage", chat_id=1001, text="¿Qué quieres?", reply_markup=keyboard
    )

    long_data = await client.error(
        "sendMessage",
        chat_id=1001,
        text="x",
        reply_markup=json.dumps({"inline_keyboard": [[{"text": "a", "callback_data": "x" * 65}]]}),
    )
    text_only = await client.error(
        "sendMessage",
        chat_id=1001,
        text="x",
        reply_markup=json.dumps({"inline_keyboard": [[{"text": "a"}]]}),
    )
    not_json = await client.error("sendMessage", chat_id=1001, text="x", reply_markup="{oops")

    [view] = await state.bot_messages(1001)
    assert "reply_markup" not in sent  # reply keyboards are not part of the Message
    assert view["reply_keyboard"] == [["Vender", "Comprar"]]
    assert long_data == "Bad Request: BUTTON_DATA_INVALID"
    assert "Text buttons are unallowed" in text_only
    assert not_json == "Bad Request: can't parse reply_markup JSON object"


async def test_unknown_files_and_chats(api: tuple[Api, LocalBotApi]) -> None:
    client, state = api
    state.allow_unknown_chats = False

    wrong_file = await client.error("sendPhoto", chat_id=1001, photo="AgACnope")
    no_file = await client.error("getFile", file_id="nope")
    status, forbidden = await client.call("sendMessage", {"chat_id": "5", "text": "hola"})
    no_chat = await client.error("getChat", chat_id=77)

    assert wrong_file == "Bad Request: wrong file identifier/HTTP URL specified"
    assert no_file == "Bad Request: invalid file_id"
    assert status == 403 and forbidden["description"].startswith("Forbidden:")
    assert no_chat == "Bad Request: chat not found"


async def test_token_check_can_be_turned_off() -> None:
    strict_runner, strict_url, _ = await start_local_api()
    lax_runner, lax_url, _ = await start_local_api(token_check=False)
    try:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{strict_url}/botnot-a-token/getMe") as response:
                strict = response.status
            async with http.get(f"{lax_url}/botnot-a-token/getMe") as response:
                lax = (response.status, (await response.json())["result"]["is_bot"])
    finally:
        await strict_runner.cleanup()
        await lax_runner.cleanup()

    assert strict == 401
    assert lax == (200, True)
