"""One benchmark worker process: `python -m bot.devtools.bench.worker`, the bot as `python -m bot`
runs it (settings from the environment, `run_bot` in webhook mode) with one difference: the model is
the counting offline model, every call waiting `BENCH_MODEL_LATENCY` seconds first, so that
`scripts/bench.py --workers N` measures N processes against the same slow model as one.

SIGTERM stops it gracefully; it prints the model calls it made as `model_calls=N` at exit.
"""

from __future__ import annotations

import asyncio
import os
import signal

from bot.devtools.bench.probes import CountingOfflineModel
from config.logging import configure_logging
from config.settings import load_settings


async def serve(latency: float) -> int:
    from bot.factory import create_bot
    from bot.garbage_collection import settle_after_startup
    from bot.runners import run_bot
    from bot.runtime import build_runtime

    settings = load_settings()
    configure_logging(settings.logging)
    token, url = settings.telegram.bot_token, settings.database.async_url()
    redis_url = settings.redis.url
    if token is None or url is None or redis_url is None:
        raise SystemExit("a bench worker needs TELEGRAM_BOT_TOKEN, DATABASE_URL and REDIS_URL")
    model = CountingOfflineModel()
    model.latency = latency
    runtime = await build_runtime(settings, database_url=url,
                                  redis_url=redis_url.get_secret_value(), model=model)
    bot = create_bot(token.get_secret_value(), settings.telegram.api_base_url)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        settle_after_startup()
        await run_bot(runtime, bot, stop)
    finally:
        await bot.session.close()
        await runtime.close()
    return model.calls


def main() -> None:
    calls = asyncio.run(serve(float(os.environ.get("BENCH_MODEL_LATENCY", "0") or 0)))
    print(f"model_calls={calls}", flush=True)


if __name__ == "__main__":
    main()
