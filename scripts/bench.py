"""Load benchmark: `python scripts/bench.py [--duration S] [--chats N] [--rate R] [--json]`.

Runs, in this one process, the embedded PostgreSQL and Redis (a throwaway database, dropped
afterwards), the local Bot API server, the whole bot on the offline model and a bare aiogram
echo bot for comparison, and prints throughput, latency and per-message costs (see
`bot.devtools.bench`). With --json the last line is one JSON object with the figures.

Exit status: 0 done (targets met or not: the figures say), 1 failed (also when the bot logged
errors or left messages unanswered: the figures are then not valid), 2 bad usage or the
embedded servers cannot start.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts scripts/ first on the path; the project root must come first.
_ROOT = str(Path(__file__).resolve().parent.parent)
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = _ROOT
elif _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
from collections.abc import Callable  # noqa: E402

from scripts.operator_cli import (  # noqa: E402
    EXIT_OK,
    OperatorArgumentParser,
    OperatorError,
    run_script,
)


def _positive(kind: Callable[[str], float]) -> Callable[[str], float]:
    def parse(text: str) -> float:
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value <= 0:
            raise argparse.ArgumentTypeError(f"{value} is not a positive number")
        return value

    return parse


def _non_negative(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 <= value <= 60:
        raise argparse.ArgumentTypeError(f"{value} is not between 0 and 60 seconds")
    return value


def build_parser() -> OperatorArgumentParser:
    parser = OperatorArgumentParser(
        prog="bench.py", description="Benchmark the whole bot against a bare echo bot.",
        epilog="Exit status: 0 done, 1 failed, 2 bad usage or unreachable service.",
    )
    parser.add_argument("--duration", type=_positive(float), default=10.0,
                        help="seconds of each measured phase (default 10)")
    parser.add_argument("--chats", type=_positive(int), default=50,
                        help="concurrent chats at saturation (default 50)")
    parser.add_argument("--rate", type=_positive(float), default=50.0,
                        help="messages per second of the steady-rate phase (default 50)")
    parser.add_argument("--latency-chats", type=_positive(int), default=100,
                        help="chats sharing the steady rate (default 100)")
    parser.add_argument("--model-latency", type=_non_negative, default=0.0, metavar="SECONDS",
                        help="also run the load with every model call waiting SECONDS first, "
                             "and 10 chats making offers on one product (default 0: not run)")
    parser.add_argument("--workers", type=_positive(int), default=0, metavar="N",
                        help="also run the saturation load on 1 and on N bot processes behind "
                             "the local server's webhook delivery and a load balancer")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON holding every figure")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ["LLM_PROVIDER"] = "offline"  # the benchmark measures the stack, not an API

    async def run() -> int:
        from bot.devtools.bench import BenchOptions, format_report, run_bench
        from config.logging import configure_logging
        from config.settings import load_settings

        settings = load_settings()
        # warnings only: a log line per update would be part of what is measured
        configure_logging(settings.logging.model_copy(update={"level": "WARNING"}))
        options = BenchOptions(duration=args.duration, chats=args.chats, rate=args.rate,
                               latency_chats=args.latency_chats,
                               model_latency=args.model_latency, workers=int(args.workers))
        figures = await run_bench(settings, options,
                                  lambda line: print(line, file=sys.stderr, flush=True))
        print(format_report(figures), flush=True)
        if args.json:
            print(json.dumps(figures), flush=True)
        if figures["errors"] or figures["lost"] or figures["duplicates"]:
            raise OperatorError(f"the bot failed during the run ({figures['errors']} errors, "
                                f"{figures['lost']} messages never answered, "
                                f"{figures['duplicates']} answered twice)")
        return EXIT_OK

    return run_script(run)


if __name__ == "__main__":
    sys.exit(main())
