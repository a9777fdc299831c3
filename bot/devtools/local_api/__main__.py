"""Run the local Bot API server alone: `python -m bot.devtools.local_api [--host H] [--port P]`.

Useful to look at the chat page or to point a bot started elsewhere at it; the embedded
default of the service starts it in-process instead.
"""

from __future__ import annotations

import asyncio

from bot.devtools.local_api.server import start_local_api
from integrations.local_server_cli import serve_until_stopped, server_parser


async def serve(host: str, port: int) -> None:
    runner, url, _ = await start_local_api(host, port)
    await serve_until_stopped(
        runner.cleanup, f"local Bot API server on {url} (chat page: {url}/); Ctrl+C stops it")


def main() -> None:
    args = server_parser(__doc__.splitlines()[0], 8081).parse_args()
    asyncio.run(serve(args.host, args.port))


if __name__ == "__main__":
    main()
