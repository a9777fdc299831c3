"""Negotiation benchmark: `python scripts/negotiation_bench.py [--scenarios N] [--seed S] [--json]`.

Simulated buyers in the manner of CraigslistBargain's rule-based agent (open under a target of
0.5 / 0.7 / 0.9 of the list price, concede toward the bot's last price, never past a private
bottomline, Spanish and English) haggle with the whole bot on the offline model through the
local Bot API server, in this one process (see `bot.devtools.negotiation_bench`). Prints the deal
rate and the surplus captured on the scenarios with room for a deal, the median buyer turns and the
deals below the floor; with --json the last line is one JSON object with the figures.

Exit status: 0 done (targets met or not: the figures say), 1 failed (a deal below the floor,
or the bot did not answer: the figures are then not valid), 2 bad usage or the embedded servers
cannot start.
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

import json  # noqa: E402
import os  # noqa: E402

from scripts.operator_cli import (  # noqa: E402
    EXIT_OK,
    OperatorArgumentParser,
    OperatorError,
    positive_int,
    run_script,
)


def build_parser() -> OperatorArgumentParser:
    parser = OperatorArgumentParser(
        prog="negotiation_bench.py",
        description="Simulated buyers haggle with the whole bot; deal rate and surplus.",
        epilog="Exit status: 0 done, 1 failed, 2 bad usage or unreachable service.",
    )
    parser.add_argument("--scenarios", type=positive_int, default=60,
                        help="buyers, one product each (default 60)")
    parser.add_argument("--seed", type=int, default=7, help="scenario generator seed")
    parser.add_argument("--concurrency", type=positive_int, default=8,
                        help="buyers haggling at the same time (default 8)")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON holding every figure")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    os.environ["LLM_PROVIDER"] = "offline"  # the policy and the readers, not an API

    async def run() -> int:
        from bot.devtools.negotiation_bench import (
            BenchOptions,
            format_report,
            run_negotiation_bench,
        )
        from config.logging import configure_logging
        from config.settings import load_settings

        settings = load_settings()
        configure_logging(settings.logging.model_copy(update={"level": "WARNING"}))
        options = BenchOptions(scenarios=args.scenarios, seed=args.seed,
                               concurrency=args.concurrency)
        figures = await run_negotiation_bench(
            settings, options, lambda line: print(line, file=sys.stderr, flush=True))
        print(format_report(figures), flush=True)
        if args.json:
            print(json.dumps(figures), flush=True)
        if figures["below_floor"] or figures["errors"]:
            raise OperatorError(f"{figures['below_floor']} deals below the floor, "
                                f"{figures['errors']} unanswered messages")
        return EXIT_OK

    return run_script(run)


if __name__ == "__main__":
    sys.exit(main())
