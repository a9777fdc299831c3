"""How long to wait before retrying a MercadoLibre call: full-jitter backoff and Retry-After.

Full jitter (a uniform draw between zero and the exponential ceiling) spreads the retries of many
workers hit by the same outage, instead of having them all come back at the same instant.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


def full_jitter_delay(attempt: int, *, base: float, cap: float, draw: Callable[[], float]) -> float:
    """Seconds to wait before retry number `attempt` (0 for the first retry).

    `draw` returns a float in [0, 1), such as `random.random`.
    """
    ceiling = min(cap, base * (2**attempt))
    return ceiling * draw()


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
