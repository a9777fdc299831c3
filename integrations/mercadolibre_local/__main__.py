"""`python -m integrations.mercadolibre_local --port 8089`: the local MercadoLibre API alone."""

from __future__ import annotations

import asyncio

from integrations.local_server_cli import serve_until_stopped, server_parser
from integrations.mercadolibre_local.server import LocalMercadoLibre


async def _serve(host: str, port: int) -> None:
    server = LocalMercadoLibre()
    url = await server.start(host, port)
    await serve_until_stopped(
        server.stop, f"local MercadoLibre API on {url} (POST /users to add an account)")


def main() -> None:
    args = server_parser(__doc__, 8089).parse_args()
    asyncio.run(_serve(args.host, args.port))


if __name__ == "__main__":
    main()
