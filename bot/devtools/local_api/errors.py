"""A failed Bot API call and Telegram's wording for it; imported by the request parsing, the
state and the update queue alike, so it depends on nothing."""

from __future__ import annotations

from typing import Any


class BotApiError(Exception):
    """A failed Bot API call, answered as {"ok": false, "error_code", "description"}."""

    def __init__(self, error_code: int, description: str) -> None:
        super().__init__(description)
        self.error_code = error_code
        self.description = description

    def as_response(self) -> dict[str, Any]:
        return {"ok": False, "error_code": self.error_code, "description": self.description}


def bad_request(reason: str) -> BotApiError:
    return BotApiError(400, f"Bad Request: {reason}")
