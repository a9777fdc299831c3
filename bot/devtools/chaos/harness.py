"""One fault-suite run's world: throwaway PostgreSQL and Redis, a migrated database with a
seller and products, the local Bot API server (in this process, so a scenario can read every
chat and build exact copies of updates), and bot processes started on demand.
"""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agents.fixtures import load_fixtures
from bot.devtools.chaos.bot_process import BotProcess, bot_environment
from bot.devtools.chaos.servers import Servers, free_port, throwaway_servers
from bot.devtools.local_api import LocalBotApi
from bot.devtools.local_api.server import start_local_api
from bot.entrypoint import migrate
from storage.database import create_engine, create_session_factory, unit_of_work

DATABASE = "marketbot_chaos"
SELLER = {"vera": {"telegram_id": 700_800_001, "name": "Vera", "language": "es"}}
_DESCRIPTION = ("iPhone 13 Pro de 128 GB, batería al 89%, con caja y cargador original. "
                "Sin golpes ni arañazos.")
WEBHOOK_SECRET = "chaos-webhook-secret"
WEBHOOK_PATH = "/telegram/webhook"


def product(title: str, price: int = 650, floor: int = 560) -> dict[str, Any]:
    return {"seller": "vera", "title": title, "price": str(price), "min_price": str(floor),
            "condition": "used", "description": _DESCRIPTION}


@dataclass
class Harness:
    servers: Servers
    state: LocalBotApi
    api_url: str
    database_url: str
    logs: Path
    products: dict[str, str] = field(default_factory=dict)  # name -> deep-link payload
    bots: list[BotProcess] = field(default_factory=list)
    _polling: BotProcess | None = None
    _webhook: BotProcess | None = None

    async def polling_bot(self) -> BotProcess:
        """The bot with default settings, polling: one process shared by the scenarios that
        need nothing else (started when first asked for, or again after a kill)."""
        if self._polling is None:
            self._polling = self.bot("polling")
        if not self._polling.running:
            await self.started(self._polling)
        return self._polling

    async def add_products(self, products: Mapping[str, dict[str, Any]]) -> dict[str, str]:
        """Published products (fixture shape); returns each one's deep-link payload."""
        engine = create_engine(self.database_url)
        try:
            factory = create_session_factory(engine)
            async with unit_of_work(factory, actor="chaos") as session:
                loaded = await load_fixtures(session, {"sellers": SELLER,
                                                       "products": dict(products)})
        finally:
            await engine.dispose()
        refs = {name: refs["start"] for name, refs in loaded["products"].items()}
        self.products.update(refs)
        return refs

    async def webhook_bot(self) -> BotProcess:
        """The bot with default settings in webhook mode, the harness playing Telegram's
        deliveries (shared like `polling_bot`)."""
        if self._webhook is None:
            self._webhook = self.bot("webhook", webhook=True)
        if not self._webhook.running:
            await self.started(self._webhook)
        return self._webhook

    def bot(self, name: str, *, webhook: bool = False,
            env: Mapping[str, str] | None = None) -> BotProcess:
        """A bot process for scenario `name` (not started): polling this server, or in webhook
        mode with the harness playing Telegram's deliveries."""
        web_port = free_port()
        extra = dict(env or {})
        if webhook:
            extra.update({"TELEGRAM_MODE": "webhook", "TELEGRAM_WEBHOOK_SECRET": WEBHOOK_SECRET,
                          "TELEGRAM_WEBHOOK_URL": f"https://127.0.0.1:{web_port}{WEBHOOK_PATH}"})
        process = BotProcess(
            bot_environment(database_url=self.database_url, redis_url=self.servers.redis.url,
                            api_base_url=self.api_url, web_port=web_port,
                            key_prefix=f"chaos:{name}:{uuid.uuid4().hex[:6]}:", extra=extra),
            self.logs / f"{name}.log")
        self.bots.append(process)
        return process

    async def started(self, process: BotProcess) -> None:
        """Start the process and return once it takes updates: it set its webhook, or asked
        for the webhook it leaves just before it starts polling."""
        method = ("setWebhook" if process.env.get("TELEGRAM_MODE") == "webhook"
                  else "getWebhookInfo")
        since = time.monotonic()
        await process.start()
        ok = False
        for _ in range(600):  # 60 s
            ok = any(r.at >= since for r in self.state.requests(method))
            if ok or process.process is None or process.process.returncode is not None:
                break
            await asyncio.sleep(0.1)
        if ok:
            await asyncio.sleep(0.3)  # from that call to the first long poll
        else:
            raise RuntimeError(f"the bot never called {method}; see {process.log_path}")

    @contextlib.asynccontextmanager
    async def running(self, process: BotProcess) -> AsyncIterator[BotProcess]:
        """A scenario's own bot, alone on the server: a shared one still polling would get
        Telegram's 409 Conflict from the second poller (or from this one's webhook); it is
        started again when next asked for."""
        for shared in (self._polling, self._webhook):
            if shared is not None and shared is not process and shared.running:
                await shared.stop()
        await self.started(process)
        try:
            yield process
        finally:
            await process.stop()

    async def close(self) -> None:
        for process in self.bots:
            await process.stop()


@contextlib.asynccontextmanager
async def harness(logs: Path | None = None) -> AsyncIterator[Harness]:
    """Everything a scenario needs but the bot; `logs` keeps the bots' logs (else a temporary
    directory that goes away)."""
    with contextlib.ExitStack() as stack:
        servers = await asyncio.to_thread(stack.enter_context, throwaway_servers())
        if logs is None:
            logs = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="chaos-logs-")))
        logs.mkdir(parents=True, exist_ok=True)
        import asyncpg

        admin = await asyncpg.connect(servers.postgres.dsn("postgres"))
        try:
            await admin.execute(f'CREATE DATABASE "{DATABASE}"')
        finally:
            await admin.close()
        database_url = servers.postgres.url(DATABASE)
        await migrate(database_url)
        # request_log_size: scenarios look for the bot's getUpdates/setWebhook calls in it
        runner, api_url, state = await start_local_api(state=LocalBotApi(request_log_size=50000))
        world = Harness(servers, state, api_url, database_url, logs)
        try:
            yield world
        finally:
            await world.close()
            await runner.cleanup()
