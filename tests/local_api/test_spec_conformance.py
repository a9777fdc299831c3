"""The local server against api.json: it accepts only real parameters, enforces every required
one, and everything it returns is a valid Bot API object."""

from __future__ import annotations

import base64
import io
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from PIL import Image

from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.devtools.local_api.methods import IMPLEMENTED
from bot.devtools.local_api.params import Kind
from bot.devtools.local_api.spec import (
    BUNDLED_SPEC,
    SHARED_SPEC,
    SPEC_ENV_VAR,
    ApiSpec,
    default_spec_path,
)

TOKEN = "9001:spec-check-token"
USER = {"id": 42, "first_name": "Marta", "language_code": "en", "username": "marta"}
PRIMITIVES = {"Integer", "String", "Boolean", "Float", "True", "InputFile"}


@pytest.fixture(scope="module")
def spec() -> ApiSpec:
    return ApiSpec.load()


def png(width: int, height: int) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 200)).save(buffer, format="PNG")
    return buffer.getvalue()


def kind_matches(kind: Kind, spec_types: tuple[str, ...]) -> bool:
    if kind is Kind.OBJECT:
        return all(t not in PRIMITIVES and not t.startswith("Array of ") for t in spec_types)
    if kind is Kind.ARRAY:
        return all(t.startswith("Array of ") for t in spec_types)
    return set(spec_types) == set(kind.spec_types)


def test_every_declared_parameter_exists_in_the_spec_with_its_type_and_requiredness(
    spec: ApiSpec,
) -> None:
    problems = []
    for method in IMPLEMENTED:
        assert spec.has_method(method.name), method.name
        fields = spec.method_fields(method.name)
        for param in method.params:
            field = fields.get(param.name)
            if field is None:
                problems.append(f"{method.name}.{param.name}: not in api.json")
                continue
            if not kind_matches(param.kind, field.types):
                problems.append(f"{method.name}.{param.name}: {param.kind} vs {field.types}")
            if param.required != field.required:
                problems.append(f"{method.name}.{param.name}: required={param.required}")
        declared = {param.name for param in method.params}
        for field in fields.values():
            if field.required and field.name not in declared:
                problems.append(f"{method.name}.{field.name}: required but not declared")
    assert problems == []


class Client:
    def __init__(self, http: aiohttp.ClientSession, url: str) -> None:
        self.http, self.url = http, url

    async def call(self, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        async with self.http.post(f"{self.url}/bot{TOKEN}/{method}", json=params) as response:
            return response.status, await response.json()

    async def result(self, method: str, params: dict[str, Any]) -> Any:
        status, body = await self.call(method, params)
        assert status == 200, (method, body)
        return body["result"]


@pytest.fixture
async def client() -> AsyncIterator[tuple[Client, LocalBotApi, str]]:
    runner, url, state = await start_local_api()
    async with aiohttp.ClientSession() as http:
        yield Client(http, url), state, url
    await runner.cleanup()


async def valid_calls(client: Client, state: LocalBotApi) -> list[tuple[str, dict[str, Any]]]:
    """A valid call of every implemented method, in an order where each one succeeds."""
    await state.push_text(USER, "/start product_7")
    photo = await state.push_photo(USER, png(640, 480), "mi foto")
    photo_id = state.message(42, photo.message_id)["photo"][-1]["file_id"]
    document = await state.push_document(USER, b"%PDF-1.4 test", "factura.pdf")
    document_id = state.message(42, document.message_id)["document"]["file_id"]
    await state.push_sticker(USER)
    await state.push_voice(USER)
    markup = {"inline_keyboard": [[{"text": "Sí", "callback_data": "yes"}]]}
    asked = await client.result(
        "sendMessage", {"chat_id": 42, "text": "¿Seguro?", "reply_markup": markup}
    )
    mid = asked["message_id"]
    pressed = await state.push_callback(USER, mid, "yes")
    query_id = state.pending_updates()[-1]["callback_query"]["id"]
    assert pressed.message_id == mid
    with_caption = await client.result(
        "sendPhoto", {"chat_id": 42, "photo": photo_id, "caption": "antes"}
    )
    resent = await client.result("sendDocument", {"chat_id": 42, "document": document_id})
    doc_id = resent["document"]["file_id"]
    commands = [{"command": "start", "description": "Empezar"}]
    scope = {"type": "all_private_chats"}
    return [
        ("getMe", {}),
        ("getUpdates", {"offset": 0, "limit": 100, "timeout": 0}),
        ("getChat", {"chat_id": 42}),
        ("setMyCommands", {"commands": commands, "scope": scope, "language_code": "es"}),
        ("getMyCommands", {"scope": scope, "language_code": "es"}),
        ("deleteMyCommands", {"scope": scope, "language_code": "es"}),
        ("sendChatAction", {"chat_id": 42, "action": "typing"}),
        (
            "sendMessage",
            {
                "chat_id": 42,
                "text": "<i>hola</i>",
                "parse_mode": "HTML",
                "reply_parameters": {"message_id": 1},
            },
        ),
        (
            "sendPhoto",
            {
                "chat_id": 42,
                "photo": photo_id,
                "caption": "<b>Trek</b>",
                "parse_mode": "HTML",
                "reply_markup": markup,
            },
        ),
        ("sendDocument", {"chat_id": 42, "document": doc_id, "caption": "pdf"}),
        (
            "sendMediaGroup",
            {
                "chat_id": 42,
                "media": [
                    {"type": "photo", "media": photo_id},
                    {"type": "photo", "media": photo_id, "caption": "dos"},
                ],
            },
        ),
        ("answerCallbackQuery", {"callback_query_id": query_id, "text": "Hecho"}),
        (
            "editMessageText",
            {"chat_id": 42, "message_id": mid, "text": "Seguro", "reply_markup": markup},
        ),
        ("editMessageReplyMarkup", {"chat_id": 42, "message_id": mid}),
        (
            "editMessageCaption",
            {"chat_id": 42, "message_id": with_caption["message_id"], "caption": "después"},
        ),
        ("copyMessage", {"chat_id": 42, "from_chat_id": 42, "message_id": 1}),
        ("forwardMessage", {"chat_id": 42, "from_chat_id": 42, "message_id": 1}),
        ("getFile", {"file_id": photo_id}),
        (
            "setWebhook",
            {
                "url": "https://bot.example.org/hook",
                "max_connections": 5,
                "allowed_updates": ["message"],
            },
        ),
        ("getWebhookInfo", {}),
        ("deleteWebhook", {"drop_pending_updates": True}),
        ("deleteMessage", {"chat_id": 42, "message_id": mid}),
        ("close", {}),
        ("logOut", {}),
    ]


async def test_every_required_field_is_enforced(
    spec: ApiSpec, client: tuple[Client, LocalBotApi, str]
) -> None:
    api, state, _ = client
    calls = dict(await valid_calls(api, state))
    assert set(calls) == {method.name for method in IMPLEMENTED}
    checked = 0
    for method, params in calls.items():
        for field in spec.method_fields(method).values():
            if not field.required:
                continue
            status, body = await api.call(
                method, {k: v for k, v in params.items() if k != field.name}
            )
            assert status == 400, (method, field.name, body)
            assert body["ok"] is False and body["description"].startswith("Bad Request: ")
            checked += 1
    assert checked >= 20


async def test_everything_returned_validates_against_the_spec(
    spec: ApiSpec, client: tuple[Client, LocalBotApi, str]
) -> None:
    api, state, _ = client
    for method, params in await valid_calls(api, state):
        await api.result(method, params)
    state.register_user(USER)
    await state.push_text(USER, "/start again")
    updates = await api.result("getUpdates", {})
    assert updates, "the pushes after deleteWebhook must be delivered"

    responses = [r for r in state.requests() if r.status == 200]
    assert {r.method for r in responses} >= {m.name for m in IMPLEMENTED}
    problems = [
        f"{r.method}: {problem}"
        for r in responses
        for problem in spec.validate(spec.method_returns(r.method), r.result)
    ]
    assert problems == []


async def test_pushed_updates_of_every_kind_are_valid_updates(
    spec: ApiSpec, client: tuple[Client, LocalBotApi, str]
) -> None:
    api, state, _ = client
    await valid_calls(api, state)
    kinds = set()
    for update in state.pending_updates():
        assert spec.validate("Update", update) == []
        message = update.get("message") or {}
        kinds |= {k for k in ("text", "photo", "document", "sticker", "voice") if k in message}
        kinds |= {"callback_query"} & set(update)
    assert kinds == {"text", "photo", "document", "sticker", "voice", "callback_query"}
    command = state.pending_updates()[0]["message"]
    assert command["entities"] == [{"type": "bot_command", "offset": 0, "length": 6}]


def test_the_checker_itself_rejects_bad_objects(spec: ApiSpec) -> None:
    user = {"id": 1, "is_bot": False, "first_name": "A"}

    assert spec.validate("User", user) == []
    assert spec.validate("User", {**user, "id": "1"}) != []
    assert spec.validate("User", {"id": 1, "is_bot": False}) != []  # first_name required
    assert spec.validate("User", {**user, "nickname": "x"}) != []  # unknown field
    assert spec.validate("Array of User", [user, {"id": True}]) != []
    assert (
        spec.validate(
            "MaybeInaccessibleMessage",
            {"chat": {"id": 1, "type": "private"}, "message_id": 1, "date": 0},
        )
        == []
    )


async def test_json_api_photo_upload_matches_the_in_process_one(
    spec: ApiSpec, client: tuple[Client, LocalBotApi, str]
) -> None:
    _, state, url = client
    payload = {
        "user": USER,
        "photo_base64": base64.b64encode(png(400, 300)).decode(),
        "caption": "desde la página",
    }
    async with (
        aiohttp.ClientSession() as http,
        http.post(f"{url}/local/updates", json=payload) as response,
    ):
        assert response.status == 200
    [update] = state.pending_updates()

    assert spec.validate("Update", update) == []
    assert update["message"]["photo"][-1]["width"] == 400
    assert update["message"]["caption"] == "desde la página"


def test_spec_location_can_be_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    custom = tmp_path / "api.json"
    custom.write_text('{"version": "Bot API 0", "methods": {}, "types": {}}', encoding="utf-8")
    monkeypatch.setenv(SPEC_ENV_VAR, str(custom))

    assert default_spec_path() == custom
    assert ApiSpec.load().version == "Bot API 0"


def test_a_missing_spec_is_named_with_the_setting(monkeypatch: pytest.MonkeyPatch,
                                                  tmp_path: Path) -> None:
    monkeypatch.setenv(SPEC_ENV_VAR, str(tmp_path / "nowhere.json"))
    with pytest.raises(FileNotFoundError, match=f"nowhere.json: point {SPEC_ENV_VAR} at"):
        ApiSpec.load()


def test_the_bundled_spec_is_the_shared_one() -> None:
    if not SHARED_SPEC.exists():
        pytest.skip(f"no shared copy at {SHARED_SPEC} to compare the bundled one with")
    assert BUNDLED_SPEC.read_bytes() == SHARED_SPEC.read_bytes()
