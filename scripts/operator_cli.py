"""What every operator script shares: exit statuses, one-line failures, argument parsing.

A script builds its parser with `OperatorArgumentParser` and hands its async main to
`run_script`, which turns any failure into ONE line on stderr and an exit status:
0 done, 1 failed, 2 bad usage, bad configuration or a service that cannot be reached.
No traceback reaches the operator; with `MARKETBOT_DEBUG=1` it does, for the developer.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import sys
import traceback
from collections.abc import Callable, Coroutine
from typing import Any, NoReturn

from config.settings import SettingsError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_UNAVAILABLE = 2  # bad usage, bad configuration, unreachable service: fix the input, retry


class OperatorError(Exception):
    """A failure with a sentence for the operator and the exit status it means."""

    def __init__(self, message: str, exit_code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.exit_code = exit_code


class UsageError(OperatorError):
    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_UNAVAILABLE)


class ServiceUnavailable(OperatorError):
    """PostgreSQL or Redis cannot be reached (or the embedded server cannot start)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, EXIT_UNAVAILABLE)


class OperatorArgumentParser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one line (and exit status 2) instead of a usage dump."""

    def error(self, message: str) -> NoReturn:
        sys.stderr.write(f"usage error: {message} (see {self.prog} --help)\n")
        sys.exit(EXIT_UNAVAILABLE)


def positive_int(text: str) -> int:
    """An argparse `type`: a whole number of at least 1, else a one-line usage error."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not a positive number")
    return value


_CREDENTIALS = re.compile(r"(\w+://[^:/@\s]*):[^@\s]*@")


def one_line(text: str, limit: int = 300) -> str:
    """The first line of `text`, any password in a URL masked, cut to `limit` characters."""
    first = next((line.strip() for line in text.splitlines() if line.strip()), "")
    first = _CREDENTIALS.sub(r"\1:***@", first)
    return first if len(first) <= limit else first[: limit - 1] + "…"


def fail(message: str) -> None:
    sys.stderr.write(f"error: {one_line(message)}\n")


def run_script(main: Callable[[], Coroutine[Any, Any, int]]) -> int:
    """Run an async main and map whatever it raises to one line and an exit status."""
    debug = os.environ.get("MARKETBOT_DEBUG") == "1"
    try:
        return asyncio.run(main())
    except OperatorError as exc:
        fail(str(exc))
        return exc.exit_code
    except SettingsError as exc:
        sys.stderr.write(one_line(str(exc)) + "\n")  # already reads "config error: …"
        return EXIT_UNAVAILABLE
    except KeyboardInterrupt:
        fail("interrupted")
        return EXIT_FAILED
    except Exception as exc:
        if debug:
            traceback.print_exc()
        detail = one_line(str(exc))
        fail(f"{type(exc).__name__}: {detail}" if detail else type(exc).__name__)
        return EXIT_FAILED
