"""The local JSON API (/local/...) the chat page and scripts use, and the page itself."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from bot.devtools.local_api import LocalBotApi, start_local_api

TOKEN = "555:control-api-token"
ANA = {"id": 1001, "first_name": "Ana", "language_code": "es"}
KEYBOARD = {"inline_keyboard": [[{"text": "Publicar", "callback_data": "publish"}]]}
STATIC = Path(__file__).resolve().parents[2] / "bot" / "devtools" / "local_api" / "static"


class Local:
    """HTTP access to one running server: the JSON API and the Bot API side by side."""

    def __init__(self, http: aiohttp.ClientSession, url: str, state: LocalBotApi) -> None:
        self.http, self.url, self.state = http, url, state

    async def post(self, path: str, payload: Any = None, **kw: Any) -> tuple[int, Any]:
        async with self.http.post(f"{self.url}{path}", json=payload, **kw) as response:
            return response.status, await response.json()

    async def get(self, path: str, **params: Any) -> tuple[int, Any]:
        query = {key: str(value) for key, value in params.items()}
        async with self.http.get(f"{self.url}{path}", params=query) as response:
            return response.status, await response.json()

    async def bot(self, method: str, **params: Any) -> Any:
        status, body = await self.post(f"/bot{TOKEN}/{method}", params)
        assert status == 200, body
        return body["result"]


async def _serve(**kwargs: Any) -> AsyncIterator[Local]:
    runner, url, state = await start_local_api(**kwargs)
    async with aiohttp.ClientSession() as http:
        yield Local(http, url, state)
    await runner.cleanup()


@pytest.fixture
async def local() -> AsyncIterator[Local]:
    async for served in _serve():
        yield served


async def fixtures_loader(payload: dict[str, Any]) -> dict[str, Any]:
    if "products" not in payload:
        raise ValueError("products: required")
    return {"loaded": len(payload["products"])}


async def sample_data_loader() -> dict[str, Any]:
    return {"products": [{"title": "iPhone 13", "price": "650.00", "payload": "p_iphone"}]}


@pytest.fixture
async def local_with_loaders() -> AsyncIterator[Local]:
    async for served in _serve(
        fixtures_loader=fixtures_loader, sample_data_loader=sample_data_loader
    ):
        yield served


async def test_text_push_builds_a_command_message_update(local: Local) -> None:
    status, pushed = await local.post("/local/updates", {"user": ANA, "text": "/start p_iphone"})

    assert status == 200
    assert set(pushed) == {"update_id", "message_id", "cursor"}
    [update] = local.state.pending_updates()
    message = update["message"]
    assert update["update_id"] == pushed["update_id"]
    assert message["message_id"] == pushed["message_id"] == 1
    assert message["chat"] == {"id": 1001, "type": "private", "first_name": "Ana"}
    assert message["from"]["language_code"] == "es"
    assert message["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


async def test_sticker_voice_and_document_pushes(local: Local) -> None:
    document = base64.b64encode(b"hello").decode()

    for payload in (
        {"sticker": True},
        {"voice": True},
        {"document_base64": document, "file_name": "nota.txt", "caption": "mira"},
    ):
        status, _ = await local.post("/local/updates", {"user": ANA, **payload})
        assert status == 200

    sticker, voice, doc = (u["message"] for u in local.state.pending_updates())
    assert sticker["sticker"]["width"] == 512 and sticker["sticker"]["type"] == "regular"
    assert voice["voice"]["mime_type"] == "audio/ogg"
    assert doc["document"]["file_name"] == "nota.txt" and doc["caption"] == "mira"
    async with local.http.get(f"{local.url}/local/files/{doc['document']['file_id']}") as r:
        assert await r.read() == b"hello"


@pytest.mark.parametrize(
    ("payload", "key"),
    [
        ({"text": "hola"}, "user"),
        ({"user": {"id": -5, "first_name": "X"}, "text": "hola"}, "user.id"),
        ({"user": {"id": 5, "first_name": ""}, "text": "hola"}, "user.first_name"),
        ({"user": ANA}, "text"),
        ({"user": ANA, "text": "a", "voice": True}, "voice"),
        ({"user": ANA, "text": "x" * 4097}, "text"),
        ({"user": ANA, "text": "hola", "caption": "c"}, "caption"),
        ({"user": ANA, "callback_data": "publish"}, "message_id"),
        ({"user": ANA, "callback_data": "publish", "message_id": 99}, "message_id"),
        ({"user": ANA, "photo_base64": "%%%not base64"}, "photo_base64"),
        ({"user": ANA, "sticker": "yes"}, "sticker"),
        ({"user": ANA, "document_base64": "aGk="}, "file_name"),
        ({"user": ANA, "text": "sí", "reply_to_message_id": 99}, "reply_to_message_id"),
        ({"user": ANA, "text": "sí", "reply_to_message_id": "1"}, "reply_to_message_id"),
        ({"user": ANA, "sticker": True, "reply_to_message_id": 1}, "reply_to_message_id"),
    ],
)
async def test_push_errors_name_the_bad_key(
    local: Local, payload: dict[str, Any], key: str
) -> None:
    status, body = await local.post("/local/updates", payload)

    assert status == 400
    assert body["key"] == key and key in body["error"]
    assert local.state.pending_updates() == []


async def test_a_text_replying_to_a_message_carries_it_as_telegram_does(local: Local) -> None:
    local.state.register_user(ANA)
    asked = await local.bot("sendMessage", chat_id=1001, text="❓ ¿Cabe por la puerta?")
    answer = await local.bot("sendMessage", chat_id=1001, text="Enviado",
                             reply_parameters={"message_id": asked["message_id"]})

    status, pushed = await local.post("/local/updates", {
        "user": ANA, "text": "Sí, cabe", "reply_to_message_id": answer["message_id"]})

    assert status == 200
    message = local.state.pending_updates()[-1]["message"]
    assert message["text"] == "Sí, cabe"
    replied = message["reply_to_message"]
    assert replied["message_id"] == answer["message_id"] and replied["text"] == "Enviado"
    assert "reply_to_message" not in replied  # not nested, as on Telegram
    _, listed = await local.get("/local/messages", chat_id=1001, include_user=1)
    mine = next(m for m in listed["messages"] if m["message_id"] == pushed["message_id"])
    assert mine["reply_to"] == {"message_id": answer["message_id"], "text": "Enviado"}


async def test_callback_needs_a_button_of_that_bot_message(local: Local) -> None:
    local.state.register_user(ANA)
    sent = await local.bot("sendMessage", chat_id=1001, text="¿Publico?", reply_markup=KEYBOARD)

    status, wrong = await local.post(
        "/local/updates", {"user": ANA, "callback_data": "other", "message_id": sent["message_id"]}
    )
    status_ok, pressed = await local.post(
        "/local/updates",
        {"user": ANA, "callback_data": "publish", "message_id": sent["message_id"]},
    )

    assert (status, wrong["key"]) == (400, "callback_data")
    assert status_ok == 200 and pressed["message_id"] == sent["message_id"]
    query = local.state.pending_updates()[-1]["callback_query"]
    assert query["message"]["text"] == "¿Publico?"
    assert query["chat_instance"] and query["data"] == "publish"


async def test_messages_long_poll_returns_when_the_bot_answers(local: Local) -> None:
    _, pushed = await local.post("/local/updates", {"user": ANA, "text": "hola"})

    async def answer_later() -> None:
        await asyncio.sleep(0.3)
        await local.bot("sendMessage", chat_id=1001, text="¡Hola Ana!", reply_markup=KEYBOARD)

    answering = asyncio.create_task(answer_later())
    status, body = await local.get(
        "/local/messages", chat_id=1001, after=pushed["message_id"], wait=5
    )
    await answering

    assert status == 200
    [message] = body["messages"]
    assert message["text"] == "¡Hola Ana!"
    assert message["buttons"] == [[{"text": "Publicar", "callback_data": "publish"}]]
    assert message["from_bot"] is True and message["edited"] is False
    assert message["has_photo"] is False and isinstance(message["date"], int)


async def test_edits_surface_after_the_cursor_and_only_once(local: Local) -> None:
    local.state.register_user(ANA)
    first = await local.bot("sendMessage", chat_id=1001, text="Borrador", reply_markup=KEYBOARD)
    _, seen = await local.get("/local/messages", chat_id=1001, after=0)
    cursor = seen["cursor"]

    await local.bot("editMessageText", chat_id=1001, message_id=first["message_id"], text="Listo")
    _, edited = await local.get(
        "/local/messages", chat_id=1001, after=first["message_id"], since=cursor
    )
    _, again = await local.get(
        "/local/messages", chat_id=1001, after=first["message_id"], since=edited["cursor"]
    )
    _, by_default = await local.get("/local/messages", chat_id=1001, after=first["message_id"])

    assert [(m["text"], m["edited"]) for m in edited["messages"]] == [("Listo", True)]
    assert again["messages"] == []
    # without `since`, edits made after message `after` was stored are included
    assert [m["text"] for m in by_default["messages"]] == ["Listo"]


async def test_messages_include_user_ones_on_request_and_validate_input(local: Local) -> None:
    await local.post("/local/updates", {"user": ANA, "text": "hola"})
    await local.bot("sendMessage", chat_id=1001, text="hola")

    _, bot_only = await local.get("/local/messages", chat_id=1001)
    _, both = await local.get("/local/messages", chat_id=1001, include_user=1)
    missing = await local.get("/local/messages")
    bad = await local.get("/local/messages", chat_id="ana")

    assert [m["from_bot"] for m in bot_only["messages"]] == [True]
    assert [m["from_bot"] for m in both["messages"]] == [False, True]
    assert missing[0] == 400 and missing[1]["key"] == "chat_id"
    assert bad[0] == 400 and bad[1]["key"] == "chat_id"


async def test_chat_actions_and_callback_answers_are_reported(local: Local) -> None:
    local.state.register_user(ANA)
    sent = await local.bot("sendMessage", chat_id=1001, text="?", reply_markup=KEYBOARD)
    await local.state.push_callback(ANA, sent["message_id"], "publish")
    query_id = local.state.pending_updates()[-1]["callback_query"]["id"]

    await local.bot("sendChatAction", chat_id=1001, action="typing")
    _, typing = await local.get("/local/chat_actions", chat_id=1001)
    await local.bot("answerCallbackQuery", callback_query_id=query_id, text="¡Publicado!")
    await local.bot("sendMessage", chat_id=1001, text="hecho")
    _, after_reply = await local.get("/local/chat_actions", chat_id=1001)
    _, answers = await local.get("/local/callback_answers")

    assert typing["active"] == "typing"
    assert [a["action"] for a in typing["actions"]] == ["typing"]
    assert after_reply["active"] is None  # a bot message ends the indicator
    assert [(a["text"], a["data"]) for a in answers["answers"]] == [("¡Publicado!", "publish")]


async def test_reset_clears_everything(local: Local) -> None:
    await local.post("/local/updates", {"user": ANA, "text": "hola"})
    await local.bot("sendMessage", chat_id=1001, text="hola")

    status, body = await local.post("/local/reset")
    _, messages = await local.get("/local/messages", chat_id=1001, include_user=1)

    assert (status, body) == (200, {"ok": True})
    assert messages["messages"] == []
    assert local.state.pending_updates() == [] and local.state.requests() == []


async def test_loaders_are_501_when_not_injected(local: Local) -> None:
    fixtures_status, fixtures = await local.post("/local/fixtures", {"products": []})
    sample_status, sample = await local.post("/local/sample-data")

    assert fixtures_status == 501 and "fixtures_loader" in fixtures["error"]
    assert sample_status == 501 and "sample_data_loader" in sample["error"]


async def test_loaders_are_called_and_value_errors_are_400(local_with_loaders: Local) -> None:
    local = local_with_loaders
    ok = await local.post("/local/fixtures", {"products": [{"title": "x"}]})
    refused = await local.post("/local/fixtures", {"sellers": []})
    not_object = await local.post("/local/fixtures", [1, 2])
    sample = await local.post("/local/sample-data")

    assert ok == (200, {"loaded": 1})
    assert refused == (400, {"error": "products: required"})
    assert not_object[0] == 400 and not_object[1]["key"] == "body"
    assert sample == (200, await sample_data_loader())


async def test_chat_page_and_its_assets_are_served(local: Local) -> None:
    async with local.http.get(f"{local.url}/") as response:
        page = await response.text()
    async with local.http.get(f"{local.url}/static/chat.js") as response:
        script_status = response.status

    assert "Load sample data" in page and "/static/chat.js" in page
    assert script_status == 200
    # bot text is untrusted: the page must never parse it as HTML
    script = (STATIC / "chat.js").read_text(encoding="utf-8")
    forbidden = ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write")
    assert [word for word in forbidden if word in script] == []


async def test_request_log_and_idle_endpoints(local: Local) -> None:
    local.state.register_user(ANA)
    await local.bot("sendMessage", chat_id=1001, text="hola")

    _, logged = await local.get("/local/requests", method="sendMessage")
    _, idle = await local.get("/local/idle", quiet=0.05, timeout=2)

    [entry] = logged["requests"]
    assert entry["params"] == {"chat_id": 1001, "text": "hola"}
    assert entry["status"] == 200 and entry["response"]["result"]["text"] == "hola"
    assert idle == {"idle": True}
