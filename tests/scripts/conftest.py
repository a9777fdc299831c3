"""Running the operator scripts as an operator would: a subprocess, settings from the environment.

`run_script("db_manager.py", "stats", database_url=...)` starts `python scripts/db_manager.py
stats` from the project root with DATABASE_URL and REDIS_URL set, and returns its exit status and
output. Several calls may be awaited together (asyncio.gather) to overlap their start-up.

`sample_database` is one database loaded by `init_database.py --sample-data`, shared by the
read-only checks; commands that change data get a `fresh_database` of their own.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import create_engine

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCRIPT_TIMEOUT_SECONDS = 60
# Variables of the developer's shell that would change what a script connects to.
_SCRUBBED = ("DATABASE_URL", "REDIS_URL", "DATABASE_NAME", "MARKETBOT_CONFIG", "MARKETBOT_DEBUG")


@dataclass(frozen=True)
class ScriptRun:
    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str

    def __str__(self) -> str:
        return (f"{' '.join(self.args)} -> {self.returncode}\n--- stdout\n{self.stdout}"
                f"--- stderr\n{self.stderr}")


RunScript = Callable[..., Awaitable[ScriptRun]]


@pytest.fixture(scope="session")
def run_script(redis_url: str) -> RunScript:
    async def run(
        script: str, *args: str, database_url: str | None, redis: str | None = None,
        env: dict[str, str] | None = None,
    ) -> ScriptRun:
        environment = {k: v for k, v in os.environ.items() if k not in _SCRUBBED}
        if database_url is not None:
            environment["DATABASE_URL"] = database_url
        environment["REDIS_URL"] = redis or redis_url
        environment.update(env or {})
        process = await asyncio.create_subprocess_exec(
            sys.executable, f"scripts/{script}", *args, cwd=PROJECT_ROOT, env=environment,
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )
        out, err = await asyncio.wait_for(process.communicate(), SCRIPT_TIMEOUT_SECONDS)
        assert process.returncode is not None
        return ScriptRun((script, *args), process.returncode, out.decode(), err.decode())

    return run


def plain_url(url: str) -> str:
    """The same database as a plain `postgresql://` URL, as an operator would write it."""
    return url.replace("postgresql+asyncpg://", "postgresql://", 1)


async def scalar(engine: AsyncEngine, statement: str, **params: object) -> object:
    async with engine.connect() as conn:
        return (await conn.execute(text(statement), params)).scalar()


@dataclass(frozen=True)
class SampleDatabase:
    url: str
    media: Path
    engine: AsyncEngine
    init_stdout: str

    async def scalar(self, statement: str, **params: object) -> object:
        return await scalar(self.engine, statement, **params)


@pytest.fixture(scope="session")
async def sample_database(
    create_database: Callable[[], Awaitable[str]],
    run_script: RunScript,
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[SampleDatabase]:
    """A database loaded by `init_database.py --sample-data` (given a plain postgresql:// URL)."""
    url = await create_database()
    media = tmp_path_factory.mktemp("media")
    init = await run_script(
        "init_database.py", "--sample-data", "--media-dir", str(media), database_url=plain_url(url)
    )
    assert init.returncode == 0, init
    engine = create_engine(url)
    yield SampleDatabase(url, media, engine, init.stdout)
    await engine.dispose()


@pytest.fixture
def db_scalar() -> Callable[..., Awaitable[object]]:
    """`await db_scalar(engine, "SELECT …")`: the first column of the first row."""
    return scalar
