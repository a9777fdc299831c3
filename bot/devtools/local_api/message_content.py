"""Validating what a bot puts in a message: text or caption with its parse mode or entities,
and the reply_markup (inline keyboards kept in the Message, reply keyboards beside it)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.devtools.local_api.errors import bad_request
from bot.devtools.local_api.formatting import EntityParseError, parse_text, utf16_len

MAX_TEXT = 4096
MAX_CAPTION = 1024
MAX_CALLBACK_DATA_BYTES = 64
_BUTTON_ACTIONS = (
    "callback_data",
    "url",
    "web_app",
    "login_url",
    "switch_inline_query",
    "switch_inline_query_current_chat",
    "switch_inline_query_chosen_chat",
    "copy_text",
    "callback_game",
    "pay",
)
_URL_SCHEMES = ("http://", "https://", "tg://")


def message_text(params: dict[str, Any]) -> dict[str, Any]:
    """{"text", "entities"?} for sendMessage/editMessageText, or Telegram's error."""
    text, entities = _formatted(params.get("text", ""), params, "entities")
    if not text.strip():
        raise bad_request("message text is empty")
    if len(text) > MAX_TEXT:
        raise bad_request("message is too long")
    return {"text": text, **({"entities": entities} if entities else {})}


def caption(params: dict[str, Any]) -> dict[str, Any]:
    """{"caption", "caption_entities"?}, empty when there is no caption."""
    raw = params.get("caption")
    if not raw:
        return {}
    text, entities = _formatted(raw, params, "caption_entities")
    if len(text) > MAX_CAPTION:
        raise bad_request("message caption is too long")
    if not text.strip():
        return {}
    return {"caption": text, **({"caption_entities": entities} if entities else {})}


def _formatted(raw: str, params: dict[str, Any], entities_key: str) -> tuple[str, list[Any]]:
    if entities_key in params and not params.get("parse_mode"):
        return raw, _checked_entities(params[entities_key], raw)
    try:
        return parse_text(raw, params.get("parse_mode"))
    except EntityParseError as error:
        raise bad_request(str(error)) from None


def _checked_entities(entities: list[Any], text: str) -> list[dict[str, Any]]:
    length = utf16_len(text)
    for entity in entities:
        if not isinstance(entity, dict) or not isinstance(entity.get("type"), str):
            raise bad_request("can't parse entities: entity must be an object with a type")
        offset, size = entity.get("offset"), entity.get("length")
        if not isinstance(offset, int) or not isinstance(size, int) or offset < 0 or size < 1:
            raise bad_request("can't parse entities: wrong entity offset or length")
        if offset + size > length:
            raise bad_request("can't parse entities: entity beyond the end of the text")
    return entities


@dataclass(frozen=True)
class Markup:
    """A parsed reply_markup: the inline keyboard to store in the Message, or reply buttons."""

    inline: dict[str, Any] | None = None
    reply_keyboard: list[list[str]] | None = None

    def as_content(self) -> dict[str, Any]:
        return {"reply_markup": self.inline} if self.inline else {}


def reply_markup(value: dict[str, Any] | None, *, inline_only: bool = False) -> Markup:
    """Check a reply_markup object the way Telegram does."""
    if value is None:
        return Markup()
    if "inline_keyboard" in value:
        return Markup(inline=_inline_keyboard(value["inline_keyboard"]))
    if inline_only:
        raise bad_request("can't parse inline keyboard markup JSON object")
    if "keyboard" in value:
        return Markup(reply_keyboard=_reply_keyboard(value["keyboard"]))
    if value.get("remove_keyboard") is True or value.get("force_reply") is True:
        return Markup()
    raise bad_request("can't parse reply keyboard markup JSON object")


def _inline_keyboard(rows: Any) -> dict[str, Any] | None:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "inline_keyboard" of the InlineKeyboardMarkup should be an Array of Arrays'
        )
    checked = [[_inline_button(button) for button in row] for row in rows]
    checked = [row for row in checked if row]
    # an empty keyboard is how bots remove one: the message then has no reply_markup
    return {"inline_keyboard": checked} if checked else None


def _inline_button(button: Any) -> dict[str, Any]:
    if not isinstance(button, dict):
        raise bad_request(
            "can't parse inline keyboard button: InlineKeyboardButton must be an Object"
        )
    text = button.get("text")
    if not isinstance(text, str) or not text.strip():
        raise bad_request(
            'can\'t parse inline keyboard button: Field "text" must be of type String'
        )
    actions = [name for name in _BUTTON_ACTIONS if name in button]
    if len(actions) != 1:
        raise bad_request(
            "can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard"
        )
    data = button.get("callback_data")
    if data is not None and (
        not isinstance(data, str) or not 1 <= len(data.encode()) <= MAX_CALLBACK_DATA_BYTES
    ):
        raise bad_request("BUTTON_DATA_INVALID")
    url = button.get("url")
    if url is not None and (not isinstance(url, str) or not url.startswith(_URL_SCHEMES)):
        raise bad_request(f"inline keyboard button URL '{url}' is invalid: Wrong HTTP URL")
    return {"text": text, **{name: button[name] for name in actions}}


def _reply_keyboard(rows: Any) -> list[list[str]]:
    if not isinstance(rows, list) or not all(isinstance(row, list) for row in rows):
        raise bad_request(
            'field "keyboard" of the ReplyKeyboardMarkup should be an Array of Arrays'
        )
    keyboard: list[list[str]] = []
    for row in rows:
        texts = [
            button if isinstance(button, str) else (button or {}).get("text") for button in row
        ]
        if not all(isinstance(text, str) and text for text in texts):
            raise bad_request('can\'t parse keyboard button: Field "text" must be of type String')
        keyboard.append(texts)
    return keyboard
