"""Run the local Bot API server alone: `python -m bot.devtools.local_api [--host H] [--port P]`.

Useful to look at the chat page or to point a bot started elsewhere at it; the embedded
default of the service starts it in-process instead.
"""

from __future__ import annotations

import argparse
import asyncio

from bot.devtools.local_api.server import start_local_api


async def serve(host: str, port: int) -> None:
    runner, url, _ = await start_local_api(host, port)
    print(f"local Bot API server on {url} (chat page: {url}/); Ctrl+C stops it", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await runner.cleanup()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8081)
    args = parser.parse_args()
    try:
        asyncio.run(serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
