"""The replay's clock: real time plus however far the transcript's `advance` turns moved it.

It starts at the real time so the database's own `now()` (row timestamps) and the service's
clock agree, and it never goes backwards.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class ReplayClock:
    """Callable like `utc_now`; `advance(delta)` moves every later reading forward."""

    def __init__(self) -> None:
        self.offset = timedelta(0)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, delta: timedelta) -> datetime:
        self.offset += delta
        return self()
