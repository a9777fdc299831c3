"""How long storage jobs (cleanup, export) report progress without knowing who is watching.

The operator scripts hand in a rich progress bar; code that does not care passes nothing and
gets `SilentProgress`.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """Receives the size of each step of a job, then the rows done as they are done."""

    def begin(self, label: str, total: int) -> None: ...

    def advance(self, count: int) -> None: ...


class SilentProgress:
    """A `Progress` that reports nothing."""

    def begin(self, label: str, total: int) -> None:
        return None

    def advance(self, count: int) -> None:
        return None
