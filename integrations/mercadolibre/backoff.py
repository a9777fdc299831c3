"""How long to wait before retrying a MercadoLibre call: tenacity waits for full-jitter backoff
and the server's Retry-After, and reading that header.

Full jitter (a uniform draw between zero and the exponential ceiling) spreads the retries of many
workers hit by the same outage, instead of having them all come back at the same instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from tenacity import RetryCallState
from tenacity.wait import wait_base, wait_exponential


class wait_full_jitter(wait_exponential):  # lower case, as tenacity names its waits
    """tenacity's `wait_random_exponential` (full jitter: uniform between zero and
    min(cap, base * 2**retry)) with the draw given, a float in [0, 1) such as `random.random`,
    so a test can fix it."""

    def __init__(self, *, base: float, cap: float, draw: Callable[[], float]) -> None:
        super().__init__(multiplier=base, max=cap)
        self._draw = draw

    def __call__(self, retry_state: RetryCallState) -> float:
        return super().__call__(retry_state) * self._draw()


class wait_retry_after(wait_base):
    """The wait the last answer's Retry-After asked for (an exception's `retry_after`, in
    seconds), else `fallback`'s."""

    def __init__(self, fallback: wait_base) -> None:
        self._fallback = fallback

    def __call__(self, retry_state: RetryCallState) -> float:
        failure = retry_state.outcome.exception() if retry_state.outcome else None
        asked = getattr(failure, "retry_after", None)
        return asked if asked is not None else self._fallback(retry_state)


def retry_after_seconds(value: str | None, *, now: datetime | None = None) -> float | None:
    """The wait a `Retry-After` header asks for (seconds or an HTTP date); None if absent or bad."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
