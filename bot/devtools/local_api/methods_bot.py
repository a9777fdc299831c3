"""Bot API methods about the bot itself and its plumbing: identity, updates, webhook, commands,
callback answers, files and chats."""

from __future__ import annotations

import json
import re
from typing import Any

from bot.devtools.local_api.errors import BotApiError, bad_request
from bot.devtools.local_api.params import CallContext, Kind, MethodSpec, Param
from bot.devtools.local_api.state import LocalBotApi
from bot.devtools.local_api.update_queue import SET_WEBHOOK
from bot.devtools.local_api.webhook_delivery import DEFAULT_MAX_CONNECTIONS, WebhookTarget

MAX_POLL_TIMEOUT = 50  # seconds; keeps a forgotten long poll from pinning a handler forever
_COMMAND = re.compile(r"^[a-z0-9_]{1,32}$")
_SECRET = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_QUERY_GONE = "query is too old and response timeout expired or query ID is invalid"


async def get_me(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    return state.bot_user(ctx.bot_id)


async def get_updates(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    if state.webhook.get("url"):
        raise BotApiError(
            409,
            "Conflict: can't use getUpdates method while webhook is active; "
            "use deleteWebhook to delete the webhook first",
        )
    allowed = params.get("allowed_updates")
    if allowed is not None and not all(isinstance(item, str) for item in allowed):
        raise bad_request("can't parse allowed_updates JSON array")
    limit = min(100, max(1, params.get("limit", 100)))
    timeout = min(MAX_POLL_TIMEOUT, max(0, params.get("timeout", 0)))
    return await state.get_updates(params.get("offset"), limit, timeout, allowed)


async def set_webhook(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    url = params["url"]
    if url == "":  # Telegram: an empty URL removes the webhook
        return await delete_webhook(state, ctx, params)
    # Telegram wants HTTPS; plain HTTP is allowed locally so a webhook runner can be tested
    if not url.startswith(("https://", "http://")):
        raise bad_request("bad webhook: An HTTPS URL must be provided for webhook")
    secret = params.get("secret_token")
    if secret is not None and not _SECRET.match(secret):
        raise bad_request("secret token contains unallowed characters")
    allowed = params.get("allowed_updates")
    if allowed is not None and not all(isinstance(item, str) for item in allowed):
        raise bad_request("can't parse allowed_updates JSON array")
    if params.get("drop_pending_updates"):
        state.drop_pending_updates()
    state.webhook = {
        key: params[key]
        for key in ("url", "secret_token", "max_connections", "allowed_updates", "ip_address")
        if key in params
    }
    state.updates.remember_allowed(allowed)
    state.updates.terminate_poll(SET_WEBHOOK)
    # Telegram accepts 1-100 connections
    connections = min(100, max(1, params.get("max_connections", DEFAULT_MAX_CONNECTIONS)))
    state.webhook_delivery.start(WebhookTarget(url, secret, connections))
    return True


async def delete_webhook(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    state.webhook = {}
    await state.webhook_delivery.stop()
    if params.get("drop_pending_updates"):
        state.drop_pending_updates()
    return True


async def get_webhook_info(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    delivery = state.webhook_delivery
    info: dict[str, Any] = {
        "url": state.webhook.get("url", ""),
        "has_custom_certificate": False,
        "pending_update_count": len(state.updates.deliverable()),
    }
    if state.webhook and delivery.last_error_date is not None:
        info["last_error_date"] = delivery.last_error_date
        info["last_error_message"] = delivery.last_error_message
    for key in ("max_connections", "allowed_updates", "ip_address"):
        if key in state.webhook:
            info[key] = state.webhook[key]
    return info


async def accepted(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    return True


def _commands_key(params: dict[str, Any]) -> tuple[str, str]:
    scope = params.get("scope") or {"type": "default"}
    if not isinstance(scope.get("type"), str):
        raise bad_request("can't parse BotCommandScope JSON object")
    return json.dumps(scope, sort_keys=True), params.get("language_code", "")


async def set_my_commands(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    commands = params["commands"]
    if len(commands) > 100:
        raise bad_request("too many commands specified")
    for command in commands:
        if not isinstance(command, dict):
            raise bad_request("can't parse BotCommand JSON object")
        if not _COMMAND.match(str(command.get("command", ""))):
            raise bad_request("BOT_COMMAND_INVALID")
        description = command.get("description")
        if not isinstance(description, str) or not 1 <= len(description) <= 256:
            raise bad_request("command description is empty")
    state.commands[_commands_key(params)] = [
        {"command": c["command"], "description": c["description"]} for c in commands
    ]
    return True


async def get_my_commands(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    return state.commands.get(_commands_key(params), [])


async def delete_my_commands(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    state.commands.pop(_commands_key(params), None)
    return True


async def answer_callback_query(
    state: LocalBotApi, ctx: CallContext, params: dict[str, Any]
) -> Any:
    query = state.callback_queries.get(params["callback_query_id"])
    if query is None or query["answered"]:
        raise bad_request(_QUERY_GONE)
    text = params.get("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query["answered"] = True
    state.callback_answers.append(
        {
            "callback_query_id": params["callback_query_id"],
            "chat_id": query["chat_id"],
            "message_id": query["message_id"],
            "data": query["data"],
            "text": text,
            "show_alert": params.get("show_alert", False),
            "url": params.get("url"),
            "date": state.now(),
        }
    )
    state.signal.notify()
    return True


async def get_file(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    stored = state.files.get(params["file_id"])
    if stored is None:
        raise bad_request("invalid file_id")
    return stored.as_file()


async def get_chat(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat_id = params["chat_id"]
    chat = state.chat(chat_id) if isinstance(chat_id, int) else None
    if chat is None and isinstance(chat_id, str):
        chat = state.chat_for_bot(chat_id)
    if chat is None:
        raise bad_request("chat not found")
    return {
        **chat.as_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": {
            "unlimited_gifts": True,
            "limited_gifts": True,
            "unique_gifts": True,
            "premium_subscription": True,
            "gifts_from_channels": True,
        },
    }


SCOPE = (Param("scope", Kind.OBJECT), Param("language_code", Kind.STRING))

METHODS = (
    MethodSpec("getMe", (), get_me),
    MethodSpec(
        "getUpdates",
        (
            Param("offset", Kind.INTEGER),
            Param("limit", Kind.INTEGER),
            Param("timeout", Kind.INTEGER),
            Param("allowed_updates", Kind.ARRAY),
        ),
        get_updates,
    ),
    MethodSpec(
        "setWebhook",
        (
            Param("url", Kind.STRING, required=True),
            Param("certificate", Kind.UPLOAD),
            Param("ip_address", Kind.STRING),
            Param("max_connections", Kind.INTEGER),
            Param("allowed_updates", Kind.ARRAY),
            Param("drop_pending_updates", Kind.BOOLEAN),
            Param("secret_token", Kind.STRING),
        ),
        set_webhook,
    ),
    MethodSpec("deleteWebhook", (Param("drop_pending_updates", Kind.BOOLEAN),), delete_webhook),
    MethodSpec("getWebhookInfo", (), get_webhook_info),
    MethodSpec("close", (), accepted),
    MethodSpec("logOut", (), accepted),
    MethodSpec(
        "setMyCommands", (Param("commands", Kind.ARRAY, required=True), *SCOPE), set_my_commands
    ),
    MethodSpec("getMyCommands", SCOPE, get_my_commands),
    MethodSpec("deleteMyCommands", SCOPE, delete_my_commands),
    MethodSpec(
        "answerCallbackQuery",
        (
            Param("callback_query_id", Kind.STRING, required=True),
            Param("text", Kind.STRING),
            Param("show_alert", Kind.BOOLEAN),
            Param("url", Kind.STRING),
            Param("cache_time", Kind.INTEGER),
        ),
        answer_callback_query,
    ),
    MethodSpec("getFile", (Param("file_id", Kind.STRING, required=True),), get_file),
    MethodSpec("getChat", (Param("chat_id", Kind.CHAT_ID, required=True),), get_chat),
)
