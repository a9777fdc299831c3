"""Running a local server alone from the command line (`python -m …`): its `--host` and
`--port` options, and serving until Ctrl+C or SIGTERM (also when started in the background),
then stopping it cleanly. The local Bot API server and its load balancer, the local
MercadoLibre API and the Gemini double share it; it imports nothing of the project.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
from collections.abc import Awaitable, Callable
from typing import Any


def server_parser(description: str, port: int) -> argparse.ArgumentParser:
    """A parser with `--host` (default 127.0.0.1) and `--port` (default `port`)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=port)
    return parser


async def serve_until_stopped(stop_server: Callable[[], Awaitable[Any]], banner: str) -> None:
    """Print `banner`, wait for Ctrl+C or SIGTERM, then `await stop_server()`."""
    stop = asyncio.Event()
    for signum in (signal.SIGINT, signal.SIGTERM):
        asyncio.get_running_loop().add_signal_handler(signum, stop.set)
    print(banner, flush=True)
    try:
        await stop.wait()
    finally:
        await stop_server()
