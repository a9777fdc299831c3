"""Bot API methods that send media: sendPhoto, sendDocument and sendMediaGroup."""

from __future__ import annotations

from typing import Any

from bot.devtools.local_api import message_content
from bot.devtools.local_api.errors import bad_request
from bot.devtools.local_api.files import StoredFile
from bot.devtools.local_api.methods_messages import (
    CHAT_ID,
    PARSE_MODE,
    REPLY_MARKUP,
    REPLY_PARAMETERS,
    SEND_OPTIONS,
    reply_to,
)
from bot.devtools.local_api.params import CallContext, Kind, MethodSpec, Param, UploadedFile
from bot.devtools.local_api.state import LocalBotApi

_WRONG_FILE = "wrong file identifier/HTTP URL specified"


def photo_sizes(state: LocalBotApi, ctx: CallContext, value: str | UploadedFile) -> list[Any]:
    """The PhotoSize array for a photo given as an upload, a known file_id or an URL."""
    upload = ctx.upload(value)
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        stored = state.files.add_photo(upload.data)
    else:
        assert isinstance(value, str)
        stored = _known_or_url(state, value, kind="photos")
        if not stored[0].file_path.startswith("photos/"):
            raise bad_request("type of file mismatch")
    return [item.as_photo_size() for item in stored]


def document_file(state: LocalBotApi, ctx: CallContext, value: str | UploadedFile) -> StoredFile:
    upload = ctx.upload(value)
    if upload is not None:
        if not upload.data:
            raise bad_request("file must be non-empty")
        return state.files.add(
            upload.data, kind="documents", file_name=upload.filename, mime_type=upload.content_type
        )
    assert isinstance(value, str)
    return _known_or_url(state, value, kind="documents")[-1]


def _known_or_url(state: LocalBotApi, value: str, *, kind: str) -> list[StoredFile]:
    known = state.files.get(value)
    if known is not None:
        return state.files.photo_ladder(known) if kind == "photos" else [known]
    if value.startswith(("http://", "https://")):
        # Telegram would fetch the URL; locally the file stays empty (no network in tests)
        name = value.rsplit("/", 1)[-1] or "file"
        return [state.files.add(b"", kind=kind, file_name=name)]
    raise bad_request(_WRONG_FILE)


def _document(stored: StoredFile) -> dict[str, Any]:
    document: dict[str, Any] = {
        "file_id": stored.file_id,
        "file_unique_id": stored.file_unique_id,
        "mime_type": stored.mime_type,
        "file_size": stored.size,
    }
    document["file_name"] = stored.file_name or stored.file_path.rsplit("/", 1)[-1]
    return document


async def send_photo(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat = state.chat_for_bot(params["chat_id"])
    content: dict[str, Any] = {"photo": photo_sizes(state, ctx, params["photo"])}
    content.update(message_content.caption(params))
    if params.get("has_spoiler"):
        content["has_media_spoiler"] = True
    if params.get("show_caption_above_media"):
        content["show_caption_above_media"] = True
    markup = message_content.reply_markup(params.get("reply_markup"))
    body = {**content, **reply_to(chat, params), **markup.as_content()}
    stored = state.add_bot_message(chat, body, ctx.bot_id, reply_keyboard=markup.reply_keyboard)
    return stored.body


async def send_document(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat = state.chat_for_bot(params["chat_id"])
    stored_file = document_file(state, ctx, params["document"])
    content = {"document": _document(stored_file), **message_content.caption(params)}
    markup = message_content.reply_markup(params.get("reply_markup"))
    body = {**content, **reply_to(chat, params), **markup.as_content()}
    stored = state.add_bot_message(chat, body, ctx.bot_id, reply_keyboard=markup.reply_keyboard)
    return stored.body


async def send_media_group(state: LocalBotApi, ctx: CallContext, params: dict[str, Any]) -> Any:
    chat = state.chat_for_bot(params["chat_id"])
    media = params["media"]
    if not 2 <= len(media) <= 10:
        raise bad_request("wrong number of media specified: must be 2-10 items")
    contents = [_media_item(state, ctx, item) for item in media]
    kinds = {"document" if "document" in content else "photo" for content in contents}
    if len(kinds) > 1:
        raise bad_request("documents can't be mixed with other media types")
    group_id = f"local{state.new_callback_query_id()}"
    extra = reply_to(chat, params)
    messages = []
    for content in contents:
        body = {**content, **extra, "media_group_id": group_id}
        messages.append(state.add_bot_message(chat, body, ctx.bot_id).body)
    return messages


def _media_item(state: LocalBotApi, ctx: CallContext, item: Any) -> dict[str, Any]:
    if not isinstance(item, dict) or not isinstance(item.get("media"), str):
        raise bad_request("can't parse InputMedia: media must be an Object with a media field")
    caption = message_content.caption(
        {key: item[key] for key in ("caption", "parse_mode", "caption_entities") if key in item}
    )
    if item.get("type") == "photo":
        return {"photo": photo_sizes(state, ctx, item["media"]), **caption}
    if item.get("type") == "document":
        return {"document": _document(document_file(state, ctx, item["media"])), **caption}
    raise bad_request(
        f"unsupported media type {item.get('type')!r} (local server: photo, document)"
    )


METHODS = (
    MethodSpec(
        "sendPhoto",
        (
            CHAT_ID,
            Param("photo", Kind.FILE, required=True, missing="there is no photo in the request"),
            Param("caption", Kind.STRING),
            PARSE_MODE,
            Param("caption_entities", Kind.ARRAY),
            Param("show_caption_above_media", Kind.BOOLEAN),
            Param("has_spoiler", Kind.BOOLEAN),
            REPLY_MARKUP,
            REPLY_PARAMETERS,
            *SEND_OPTIONS,
        ),
        send_photo,
    ),
    MethodSpec(
        "sendDocument",
        (
            CHAT_ID,
            Param(
                "document", Kind.FILE, required=True, missing="there is no document in the request"
            ),
            Param("caption", Kind.STRING),
            PARSE_MODE,
            Param("caption_entities", Kind.ARRAY),
            REPLY_MARKUP,
            REPLY_PARAMETERS,
            *SEND_OPTIONS,
        ),
        send_document,
    ),
    MethodSpec(
        "sendMediaGroup",
        (CHAT_ID, Param("media", Kind.ARRAY, required=True), REPLY_PARAMETERS, *SEND_OPTIONS),
        send_media_group,
    ),
)
