"""`python -m integrations.mercadolibre_local --port 8089`: the local MercadoLibre API alone."""

from __future__ import annotations

import argparse
import asyncio

from integrations.mercadolibre_local.server import LocalMercadoLibre


async def _serve(host: str, port: int) -> None:
    server = LocalMercadoLibre()
    url = await server.start(host, port)
    print(f"local MercadoLibre API on {url} (POST /users to add an account)", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8089)
    args = parser.parse_args()
    try:
        asyncio.run(_serve(args.host, args.port))
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
