"""The bot as a real process (`python -m bot`), so the fault suite can kill -9 it and start it
again: its environment points it at the throwaway servers and the local Bot API server, it logs
JSON lines to a file of its own, and what it logged as an error is counted afterwards.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import aiohttp

from bot.factory import LOCAL_TOKEN
from config.settings import PROJECT_ROOT

READY_SECONDS = 240.0  # imports, migrations and recovery on a loaded 2-core machine
STOP_SECONDS = 30.0
# Settings the developer's environment may hold that must not leak into the bot under test.
_DROPPED = ("DATABASE_URL", "REDIS_URL", "TELEGRAM_BOT_TOKEN", "GOOGLE_API_KEY",
            "TELEGRAM_MODE", "TELEGRAM_WEBHOOK_URL", "TELEGRAM_WEBHOOK_SECRET", "LLM_PROVIDER")


def bot_environment(*, database_url: str, redis_url: str, api_base_url: str, web_port: int,
                    key_prefix: str, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """The environment of one bot process: every service it needs given explicitly."""
    env = {key: value for key, value in os.environ.items() if key not in _DROPPED}
    env.update({
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "REDIS_KEY_PREFIX": key_prefix,
        "TELEGRAM_BOT_TOKEN": LOCAL_TOKEN,
        "TELEGRAM_API_BASE_URL": api_base_url,
        "TELEGRAM_WEBHOOK_HOST": "127.0.0.1",
        "TELEGRAM_WEBHOOK_PORT": str(web_port),
        "LLM_PROVIDER": "offline",
        "LOG_FORMAT": "json",
        "LOG_LEVEL": "WARNING",  # errors are what is counted; a line per update costs CPU
        # Messages are what is measured: the scheduled jobs stay off.
        "SCHEDULER_ENABLED": "false",
        "PYTHONUNBUFFERED": "1",
    })
    env.update(extra or {})
    return env


@dataclass
class BotProcess:
    env: dict[str, str]
    log_path: Path
    process: asyncio.subprocess.Process | None = None
    starts: int = 0

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    @property
    def web_url(self) -> str:
        return f"http://127.0.0.1:{self.env['TELEGRAM_WEBHOOK_PORT']}"

    async def start(self) -> None:
        """Start the process and return once its web server answers."""
        self.starts += 1
        with self.log_path.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "bot", cwd=str(PROJECT_ROOT), env=self.env,
                stdin=asyncio.subprocess.DEVNULL, stdout=log, stderr=log)
        await self._wait_web()

    async def _wait_web(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + READY_SECONDS
        async with aiohttp.ClientSession() as session:
            while loop.time() < deadline:
                if self.process is None or self.process.returncode is not None:
                    raise RuntimeError(f"the bot exited at start-up; see {self.log_path}:\n"
                                       + self.tail())
                with contextlib.suppress(aiohttp.ClientError, TimeoutError):
                    async with session.get(f"{self.web_url}/healthz",
                                           timeout=aiohttp.ClientTimeout(total=3)):
                        return  # 200 or 503: the web server runs, so updates are taken
                await asyncio.sleep(0.2)
        self.kill()  # a half-started bot must not take updates behind the next one's back
        await self.wait()
        raise RuntimeError(f"the bot did not start within {READY_SECONDS} s; see {self.log_path}")

    def kill(self) -> None:
        """kill -9: no shutdown, no drain."""
        if self.process is not None and self.process.returncode is None:
            self.process.send_signal(signal.SIGKILL)

    async def wait(self) -> None:
        if self.process is not None:
            await self.process.wait()

    async def stop(self) -> None:
        """SIGTERM (a graceful stop), then SIGKILL if it takes too long."""
        if self.process is None or self.process.returncode is not None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            await asyncio.wait_for(self.process.wait(), STOP_SECONDS)
        except TimeoutError:
            self.kill()
            await self.process.wait()

    def mark(self) -> int:
        """Where the log ends now: `problems(since=mark)` reads only what comes after."""
        return self.log_path.stat().st_size if self.log_path.exists() else 0

    def problems(self, since: int = 0) -> list[str]:
        """Error lines and tracebacks the bot logged (since a `mark`), each counted once."""
        if not self.log_path.exists():
            return []
        with self.log_path.open("rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        found = []
        for line in text.splitlines():
            if line.startswith("Traceback"):
                found.append(line)
            elif (problem := _error_of(line)) is not None:
                found.append(problem)
        return found

    def tail(self, lines: int = 20) -> str:
        if not self.log_path.exists():
            return ""
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


def _error_of(line: str) -> str | None:
    """An error line's event and the last line of its traceback; None for other lines."""
    if not line.startswith("{"):
        return None
    try:
        record = json.loads(line)
    except ValueError:
        return None
    if not isinstance(record, dict) or str(record.get("level", "")).lower() not in {
            "error", "critical", "exception"}:
        return None
    cause = str(record.get("exception") or "").strip().splitlines()[-1:]
    return f"{record.get('event')}: {cause[0] if cause else ''}"[:300]
