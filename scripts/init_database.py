"""Create or upgrade the database schema; optionally load the sample data set.

    python scripts/init_database.py                 # migrate to the head revision
    python scripts/init_database.py --sample-data   # … and insert sellers, products, chats

The sample data is inserted once: a second run sees the sample sellers and skips it.
Exit status: 0 done, 1 failed, 2 bad usage or a service that cannot be reached.
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

from rich.console import Console  # noqa: E402

from config.settings import load_settings  # noqa: E402
from scripts.operator_cli import EXIT_OK, OperatorArgumentParser, run_script  # noqa: E402
from storage.sample_images import DEFAULT_MEDIA_ROOT  # noqa: E402


def build_parser() -> OperatorArgumentParser:
    parser = OperatorArgumentParser(
        prog="init_database.py",
        description="Migrate the marketbot database to the head revision.",
        epilog="Exit status: 0 done, 1 failed, 2 bad usage or unreachable service.",
    )
    parser.add_argument(
        "--sample-data", action="store_true",
        help="also insert the sample sellers, buyers, products and conversations (once)",
    )
    parser.add_argument(
        "--media-dir", type=Path, default=DEFAULT_MEDIA_ROOT, metavar="DIR",
        help="where the sample product photos are written (default: .data/media)",
    )
    return parser


async def run(args: argparse.Namespace) -> int:
    from scripts.db_commands.schema import describe_migration, migrate
    from scripts.service_access import open_services
    from storage.database import create_session_factory
    from storage.sample_loader import describe, load_sample_data

    console = Console(highlight=False, markup=False, soft_wrap=True)
    async with open_services(load_settings()) as services:
        console.print(describe_migration(await migrate(services.engine)))
        if args.sample_data:
            report = await load_sample_data(
                create_session_factory(services.engine), media_root=args.media_dir
            )
            console.print(describe(report))
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return run_script(lambda: run(args))


if __name__ == "__main__":
    sys.exit(main())
