"""The fault suite's world for its short forms: throwaway PostgreSQL and Redis, the local Bot
API server and the bot processes, started once for this folder (bot processes are slow to
start, and the scenarios share them as a full run does)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from bot.devtools.chaos import Harness, harness


@pytest.fixture(scope="package")
async def world() -> AsyncIterator[Harness]:
    async with harness() as chaos:
        yield chaos
