"""The aiohttp app of the local Telegram Bot API server: the Bot API at /bot<token>/<method>,
file downloads at /file/bot<token>/<path>, the JSON API under /local/ and the chat page at /."""

from __future__ import annotations

import copy
import logging
import re
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web

from bot.devtools.local_api import control_api, page
from bot.devtools.local_api.errors import BotApiError
from bot.devtools.local_api.methods import find_method
from bot.devtools.local_api.params import CallContext, UploadedFile, parse_params
from bot.devtools.local_api.state import LocalBotApi

log = logging.getLogger(__name__)

FixturesLoader = Callable[[dict[str, Any]], Awaitable[dict[str, Any]]]
SampleDataLoader = Callable[[], Awaitable[dict[str, Any]]]

MAX_REQUEST_BYTES = 50 * 1024 * 1024  # Telegram's upload limit for bots
_TOKEN = re.compile(r"^(\d+):[A-Za-z0-9_-]+$")
STATE = web.AppKey("local_bot_api_state", LocalBotApi)
TOKEN_CHECK = web.AppKey("local_bot_api_token_check", bool)


def create_local_api_app(
    state: LocalBotApi | None = None,
    *,
    token_check: bool = True,
    fixtures_loader: FixturesLoader | None = None,
    sample_data_loader: SampleDataLoader | None = None,
) -> web.Application:
    """The server as an aiohttp Application (mount it, or run it with start_local_api)."""
    state = state or LocalBotApi()
    app = web.Application(client_max_size=MAX_REQUEST_BYTES)
    app[STATE] = state
    app[TOKEN_CHECK] = token_check
    app.router.add_route("*", "/bot{token}/{method}", _bot_api)
    app.router.add_get("/file/bot{token}/{file_path:.+}", _download)
    control_api.setup(
        app, state, fixtures_loader=fixtures_loader, sample_data_loader=sample_data_loader
    )
    page.setup(app)

    async def wake_long_polls(_: web.Application) -> None:
        state.signal.interrupt()

    async def stop_deliveries(_: web.Application) -> None:
        await state.webhook_delivery.stop()

    app.on_shutdown.append(wake_long_polls)
    app.on_shutdown.append(stop_deliveries)
    return app


async def start_local_api(
    host: str = "127.0.0.1", port: int = 0, **kwargs: Any
) -> tuple[web.AppRunner, str, LocalBotApi]:
    """Serve the app on host:port (0 picks a free port); returns (runner, base_url, state).

    `kwargs` go to create_local_api_app. Stop it with `await runner.cleanup()`.
    """
    state = kwargs.pop("state", None) or LocalBotApi()
    app = create_local_api_app(state, **kwargs)
    # handler_cancellation: a client giving up a long poll must not leave its handler behind
    runner = web.AppRunner(app, handler_cancellation=True, shutdown_timeout=2.0, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, host, port)
    await site.start()
    bound_port = runner.addresses[0][1]
    return runner, f"http://{host}:{bound_port}", state


def _bot_id(request: web.Request) -> int | None:
    """The bot's id from the token, None when the token is refused."""
    match = _TOKEN.match(request.match_info["token"])
    if match:
        return int(match.group(1))
    return None if request.app[TOKEN_CHECK] else 1


async def _bot_api(request: web.Request) -> web.Response:
    state = request.app[STATE]
    name = request.match_info["method"]
    bot_id = _bot_id(request)
    if bot_id is None:
        return _answer(BotApiError(401, "Unauthorized").as_response(), 401)
    spec = find_method(name)
    if spec is None:
        response = BotApiError(404, "Not Found: method not found").as_response()
        state.log_request(name, {}, 404, response)
        return _answer(response, 404)
    raw: dict[str, Any] = {}
    params: dict[str, Any] = {}
    try:
        raw, uploads = await _read_params(request)
        params = parse_params(spec, raw)
        context = CallContext(token=request.match_info["token"], bot_id=bot_id, uploads=uploads)
        result = await spec.handler(state, context, params)
        # a snapshot: later edits must not change what the log says was answered
        response, status = {"ok": True, "result": copy.deepcopy(result)}, 200
    except BotApiError as error:
        response, status = error.as_response(), error.error_code
    except Exception as error:  # a bug here must reach the bot as an error, not a hang
        log.exception("local Bot API %s failed", spec.name)
        response = {
            "ok": False,
            "error_code": 500,
            "description": f"Internal Server Error: {error}",
        }
        status = 500
    state.log_request(spec.name, _loggable(params or raw), status, response)
    return _answer(response, status)


def _answer(response: dict[str, Any], status: int) -> web.Response:
    return web.json_response(response, status=status)


async def _read_params(request: web.Request) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    """Parameters from the query string and the body (JSON, form or multipart), as Telegram
    accepts them all."""
    raw: dict[str, Any] = dict(request.query)
    uploads: dict[str, UploadedFile] = {}
    if request.method != "POST" or not request.body_exists:
        return raw, uploads
    if request.content_type == "application/json":
        try:
            body = await request.json()
        except ValueError:
            raise BotApiError(400, "Bad Request: can't parse JSON body") from None
        if not isinstance(body, dict):
            raise BotApiError(400, "Bad Request: the JSON body must be an object")
        raw.update(body)
        return raw, uploads
    form = await request.post()
    for key, value in form.items():
        if isinstance(value, web.FileField):
            upload = UploadedFile(value.filename, value.file.read(), value.content_type)
            uploads[key] = upload
            raw[key] = upload
        else:
            raw[key] = value
    return raw, uploads


def _loggable(params: dict[str, Any]) -> dict[str, Any]:
    return {
        key: {"filename": value.filename, "size": len(value.data)}
        if isinstance(value, UploadedFile)
        else value
        for key, value in params.items()
    }


async def _download(request: web.Request) -> web.StreamResponse:
    if _bot_id(request) is None:
        return _answer(BotApiError(401, "Unauthorized").as_response(), 401)
    stored = request.app[STATE].files.by_path(request.match_info["file_path"])
    if stored is None:
        return _answer(BotApiError(404, "Not Found").as_response(), 404)
    return web.Response(body=stored.data, content_type=stored.mime_type)
