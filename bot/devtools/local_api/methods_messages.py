"""Bot API methods that send, edit and delete messages (text, copies, forwards, actions)."""

from __future__ import annotations

import copy
from typing import Any

from bot.devtools.local_api import message_content
from bot.devtools.local_api.chats import PrivateChat, StoredMessage
from bot.devtools.local_api.errors import bad_request
from bot.devtools.local_api.params import CallContext, Kind, MethodSpec, Param
from bot.devtools.local_api.state import LocalBotApi

CHAT_ACTIONS = {
    "typing",
    "upload_photo",
    "record_video",
    "upload_video",
    "record_voice",
    "upload_voice",
    "upload_document",
    "choose_sticker",
    "find_location",
    "record_video_note",
    "upload_video_note",
}
# what a copy or a forward carries over from the original
_CONTENT_KEYS = (
    "text",
    "entities",
    "photo",
    "caption",
    "caption_entities",
    "document",
    "sticker",
    "voice",
)

CHAT_ID = Param("chat_id", Kind.CHAT_ID, required=True)
REPLY_MARKUP = Param("reply_markup", Kind.OBJECT)
REPLY_PARAMETERS = Param("reply_parameters", Kind.OBJECT)
PARSE_MODE = Param("parse_mode", Kind.STRING)
SEND_OPTIONS = (
    Param("message_thread_id", Kind.INTEGER),
    Param("disable_notification", Kind.BOOLEAN),
    Param("protect_content", Kind.BOOLEAN),
    Param("message_effect_id", Kind.STRING),
)
EDIT_TARGET = (
    Param("chat_id", Kind.CHAT_ID),
    Param("message_id", Kind.INTEGER),
    Param("inline_message_id", Kind.STRING),
)


def reply_to(chat: PrivateChat, params: dict[str, Any]) -> dict[str, Any]:
    """{"reply_to_message": ...} when reply_parameters names a message of this chat."""
    parameters = params.get("reply_parameters")
    if not parameters:
        return {}
    target = chat.live(parameters.get("message_id", 0))
    if target is None:
        if parameters.get("allow_sending_without_reply"):
            return {}
        raise bad_request("message to be replied not found")
    original = {k: v for k, v in target.body.items() if k != "reply_to_message"}
    return {"reply_to_message": copy.deepcopy(original)}


async def send_message(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat = state.chat_for_bot(params["chat_id"])
    content = message_content.message_text(params)
    markup = message_content.reply_markup(params.get("reply_markup"))
    body = {**content, **reply_to(chat, params), **markup.as_content()}
    stored = state.add_bot_message(chat, body, ctx.bot_id, reply_keyboard=markup.reply_keyboard)
    return stored.body


async def send_chat_action(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    if params["action"] not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    state.record_action(state.chat_for_bot(params["chat_id"]), params["action"])
    return True


def editable(state: LocalBotApi, params: dict[str, Any]) -> tuple[PrivateChat, StoredMessage]:
    """The bot message an edit method names, or Telegram's error."""
    if "inline_message_id" in params:
        raise bad_request("MESSAGE_ID_INVALID")  # no inline mode locally
    if "chat_id" not in params or "message_id" not in params:
        raise bad_request("message identifier is not specified")
    chat = state.chat_for_bot(params["chat_id"])
    stored = chat.live(params["message_id"])
    if stored is None:
        raise bad_request("message to edit not found")
    if not stored.from_bot:
        raise bad_request("message can't be edited")
    return chat, stored


def apply_edit(
    state: LocalBotApi,
    chat: PrivateChat,
    stored: StoredMessage,
    changes: dict[str, Any],
    removed: tuple[str, ...],
) -> dict[str, Any]:
    """Apply an edit; an edit that changes nothing is refused, as on Telegram."""
    before = {key: stored.body.get(key) for key in (*changes, *removed)}
    after = {**{key: None for key in removed}, **changes}
    if before == after:
        raise bad_request(
            "message is not modified: specified new message content and reply markup are "
            "exactly the same as a current content and reply markup of the message"
        )
    for key in removed:
        stored.body.pop(key, None)
    stored.body.update(changes)
    state.mark_edited(chat, stored)
    return stored.body


async def edit_message_text(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat, stored = editable(state, params)
    if "text" not in stored.body:
        raise bad_request("there is no text in the message to edit")
    content = message_content.message_text(params)
    # Telegram drops the inline keyboard when an edit does not repeat it
    markup = message_content.reply_markup(params.get("reply_markup"), inline_only=True)
    changes = {**content, **markup.as_content()}
    removed = tuple(key for key in ("entities", "reply_markup") if key not in changes)
    return apply_edit(state, chat, stored, changes, removed)


async def edit_message_caption(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat, stored = editable(state, params)
    if "text" in stored.body:
        raise bad_request("there is no caption in the message to edit")
    changes = {**message_content.caption(params)}
    markup = message_content.reply_markup(params.get("reply_markup"), inline_only=True)
    changes.update(markup.as_content())
    removed = tuple(
        key for key in ("caption", "caption_entities", "reply_markup") if key not in changes
    )
    return apply_edit(state, chat, stored, changes, removed)


async def edit_message_reply_markup(
    state: LocalBotApi, ctx: CallContext, params: dict[str, Any]
) -> Any:
    chat, stored = editable(state, params)
    markup = message_content.reply_markup(params.get("reply_markup"), inline_only=True)
    changes = markup.as_content()
    return apply_edit(state, chat, stored, changes, () if changes else ("reply_markup",))


async def delete_message(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat = state.chat_for_bot(params["chat_id"])
    stored = chat.live(params["message_id"])
    if stored is None:
        raise bad_request("message to delete not found")
    state.mark_deleted(chat, stored)
    return True


def _source(state: LocalBotApi, params: dict[str, Any]) -> StoredMessage:
    source_chat = state.chat_for_bot(params["from_chat_id"])
    stored = source_chat.live(params["message_id"])
    if stored is None:
        raise bad_request("message to copy not found")
    return stored


async def copy_message(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    original = _source(state, params)
    chat = state.chat_for_bot(params["chat_id"])
    content = {k: copy.deepcopy(v) for k, v in original.body.items() if k in _CONTENT_KEYS}
    if "caption" in params and "text" not in content:
        content.pop("caption", None)
        content.pop("caption_entities", None)
        content.update(message_content.caption(params))
    markup = message_content.reply_markup(params.get("reply_markup"))
    body = {**content, **reply_to(chat, params), **markup.as_content()}
    stored = state.add_bot_message(chat, body, ctx.bot_id, reply_keyboard=markup.reply_keyboard)
    return {"message_id": stored.message_id}


async def forward_message(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    original = _source(state, params)
    chat = state.chat_for_bot(params["chat_id"])
    content = {k: copy.deepcopy(v) for k, v in original.body.items() if k in _CONTENT_KEYS}
    origin = {"type": "user", "date": original.body["date"], "sender_user": original.body["from"]}
    stored = state.add_bot_message(chat, {**content, "forward_origin": origin}, ctx.bot_id)
    return stored.body


COPY_PARAMS = (
    CHAT_ID,
    Param("from_chat_id", Kind.CHAT_ID, required=True),
    Param("message_id", Kind.INTEGER, required=True),
    Param("disable_notification", Kind.BOOLEAN),
    Param("protect_content", Kind.BOOLEAN),
)

METHODS = (
    MethodSpec(
        "sendMessage",
        (
            CHAT_ID,
            Param("text", Kind.STRING, required=True, missing="message text is empty"),
            PARSE_MODE,
            Param("entities", Kind.ARRAY),
            Param("link_preview_options", Kind.OBJECT),
            REPLY_MARKUP,
            REPLY_PARAMETERS,
            *SEND_OPTIONS,
        ),
        send_message,
    ),
    MethodSpec(
        "sendChatAction",
        (
            CHAT_ID,
            Param("action", Kind.STRING, required=True),
            Param("message_thread_id", Kind.INTEGER),
        ),
        send_chat_action,
    ),
    MethodSpec(
        "editMessageText",
        (
            *EDIT_TARGET,
            Param("text", Kind.STRING, missing="message text is empty"),
            PARSE_MODE,
            Param("entities", Kind.ARRAY),
            Param("link_preview_options", Kind.OBJECT),
            REPLY_MARKUP,
        ),
        edit_message_text,
    ),
    MethodSpec(
        "editMessageCaption",
        (
            *EDIT_TARGET,
            Param("caption", Kind.STRING),
            PARSE_MODE,
            Param("caption_entities", Kind.ARRAY),
            Param("show_caption_above_media", Kind.BOOLEAN),
            REPLY_MARKUP,
        ),
        edit_message_caption,
    ),
    MethodSpec("editMessageReplyMarkup", (*EDIT_TARGET, REPLY_MARKUP), edit_message_reply_markup),
    MethodSpec(
        "deleteMessage",
        (CHAT_ID, Param("message_id", Kind.INTEGER, required=True)),
        delete_message,
    ),
    MethodSpec(
        "copyMessage",
        (
            *COPY_PARAMS,
            Param("caption", Kind.STRING),
            PARSE_MODE,
            Param("caption_entities", Kind.ARRAY),
            REPLY_MARKUP,
            REPLY_PARAMETERS,
        ),
        copy_message,
    ),
    MethodSpec("forwardMessage", COPY_PARAMS, forward_message),
)
