"""A webhook POST's body as an aiogram `Update`, or why it is not one (answered 400).

Telegram sends one Update as a JSON object. Anything else (not JSON, not UTF-8, not an object,
NaN/Infinity, nesting too deep to parse, a field of the wrong type, a number no Telegram field
can hold) is refused before the Dispatcher sees it, so it never becomes a 500 or a row.
"""

from __future__ import annotations

import json
from typing import Any

from aiogram import Bot
from aiogram.types import Update
from pydantic import ValidationError

# Telegram's integers fit in 64 bits (ids have at most 52 significant bits); no float it sends
# comes near this either.
LARGEST_NUMBER = 2**63 - 1


class BadUpdate(ValueError):
    """The body is not a Telegram Update; the message says why (it is the 400's body)."""


def _refuse_constant(name: str) -> Any:
    raise BadUpdate(f"{name} is not JSON")


def parse_update(body: bytes, bot: Bot) -> Update:
    """The Update in `body`; `BadUpdate` when there is none."""
    try:
        payload = json.loads(body, parse_constant=_refuse_constant)
    except BadUpdate:
        raise
    except (ValueError, RecursionError):  # UnicodeDecodeError is a ValueError
        raise BadUpdate("the body is not JSON") from None
    if not isinstance(payload, dict):
        raise BadUpdate("the body is not a JSON object")
    _check_numbers(payload)
    try:
        return Update.model_validate(payload, context={"bot": bot})
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise BadUpdate(f"not an Update: {where}: {first['msg']}") from None


def _check_numbers(payload: dict[str, Any]) -> None:
    """Refuse numbers out of Telegram's range (walked without recursion: the nesting is the
    sender's choice)."""
    stack: list[Any] = [payload]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
        elif isinstance(value, int | float) and not isinstance(value, bool) \
                and abs(value) > LARGEST_NUMBER:
            raise BadUpdate("a number is out of range")
