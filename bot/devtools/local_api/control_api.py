"""The local JSON API under /local/: play the people (inject updates), read what the bot sent,
reset between replays, and load fixtures or sample data through injected loaders."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.devtools.local_api.chats import InputError, LocalUser, PushResult
from bot.devtools.local_api.state import LocalBotApi

log = logging.getLogger(__name__)

MAX_WAIT_SECONDS = 30.0
_CONTENT_KEYS = ("text", "callback_data", "photo_base64", "sticker", "voice", "document_base64")
_LOADERS = web.AppKey("local_api_loaders", dict)
_STATE = web.AppKey("local_api_control_state", LocalBotApi)


def setup(
    app: web.Application,
    state: LocalBotApi,
    *,
    fixtures_loader: Callable[[dict[str, Any]], Awaitable[dict[str, Any]]] | None,
    sample_data_loader: Callable[[], Awaitable[dict[str, Any]]] | None,
) -> None:
    app[_STATE] = state
    app[_LOADERS] = {"fixtures": fixtures_loader, "sample-data": sample_data_loader}
    app.router.add_post("/local/updates", _push_update)
    app.router.add_get("/local/messages", _messages)
    app.router.add_get("/local/chat_actions", _chat_actions)
    app.router.add_get("/local/callback_answers", _callback_answers)
    app.router.add_get("/local/requests", _requests)
    app.router.add_get("/local/idle", _idle)
    app.router.add_get("/local/files/{file_id}", _file)
    app.router.add_post("/local/reset", _reset)
    app.router.add_post("/local/fixtures", _fixtures)
    app.router.add_post("/local/sample-data", _sample_data)


def _error(message: str, status: int = 400, key: str | None = None) -> web.Response:
    body: dict[str, Any] = {"error": message}
    if key:
        body["key"] = key
    return web.json_response(body, status=status)


async def _json_object(request: web.Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        raise InputError("body", "must be a JSON object") from None
    if not isinstance(body, dict):
        raise InputError("body", "must be a JSON object")
    return body


async def _push_update(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    try:
        body = await _json_object(request)
        result = await _push(state, body)
    except InputError as error:
        return _error(f"{error.key}: {error.message}", key=error.key)
    return web.json_response(
        {"update_id": result.update_id, "message_id": result.message_id, "cursor": result.cursor}
    )


async def _push(state: LocalBotApi, body: dict[str, Any]) -> PushResult:
    user = LocalUser.coerce(body.get("user"))
    given = [key for key in _CONTENT_KEYS if body.get(key) not in (None, False, "")]
    if len(given) != 1:
        key = given[1] if given else "text"
        raise InputError(key, "give exactly one of " + ", ".join(_CONTENT_KEYS))
    kind = given[0]
    if body.get("reply_to_message_id") is not None and kind != "text":
        raise InputError("reply_to_message_id", "only a text message is sent as a reply here")
    caption = body.get("caption")
    if caption is not None and kind not in {"photo_base64", "document_base64"}:
        raise InputError("caption", "only a photo or a document has a caption")
    if kind == "text":
        return await state.push_text(user, body["text"], body.get("reply_to_message_id"))
    if kind == "callback_data":
        message_id = body.get("message_id")
        if not isinstance(message_id, int) or isinstance(message_id, bool):
            raise InputError("message_id", "the pressed bot message's id (integer) is required")
        return await state.push_callback(user, message_id, body["callback_data"])
    if kind == "photo_base64":
        return await state.push_photo(user, _decode(body, "photo_base64"), caption)
    if kind == "document_base64":
        file_name = body.get("file_name")
        if not isinstance(file_name, str) or not file_name:
            raise InputError("file_name", "required with document_base64")
        return await state.push_document(user, _decode(body, kind), file_name, caption)
    if body[kind] is not True:
        raise InputError(kind, "must be true")
    if kind == "sticker":
        return await state.push_sticker(user)
    return await state.push_voice(user)


def _decode(body: dict[str, Any], key: str) -> bytes:
    value = body[key]
    if not isinstance(value, str):
        raise InputError(key, "must be a base64 string")
    if value.startswith("data:") and "," in value:  # a data: URL straight from a FileReader
        value = value.split(",", 1)[1]
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise InputError(key, "is not valid base64") from None
    if not data:
        raise InputError(key, "is empty")
    return data


def _int_query(request: web.Request, key: str, default: int | None = None) -> int | None:
    raw = request.query.get(key)
    if raw is None or raw == "":
        if default is None and key == "chat_id":
            raise InputError(key, "is required")
        return default
    try:
        return int(raw)
    except ValueError:
        raise InputError(key, "must be an integer") from None


async def _messages(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    try:
        chat_id = _int_query(request, "chat_id")
        after = _int_query(request, "after", 0) or 0
        since = _int_query(request, "since")
        wait = float(request.query.get("wait", "0") or 0)
    except InputError as error:
        return _error(f"{error.key}: {error.message}", key=error.key)
    except ValueError:
        return _error("wait: must be a number of seconds", key="wait")
    assert chat_id is not None
    include_user = request.query.get("include_user", "").lower() in {"1", "true", "yes"}
    messages = await state.wait_for_messages(
        chat_id,
        after,
        min(max(wait, 0.0), MAX_WAIT_SECONDS),
        since=since,
        include_user=include_user,
    )
    return web.json_response({"messages": messages, "cursor": state.cursor(chat_id)})


async def _chat_actions(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    try:
        chat_id = _int_query(request, "chat_id")
    except InputError as error:
        return _error(f"{error.key}: {error.message}", key=error.key)
    assert chat_id is not None
    chat = state.chat(chat_id)
    if chat is None:
        return web.json_response({"actions": [], "active": None})
    actions = [{"action": a["action"], "date": a["date"]} for a in chat.actions]
    return web.json_response({"actions": actions, "active": chat.active_action(state.clock())})


async def _callback_answers(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    try:
        chat_id = _int_query(request, "chat_id", 0)
    except InputError as error:
        return _error(f"{error.key}: {error.message}", key=error.key)
    answers = [a for a in state.callback_answers if not chat_id or a["chat_id"] == chat_id]
    return web.json_response({"answers": answers})


async def _requests(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    method = request.query.get("method") or None
    logged = [
        {"method": r.method, "params": r.params, "status": r.status, "response": r.response}
        for r in state.requests(method)
    ]
    return web.json_response({"requests": logged})


async def _idle(request: web.Request) -> web.Response:
    state = request.app[_STATE]
    try:
        quiet = float(request.query.get("quiet", "0.3"))
        timeout = min(float(request.query.get("timeout", "10")), MAX_WAIT_SECONDS)
    except ValueError:
        return _error("quiet and timeout must be numbers of seconds", key="timeout")
    return web.json_response({"idle": await state.wait_idle(quiet, timeout)})


async def _file(request: web.Request) -> web.StreamResponse:
    stored = request.app[_STATE].files.get(request.match_info["file_id"])
    if stored is None:
        return _error("no such file", status=404, key="file_id")
    return web.Response(body=stored.data, content_type=stored.mime_type)


async def _reset(request: web.Request) -> web.Response:
    request.app[_STATE].reset()
    return web.json_response({"ok": True})


async def _fixtures(request: web.Request) -> web.Response:
    loader = request.app[_LOADERS]["fixtures"]
    if loader is None:
        return _error(
            "no fixtures loader: create_local_api_app(fixtures_loader=...) was not given one", 501
        )
    try:
        payload = await _json_object(request)
    except InputError as error:
        return _error(f"{error.key}: {error.message}", key=error.key)
    return await _run_loader(lambda: loader(payload))


async def _sample_data(request: web.Request) -> web.Response:
    loader = request.app[_LOADERS]["sample-data"]
    if loader is None:
        return _error(
            "no sample data loader: create_local_api_app(sample_data_loader=...) was not given one",
            501,
        )
    return await _run_loader(loader)


async def _run_loader(call: Callable[[], Awaitable[dict[str, Any]]]) -> web.Response:
    try:
        result = await call()
    except ValueError as error:
        return _error(str(error))
    except Exception as error:
        log.exception("local API loader failed")
        return _error(f"loader failed: {error}", 500)
    return web.json_response(result, dumps=_dumps)


def _dumps(value: Any) -> str:
    # loaders return database values: Decimal prices, UUIDs, datetimes
    return json.dumps(value, default=str, ensure_ascii=False)
