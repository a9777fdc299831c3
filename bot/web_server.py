"""The bot's own web server, in both modes: `/healthz`, `/metrics`, the Telegram webhook (webhook
mode), and the routes other modules plug in through `extra_setups` (marketplace notifications,
OAuth callbacks). It listens on `telegram.webhook_host:webhook_port`.

`/healthz` runs `SELECT 1` and a Redis `PING` (each bounded): 200 when both answer, 503 when one
does not, with what failed in the JSON body. `/metrics` is the Prometheus text format of this
bot's own registry.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

import structlog
from aiogram import Bot, Dispatcher
from aiohttp import web
from sqlalchemy import text

from bot.app_runtime import AppRuntime
from bot.metrics import CONTENT_TYPE, BotMetrics

log = structlog.get_logger(__name__)

CHECK_TIMEOUT_SECONDS = 2.0
RUNTIME = web.AppKey("runtime", AppRuntime)
METRICS = web.AppKey("metrics", BotMetrics)

WebSetup = Callable[[web.Application], None]


def create_web_app(runtime: AppRuntime, *, dispatcher: Dispatcher | None = None,
                   bot: Bot | None = None, extra_setups: Iterable[WebSetup] = (),
                   metrics: BotMetrics | None = None) -> web.Application:
    """The app; the webhook route is added when `dispatcher` and `bot` are given (webhook
    mode). Extra setups find the runtime at `app[RUNTIME]`."""
    app = web.Application()
    app[RUNTIME] = runtime
    app[METRICS] = metrics or BotMetrics()
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", metrics_page)
    if dispatcher is not None and bot is not None:
        from bot.runners.webhook import add_webhook_route

        add_webhook_route(app, dispatcher, bot, runtime.settings.telegram)
    for setup in extra_setups:
        setup(app)
    return app


async def start_web_app(app: web.Application, host: str, port: int, *,
                        shutdown_timeout: float = 20.0) -> web.AppRunner:
    """Serve `app`; `await runner.cleanup()` stops taking requests and waits (up to
    `shutdown_timeout`) for those in progress."""
    runner = web.AppRunner(app, shutdown_timeout=shutdown_timeout, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
    except OSError:
        await runner.cleanup()
        raise
    log.info("web.started", host=host, port=port)
    return runner


async def healthz(request: web.Request) -> web.Response:
    runtime = request.app[RUNTIME]
    checks = dict(zip(("database", "redis"), await asyncio.gather(
        _check(_select_one(runtime)), _check(runtime.redis.ping())), strict=True))
    healthy = all(result == "ok" for result in checks.values())
    return web.json_response({"status": "ok" if healthy else "unavailable", **checks},
                             status=200 if healthy else 503)


async def metrics_page(request: web.Request) -> web.Response:
    body = request.app[METRICS].exposition()
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE})


async def _select_one(runtime: AppRuntime) -> None:
    async with runtime.engine.connect() as connection:
        await connection.execute(text("SELECT 1"))


async def _check(probe: Awaitable[Any]) -> str:
    """"ok", or the failure's type (no message: it may name hosts or users)."""
    try:
        await asyncio.wait_for(probe, CHECK_TIMEOUT_SECONDS)
    except Exception as exc:  # any failure means unhealthy
        log.warning("health.check_failed", error=type(exc).__name__, detail=str(exc))
        return f"error: {type(exc).__name__}"
    return "ok"
