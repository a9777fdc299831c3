"""The log of Bot API calls the server answered, so tests can check what the bot sent."""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class LoggedRequest:
    """One Bot API call as the server saw it (files appear as {"filename", "size"})."""

    method: str
    params: dict[str, Any]
    status: int
    response: dict[str, Any]
    at: float = field(default_factory=time.monotonic)

    @property
    def result(self) -> Any:
        return self.response.get("result")


class RequestLog:
    """The latest calls, oldest first. Empty long polls are left out: a bot idling for an hour
    would otherwise fill the log with nothing."""

    def __init__(self, size: int) -> None:
        self._entries: deque[LoggedRequest] = deque(maxlen=size)

    def add(
        self, method: str, params: dict[str, Any], status: int, response: dict[str, Any]
    ) -> None:
        if method == "getUpdates" and response.get("result") == []:
            return
        self._entries.append(LoggedRequest(method, params, status, response))

    def clear(self) -> None:
        self._entries.clear()

    def select(self, method: str | None = None) -> list[LoggedRequest]:
        return [entry for entry in self._entries if method is None or entry.method == method]
