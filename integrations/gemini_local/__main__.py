"""Run the local Gemini API double: `python -m integrations.gemini_local --port P [--latency S]`.

Point the bot at it with `LLM_PROVIDER=gemini GOOGLE_API_KEY=any
GEMINI_BASE_URL=http://127.0.0.1:P`. The brain is named by `--brain MODULE:CLASS` (default: the
offline model's, `agents.models.double_brain:OfflineBrain`), loaded by name so that this layer
does not import the agents above it.
"""

from __future__ import annotations

import asyncio
import importlib

from integrations.gemini_local.server import start_gemini_double
from integrations.gemini_local.wire import Brain
from integrations.local_server_cli import serve_until_stopped, server_parser

DEFAULT_BRAIN = "agents.models.double_brain:OfflineBrain"


def load_brain(spec: str) -> Brain:
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)()


async def serve(host: str, port: int, latency: float, brain: str) -> None:
    runner, url, _ = await start_gemini_double(load_brain(brain), host, port, latency=latency)
    await serve_until_stopped(
        runner.cleanup, f"local Gemini API double on {url} (GET {url}/requests, "
        f"POST {url}/control); Ctrl+C stops it")


def main() -> None:
    parser = server_parser(__doc__.splitlines()[0], 8090)
    parser.add_argument("--latency", type=float, default=0.0,
                        help="seconds before every answer (default 0)")
    parser.add_argument("--brain", default=DEFAULT_BRAIN, help="MODULE:CLASS of the brain")
    args = parser.parse_args()
    asyncio.run(serve(args.host, args.port, args.latency, args.brain))


if __name__ == "__main__":
    main()
