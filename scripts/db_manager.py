"""Database operations: `python scripts/db_manager.py COMMAND` (see --help).

setup    migrate to the head revision
stats    rows per table and the figures that matter
test     PostgreSQL and Redis answer, the schema is at head
cleanup  delete stale bot sessions, archive idle conversations
export   every table to one JSON file
export-conversation ID -o FILE   one conversation as a transcript that replays (YAML)
drop     drop every table (needs --force)
erd      the schema as a Graphviz dot file
jobs     the scheduled jobs: last run (from Redis) and next run
rotate-key  re-encrypt stored credentials under the newest CREDENTIALS_ENCRYPTION_KEYS key

Exit status: 0 done, 1 failed, 2 bad usage or a service that cannot be reached.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, Python puts scripts/ first on the path; the project root must come first
# instead (scripts/ module names must not shadow anything).
_ROOT = str(Path(__file__).resolve().parent.parent)
if sys.path and Path(sys.path[0] or ".").resolve() == Path(__file__).resolve().parent:
    sys.path[0] = _ROOT
elif _ROOT not in sys.path:
    sys.path.insert(0, _ROOT)

import argparse  # noqa: E402
import uuid  # noqa: E402

from rich.console import Console  # noqa: E402

from config.settings import load_settings  # noqa: E402
from scripts.operator_cli import (  # noqa: E402
    EXIT_OK,
    OperatorArgumentParser,
    OperatorError,
    UsageError,
    positive_int,
    run_script,
)
from storage.maintenance import DEFAULT_BATCH_SIZE  # noqa: E402


def build_parser() -> OperatorArgumentParser:
    parser = OperatorArgumentParser(
        prog="db_manager.py", description="Operate the marketbot database.",
        epilog="Exit status: 0 done, 1 failed, 2 bad usage or unreachable service.",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("setup", help="migrate the database to the head revision")
    commands.add_parser("stats", help="rows per table, products/offers by status, activity")
    commands.add_parser("test", help="check PostgreSQL, Redis and the migration head")
    cleanup = commands.add_parser(
        "cleanup", help="delete stale bot sessions and archive idle conversations"
    )
    cleanup.add_argument("--days", type=positive_int, metavar="N",
                         help="delete bot sessions idle over N days (default: settings, 7)")
    cleanup.add_argument("--archive-days", type=positive_int, metavar="N",
                         help="archive conversations idle over N days (default: settings, 30)")
    cleanup.add_argument("--batch-size", type=positive_int, default=DEFAULT_BATCH_SIZE,
                         metavar="ROWS", help="rows per transaction (default: %(default)s)")
    export = commands.add_parser("export", help="stream every table to one JSON file")
    export.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    export.add_argument("--batch-size", type=positive_int, default=1000, metavar="ROWS",
                        help="rows fetched per round trip (default: %(default)s)")
    drop = commands.add_parser("drop", help="drop every table and all data (needs --force)")
    drop.add_argument("--force", action="store_true", help="yes, really drop everything")
    erd = commands.add_parser("erd", help="write the schema as a Graphviz dot file")
    erd.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    conversation = commands.add_parser(
        "export-conversation", help="write one conversation as a replayable transcript (YAML)")
    conversation.add_argument("conversation_id", type=uuid.UUID, metavar="ID")
    conversation.add_argument("-o", "--output", type=Path, required=True, metavar="FILE")
    commands.add_parser("jobs", help="the scheduled jobs: last run and next run")
    commands.add_parser("rotate-key",
                        help="re-encrypt stored credentials under the newest encryption key")
    return parser


async def run(args: argparse.Namespace) -> int:
    from scripts.db_commands import cleanup, credentials, export, jobs, schema, stats_report
    from scripts.service_access import open_services

    console = Console(highlight=False, markup=False, soft_wrap=True)
    if args.command == "erd":
        console.print(schema.write_erd(args.output))
        return EXIT_OK
    if args.command == "drop" and not args.force:
        raise UsageError("drop deletes every table and all its data; pass --force to confirm")
    settings = load_settings()
    async with open_services(settings, redis=args.command in ("test", "jobs")) as services:
        if args.command == "setup":
            console.print(schema.describe_migration(await schema.migrate(services.engine)))
        elif args.command == "stats":
            await stats_report.print_stats(services, console)
        elif args.command == "test":
            return await schema.check_services(services, console)
        elif args.command == "cleanup":
            await cleanup.cleanup(
                services, console,
                days=args.days or settings.scheduler.session_cleanup_days,
                archive_days=args.archive_days or settings.scheduler.archive_after_days,
                batch_size=args.batch_size,
            )
        elif args.command == "export":
            await export.export(services, console, path=args.output, batch_size=args.batch_size)
        elif args.command == "drop":
            console.print(await schema.drop_everything(services.engine, force=args.force))
        elif args.command == "export-conversation":
            from bot.devtools.replay.export import ExportError, export_to_file

            try:
                console.print(await export_to_file(services.engine, args.conversation_id,
                                                   args.output))
            except ExportError as exc:
                raise OperatorError(str(exc)) from None
        elif args.command == "jobs":
            await jobs.print_jobs(services, console, settings)
        elif args.command == "rotate-key":
            await credentials.rotate_key(services, console, settings)
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_script(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
