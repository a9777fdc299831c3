"""The Bot API methods the local server implements, found by name the way Telegram does
(case-insensitively)."""

from __future__ import annotations

from bot.devtools.local_api import methods_bot, methods_media, methods_messages
from bot.devtools.local_api.params import MethodSpec

IMPLEMENTED: tuple[MethodSpec, ...] = (
    *methods_bot.METHODS,
    *methods_messages.METHODS,
    *methods_media.METHODS,
)
_BY_NAME = {spec.name.lower(): spec for spec in IMPLEMENTED}


def find_method(name: str) -> MethodSpec | None:
    return _BY_NAME.get(name.lower())
