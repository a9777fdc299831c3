"""The flat view of a chat message that the JSON API, the chat page and scripts read."""

from __future__ import annotations

from typing import Any

from bot.devtools.local_api.chats import StoredMessage

_KINDS = ("photo", "sticker", "voice", "document", "text")


def message_view(stored: StoredMessage) -> dict[str, Any]:
    """{"message_id", "text", "buttons", "has_photo", "from_bot", "date", "edited",
    "reply_to", ...}."""
    body = stored.body
    kind = next((name for name in _KINDS if name in body), "other")
    photo = body.get("photo") or []
    markup = body.get("reply_markup") or {}
    buttons = [
        [_button_view(button) for button in row] for row in markup.get("inline_keyboard", [])
    ]
    file_id = None
    if photo:
        file_id = photo[-1]["file_id"]
    elif kind in {"sticker", "voice", "document"}:
        file_id = body[kind]["file_id"]
    return {
        "message_id": stored.message_id,
        "kind": kind,
        "text": body.get("text") or body.get("caption") or "",
        "buttons": buttons,
        "reply_keyboard": stored.reply_keyboard or [],
        "has_photo": bool(photo),
        "file_id": file_id,
        "file_name": (body.get("document") or {}).get("file_name"),
        "from_bot": stored.from_bot,
        "date": body.get("date"),
        "edited": stored.edited,
        "seq": stored.seq,
        "reply_to": _replied_view(body.get("reply_to_message")),
    }


def _replied_view(replied: dict[str, Any] | None) -> dict[str, Any] | None:
    """The quoted message of a reply, as the page shows it above the reply."""
    if not replied:
        return None
    return {"message_id": replied.get("message_id"),
            "text": replied.get("text") or replied.get("caption") or ""}


def _button_view(button: dict[str, Any]) -> dict[str, Any]:
    view: dict[str, Any] = {"text": button.get("text", ""), "callback_data": None}
    if "callback_data" in button:
        view["callback_data"] = button["callback_data"]
    if "url" in button:
        view["url"] = button["url"]
    return view
