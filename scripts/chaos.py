"""Fault suite: `python scripts/chaos.py [--scenario NAME ...] [--short] [--logs DIR] [--json]`.

Starts throwaway PostgreSQL and Redis, the local Bot API server and the bot as real processes
(`python -m bot`), then breaks things while people chat (see `bot.devtools.chaos`): redelivered
updates, a kill -9 of the bot, Redis down, PostgreSQL restarted, Gemini unreachable or hanging,
people over the rate limit, malformed webhook bodies. Each scenario prints sent, answered_once,
duplicated, lost and unhandled; with --json the last line is one JSON object with `scenarios`
(by name) and `lost_total`, `duplicates_total`, `unhandled_total`.

Exit status: 0 every total is 0, 1 something was lost, duplicated or unhandled, 2 bad usage
or the throwaway servers cannot start.
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

from scripts.operator_cli import (  # noqa: E402
    EXIT_FAILED,
    EXIT_OK,
    OperatorArgumentParser,
    run_script,
)

NAMES = ("redelivery", "worker-kill", "redis-outage", "postgres-restart", "model-outage",
         "throttle", "fuzz")


def build_parser() -> OperatorArgumentParser:
    parser = OperatorArgumentParser(
        prog="chaos.py", description="Break the bot's surroundings and count every message.",
        epilog="Exit status: 0 all totals 0, 1 lost/duplicated/unhandled, 2 bad usage or the "
               "servers cannot start.")
    parser.add_argument("--scenario", action="append", choices=NAMES, metavar="NAME",
                        help=f"run only this scenario (repeatable): {', '.join(NAMES)}")
    parser.add_argument("--short", action="store_true",
                        help="the small counts the test suite runs")
    parser.add_argument("--logs", type=Path, default=None, metavar="DIR",
                        help="keep the bot processes' logs in DIR (default: thrown away)")
    parser.add_argument("--json", action="store_true",
                        help="end with one line of JSON holding every figure")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    names = [name for name in NAMES if name in (args.scenario or NAMES)]

    async def run() -> int:
        from bot.devtools.chaos import harness, run_scenario, summary, summary_line
        from bot.devtools.chaos.scenarios import SCENARIOS

        assert set(SCENARIOS) == set(NAMES), "scripts/chaos.py and bot.devtools.chaos disagree"
        outcomes = []
        async with harness(args.logs) as world:
            for name in names:
                print(f"running {name} ...", file=sys.stderr, flush=True)
                outcome = await run_scenario(world, name, short=args.short)
                outcomes.append(outcome)
                print(outcome.line(), flush=True)
                for example in outcome.examples:
                    print(f"    {example}", flush=True)
        totals = summary(outcomes)
        print(f"totals: lost {totals['lost_total']}  duplicates {totals['duplicates_total']}  "
              f"unhandled {totals['unhandled_total']}", flush=True)
        if args.json:
            print(summary_line(outcomes), flush=True)
        clean = all(outcome.clean for outcome in outcomes)
        return EXIT_OK if clean else EXIT_FAILED

    return run_script(run)


if __name__ == "__main__":
    sys.exit(main())
