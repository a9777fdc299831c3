"""Every operator script: --help exits 0; bad usage or an unreachable service exits 2, one line."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

RunScript = Callable[..., Awaitable[Any]]  # conftest.py fixture


async def test_help_exits_zero_for_every_script_and_command(run_script: RunScript):
    commands = ["setup", "stats", "test", "cleanup", "export", "drop", "erd"]
    runs = await asyncio.gather(
        run_script("init_database.py", "--help", database_url=None),
        run_script("db_manager.py", "--help", database_url=None),
        *(run_script("db_manager.py", command, "--help", database_url=None)
          for command in commands),
    )
    for run in runs:
        assert run.returncode == 0 and "usage:" in run.stdout and not run.stderr, run
    assert "--sample-data" in runs[0].stdout
    assert all(command in runs[1].stdout for command in commands)


async def test_bad_usage_exits_2_with_one_line(run_script: RunScript):
    cases = [
        ("db_manager.py", [], "required: COMMAND"),
        ("db_manager.py", ["bogus"], "invalid choice"),
        ("db_manager.py", ["cleanup", "--days", "zero"], "not a whole number"),
        ("db_manager.py", ["export"], "-o/--output"),
        ("init_database.py", ["--samples"], "unrecognized arguments"),
    ]
    runs = await asyncio.gather(*(
        run_script(script, *args, database_url="postgresql://postgres@127.0.0.1:1/x")
        for script, args, _ in cases
    ))
    for run, (_, _, says) in zip(runs, cases, strict=True):
        assert run.returncode == 2, run
        assert run.stderr.count("\n") == 1 and run.stderr.startswith("usage error:"), run
        assert says in run.stderr, run


async def test_unreachable_database_or_bad_config_exits_2_with_one_line(run_script: RunScript):
    refused = "postgresql://postgres:s3cret@127.0.0.1:1/x"
    runs = await asyncio.gather(
        run_script("db_manager.py", "stats", database_url=refused),
        run_script("init_database.py", "--sample-data", database_url=refused),
        run_script("db_manager.py", "setup", database_url="mysql://root@db/x"),
    )
    for run in runs:
        assert run.returncode == 2, run
        assert run.stderr.count("\n") == 1 and "Traceback" not in run.stderr, run
        assert "s3cret" not in run.stderr + run.stdout
    expected = "error: cannot reach PostgreSQL at 127.0.0.1:1 (connection refused)\n"
    assert runs[0].stderr == runs[1].stderr == expected
    assert runs[2].stderr.startswith("config error: DATABASE_URL")
