"""Playing the people: turn "Luis says X / taps a button / sends a photo" into the Message or
CallbackQuery Telegram would build, store it in the chat and queue its Update."""

from __future__ import annotations

import copy
import io
from collections.abc import Mapping
from typing import Any, Protocol

from bot.devtools.local_api.chats import (
    InputError,
    LocalUser,
    PrivateChat,
    PushResult,
    StoredMessage,
)
from bot.devtools.local_api.files import FileStore
from bot.devtools.local_api.formatting import command_entities

MAX_TEXT = 4096
MAX_CAPTION = 1024

UserLike = LocalUser | Mapping[str, Any]


class ServerState(Protocol):
    """What a person's action writes to in the server's state (`state.LocalBotApi`, which calls
    these functions): a protocol, so that this module does not import the state back."""

    files: FileStore
    callback_queries: dict[str, dict[str, Any]]

    def register_user(self, user: UserLike) -> PrivateChat: ...

    def new_callback_query_id(self) -> str: ...

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int: ...

    def add_user_message(self, chat: PrivateChat, content: dict[str, Any]) -> StoredMessage: ...


def push_text(state: ServerState, user: UserLike, text: str,
              reply_to_message_id: int | None = None) -> PushResult:
    """The person writes `text`, as a reply to message `reply_to_message_id` of their chat
    when given (the Message then carries `reply_to_message`, as Telegram's does)."""
    _check_text("text", text, MAX_TEXT, required=True)
    chat = state.register_user(user)
    content: dict[str, Any] = {"text": text}
    if entities := command_entities(text):
        content["entities"] = entities
    if reply_to_message_id is not None:
        content["reply_to_message"] = _replied(chat, reply_to_message_id)
    return _push_message(state, chat, content)


def _replied(chat: PrivateChat, message_id: int) -> dict[str, Any]:
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise InputError("reply_to_message_id", "must be an integer")
    stored = chat.live(message_id)
    if stored is None:
        raise InputError("reply_to_message_id", f"no message {message_id} in chat {chat.id}")
    # Telegram does not nest: the replied-to message comes without its own reply_to_message
    return copy.deepcopy({k: v for k, v in stored.body.items() if k != "reply_to_message"})


def push_callback(state: ServerState, user: UserLike, message_id: int, data: str) -> PushResult:
    """The person presses the inline button with `data` under bot message `message_id`."""
    chat = state.register_user(user)
    if not isinstance(message_id, int) or isinstance(message_id, bool):
        raise InputError("message_id", "must be an integer")
    stored = chat.live(message_id)
    if stored is None or not stored.from_bot:
        raise InputError("message_id", f"no bot message {message_id} in chat {chat.id}")
    if not isinstance(data, str) or not data:
        raise InputError("callback_data", "must be a non-empty string")
    rows = (stored.body.get("reply_markup") or {}).get("inline_keyboard", [])
    if data not in {button.get("callback_data") for row in rows for button in row}:
        raise InputError("callback_data", f"message {message_id} has no button with this data")
    query_id = state.new_callback_query_id()
    query = {
        "id": query_id,
        "from": chat.user.as_user(),
        "message": copy.deepcopy(stored.body),
        # stable per chat, as Telegram's is
        "chat_instance": str(8_000_000_000_000_000_000 + chat.id),
        "data": data,
    }
    state.callback_queries[query_id] = {
        "chat_id": chat.id,
        "message_id": message_id,
        "user_id": chat.id,
        "data": data,
        "answered": False,
    }
    update_id = state.queue_update("callback_query", query)
    return PushResult(update_id=update_id, message_id=message_id, cursor=chat.seq)


def push_photo(
    state: ServerState, user: UserLike, image_bytes: bytes, caption: str | None = None
) -> PushResult:
    _check_bytes("photo", image_bytes)
    _check_text("caption", caption, MAX_CAPTION, required=False)
    chat = state.register_user(user)
    sizes = state.files.add_photo(bytes(image_bytes))
    content = {"photo": [size.as_photo_size() for size in sizes], **_caption(caption)}
    return _push_message(state, chat, content)


def push_sticker(state: ServerState, user: UserLike) -> PushResult:
    chat = state.register_user(user)
    stored = state.files.add(_sticker_bytes(), kind="stickers", mime_type="image/webp")
    sticker = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "type": "regular",
        "width": 512,
        "height": 512,
        "is_animated": False,
        "is_video": False,
        "emoji": "👍",
        "set_name": "LocalStickers",
        "file_size": stored.size,
    }
    return _push_message(state, chat, {"sticker": sticker})


def push_voice(state: ServerState, user: UserLike, duration: int = 2) -> PushResult:
    chat = state.register_user(user)
    # An Ogg page header and silence: enough for a bot that only downloads or ignores it
    stored = state.files.add(b"OggS" + bytes(60), kind="voice", mime_type="audio/ogg")
    voice = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "duration": max(1, int(duration)),
        "mime_type": "audio/ogg",
        "file_size": stored.size,
    }
    return _push_message(state, chat, {"voice": voice})


def push_document(
    state: ServerState, user: UserLike, data: bytes, file_name: str, caption: str | None = None
) -> PushResult:
    _check_bytes("document", data)
    if not isinstance(file_name, str) or not file_name.strip() or len(file_name) > 255:
        raise InputError("file_name", "must be a non-empty string")
    _check_text("caption", caption, MAX_CAPTION, required=False)
    chat = state.register_user(user)
    stored = state.files.add(bytes(data), kind="documents", file_name=file_name)
    document = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "file_name": file_name,
        "mime_type": stored.mime_type,
        "file_size": stored.size,
    }
    return _push_message(state, chat, {"document": document, **_caption(caption)})


def _push_message(state: ServerState, chat: PrivateChat, content: dict[str, Any]) -> PushResult:
    stored = state.add_user_message(chat, content)
    # the queued Update is a snapshot: later edits to the stored message must not change it
    update_id = state.queue_update("message", copy.deepcopy(stored.body))
    return PushResult(update_id=update_id, message_id=stored.message_id, cursor=chat.seq)


def _caption(caption: str | None) -> dict[str, Any]:
    if not caption:
        return {}
    content: dict[str, Any] = {"caption": caption}
    if entities := command_entities(caption):
        content["caption_entities"] = entities
    return content


def _check_text(key: str, value: Any, limit: int, *, required: bool) -> None:
    if value is None and not required:
        return
    if not isinstance(value, str):
        raise InputError(key, "must be a string")
    if required and not value.strip():
        raise InputError(key, "must not be empty")
    if len(value) > limit:
        raise InputError(key, f"must be at most {limit} characters")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise InputError(key, "must be valid Unicode (no lone surrogates)") from None


def _check_bytes(key: str, value: Any) -> None:
    if not isinstance(value, bytes | bytearray) or not value:
        raise InputError(key, "must be non-empty bytes")


def _sticker_bytes() -> bytes:
    try:
        from PIL import Image
    except ImportError:  # pragma: no cover - only without Pillow
        return b"RIFF\x1a\x00\x00\x00WEBPVP8L\x0d\x00\x00\x00/\x00\x00\x00\x10\x07\x10\x11\x11"
    buffer = io.BytesIO()
    Image.new("RGBA", (512, 512), (255, 200, 0, 255)).save(buffer, format="WEBP")
    return buffer.getvalue()
