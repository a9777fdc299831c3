"""Replay conversation transcripts through the real bot and check what they expect.

    python scripts/replay_conversation.py PATH [PATH ...]   # files or folders of *.yaml
    python scripts/replay_conversation.py --json PATH       # one JSON report on stdout

Each file runs in a fresh database (a copy of a migrated template), with its own Redis keys,
through the aiogram Dispatcher and Bot against an in-process local Bot API server.
Exit status: 0 everything held, 1 an expectation or invariant failed, 2 a file is not a valid
transcript (or bad usage, or a service that cannot be reached).
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

from config.settings import load_settings  # noqa: E402
from scripts.operator_cli import OperatorArgumentParser, UsageError, run_script  # noqa: E402


def build_parser() -> OperatorArgumentParser:
    parser = OperatorArgumentParser(
        prog="replay_conversation.py",
        description="Replay conversation transcripts (YAML) and check their expectations.",
        epilog="Exit status: 0 passed, 1 an expectation or invariant failed, 2 invalid "
               "transcript, bad usage or unreachable service.",
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH",
                        help="transcript files, or folders of *.yaml transcripts")
    parser.add_argument("--json", action="store_true", help="print one JSON report on stdout")
    parser.add_argument("--show", action="store_true",
                        help="also print each conversation as it went (with --json: a log "
                             "per file)")
    parser.add_argument("--log-level", default="ERROR",
                        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
                        help="the bot's log level on stderr (default: %(default)s)")
    return parser


async def run(args: argparse.Namespace) -> int:
    from bot.devtools.replay.environment import ReplayEnvironment
    from bot.devtools.replay.runner import collect_files, replay_paths
    from config.logging import configure_logging

    if not collect_files(args.paths):
        raise UsageError("no *.yaml transcripts in the given folders")
    settings = load_settings()
    configure_logging(settings.logging.model_copy(update={"level": args.log_level}))
    report = await replay_paths(args.paths, lambda: ReplayEnvironment.running(settings))
    if args.show and not args.json:
        for file in report.files:
            print("\n".join([f"== {file.path}", *file.log]), flush=True)
    print(report.to_json(with_log=args.show) if args.json else report.to_text(), flush=True)
    return report.exit_status


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_script(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
