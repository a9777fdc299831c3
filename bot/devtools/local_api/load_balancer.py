"""A small reverse proxy for running several bot workers on one machine: one address (the
webhook URL every worker registers) whose POSTs go round-robin to the workers' own web servers,
as the nginx service of docker-compose.yml does in production (`deploy/nginx.conf`).

Like nginx's defaults: the request goes to the next upstream in turn; when that one refuses the
connection (a worker that is down or not started yet), the next one is tried; when none takes
it, the answer is 502, which Telegram (here: the local Bot API server) redelivers later. A
request an upstream has started on is never sent twice: its answer, whatever it is, is the
answer. Headers (the webhook's secret token among them) and the body pass through unchanged.

    python -m bot.devtools.local_api.load_balancer --port 8080 http://127.0.0.1:8081 http://127.0.0.1:8082
"""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence

import aiohttp
from aiohttp import web

from integrations.local_server_cli import serve_until_stopped, server_parser

# Hop-by-hop headers a proxy does not forward (RFC 9110 7.6.1), and those aiohttp sets itself.
_NOT_FORWARDED = {"connection", "keep-alive", "transfer-encoding", "te", "upgrade", "host",
                  "content-length", "proxy-connection", "trailer"}
UPSTREAM_TIMEOUT_SECONDS = 90.0


class RoundRobin:
    """The upstream base URLs, taken in turn."""

    def __init__(self, upstreams: Sequence[str]) -> None:
        if not upstreams:
            raise ValueError("a load balancer needs at least one upstream")
        self.upstreams = [url.rstrip("/") for url in upstreams]
        self._turn = itertools.cycle(range(len(self.upstreams)))
        self.sent = [0] * len(self.upstreams)  # requests each upstream answered

    def order(self) -> list[int]:
        """Every upstream's index, starting with the one whose turn it is."""
        first = next(self._turn)
        count = len(self.upstreams)
        return [(first + step) % count for step in range(count)]


BALANCE = web.AppKey("balance", RoundRobin)
SESSION = web.AppKey("upstream_session", aiohttp.ClientSession)


def create_balancer_app(upstreams: Sequence[str]) -> web.Application:
    balance = RoundRobin(upstreams)
    app = web.Application(client_max_size=10 * 1024 * 1024)
    app[BALANCE] = balance

    async def open_session(app: web.Application) -> None:
        app[SESSION] = aiohttp.ClientSession(
            timeout=aiohttp.ClientTimeout(total=UPSTREAM_TIMEOUT_SECONDS),
            connector=aiohttp.TCPConnector(limit=0))

    async def close_session(app: web.Application) -> None:
        await app[SESSION].close()

    async def forward(request: web.Request) -> web.StreamResponse:
        body = await request.read()
        headers = {k: v for k, v in request.headers.items() if k.lower() not in _NOT_FORWARDED}
        for index in balance.order():
            url = balance.upstreams[index] + request.path_qs
            try:
                async with app[SESSION].request(request.method, url, data=body,
                                                    headers=headers) as answer:
                    payload = await answer.read()
                    balance.sent[index] += 1
                    return web.Response(status=answer.status, body=payload, headers={
                        k: v for k, v in answer.headers.items()
                        if k.lower() not in _NOT_FORWARDED})
            except aiohttp.ClientConnectorError:
                continue  # nothing was sent there: the next upstream may take it
            except (aiohttp.ClientError, TimeoutError):
                return web.Response(status=502, text="the upstream failed mid-request")
        return web.Response(status=502, text="no upstream is reachable")

    app.on_startup.append(open_session)
    app.on_cleanup.append(close_session)
    app.router.add_route("*", "/{tail:.*}", forward)
    return app


async def start_balancer(upstreams: Sequence[str], host: str = "127.0.0.1", port: int = 0
                         ) -> tuple[web.AppRunner, str, RoundRobin]:
    """Serve the balancer; returns (runner, base_url, its RoundRobin). `runner.cleanup()`
    stops it."""
    app = create_balancer_app(upstreams)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, host, port).start()
    return runner, f"http://{host}:{runner.addresses[0][1]}", app[BALANCE]


async def _serve(upstreams: list[str], host: str, port: int) -> None:
    runner, url, _ = await start_balancer(upstreams, host, port)
    await serve_until_stopped(
        runner.cleanup, f"load balancer on {url} -> {', '.join(upstreams)} (Ctrl+C stops it)")


def main() -> None:
    parser = server_parser(__doc__.splitlines()[0], 8080)
    parser.add_argument("upstreams", nargs="+", help="the workers' base URLs")
    args = parser.parse_args()
    asyncio.run(_serve(args.upstreams, args.host, args.port))


if __name__ == "__main__":
    main()
