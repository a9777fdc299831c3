"""Logging for the whole process: structlog in front, stdlib logging routed through it.

`configure_logging` sets JSON lines (`format: json`, production) or a readable console
(`format: console`, development). Library loggers (aiogram, sqlalchemy, apscheduler) go through
the same `ProcessorFormatter`, so every line has one shape. Context bound with
`bind_log_context(update_id=..., chat_id=..., conversation_id=...)` appears on every line of the
current task, and `redact_secrets` masks credentials on every line, whatever logged them.
"""

from __future__ import annotations

import itertools
import logging
import re
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TextIO

import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from config.settings import LoggingSettings

__all__ = [
    "bind_log_context",
    "clear_log_context",
    "configure_logging",
    "log_context",
    "redact_secrets",
    "redact_text",
]

REDACTED = "[REDACTED]"
_HANDLER_NAME = "marketbot"

# --- Redaction -----------------------------------------------------------------------------
# Keys are split into words (snake, kebab, dotted or camelCase) and judged by those words, so
# `bot_token` and `accessToken` are masked while `prompt_tokens` and `token_count` (usage
# figures worth logging) are not.
_ALWAYS_SECRET_WORDS = frozenset(
    {"secret", "password", "passwd", "pwd", "authorization", "apikey", "cookie", "credentials"}
)
_KEY_WORDS = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")

_TEXT_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    # Telegram bot token (also inside .../bot<token>/getMe): keep the public bot id.
    (re.compile(r"(?<![0-9])([0-9]+):[A-Za-z0-9_-]{30,}"), r"\1:" + REDACTED),
    (re.compile(r"\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]+", re.IGNORECASE), r"\1 " + REDACTED),
    (re.compile(r"AIza[0-9A-Za-z_-]{35}"), REDACTED),
    # scheme://user:PASSWORD@host (user may be empty, as in redis://:pw@host).
    (re.compile(r"([A-Za-z][A-Za-z0-9+.-]*://[^\s:/@]*:)[^\s/@]+@"), r"\1" + REDACTED + "@"),
)
# name=value pairs (query strings, "password=..." in messages) and 'name': 'value' in reprs.
_ASSIGNMENT = re.compile(r"(?<![A-Za-z0-9_.-])([A-Za-z0-9_.-]+)=([^&\s#\"',;]+)")
_QUOTED_PAIR = re.compile(r"""(['"])([A-Za-z0-9_.-]+)\1(\s*:\s*)(['"])(.*?)\4""")
_MAX_DEPTH = 12


def is_secret_key(name: str) -> bool:
    """True for keys that hold credentials: token, secret, password, api_key, authorization…"""
    words = [word.lower() for word in _KEY_WORDS.findall(name)]
    if not words:
        return False
    if _ALWAYS_SECRET_WORDS.intersection(words) or words[-1] == "token":
        return True
    return any(a == "api" and b == "key" for a, b in itertools.pairwise(words))


def _mask_assignment(match: re.Match[str]) -> str:
    name = match.group(1)
    if name.lower() in {"key", "sig", "signature"} or is_secret_key(name):
        return f"{name}={REDACTED}"
    return match.group(0)


def _mask_quoted_pair(match: re.Match[str]) -> str:
    quote, name, colon, value_quote, _value = match.groups()
    if is_secret_key(name):
        return f"{quote}{name}{quote}{colon}{value_quote}{REDACTED}{value_quote}"
    return match.group(0)


def redact_text(text: str) -> str:
    """`text` with every secret-looking value masked."""
    for pattern, replacement in _TEXT_PATTERNS:
        text = pattern.sub(replacement, text)
    text = _ASSIGNMENT.sub(_mask_assignment, text)
    return _QUOTED_PAIR.sub(_mask_quoted_pair, text)


def redact_value(value: Any, key: object = None, _depth: int = 0) -> Any:
    """`value` with secrets masked: whole values under secret keys, patterns in strings."""
    if isinstance(key, str) and is_secret_key(key) and value not in (None, ""):
        return REDACTED
    if _depth > _MAX_DEPTH:
        return value
    if isinstance(value, str):
        return redact_text(value)
    if isinstance(value, bool | int | float) or value is None:
        return value
    if isinstance(value, Mapping):
        return {k: redact_value(v, k, _depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [redact_value(item, None, _depth + 1) for item in value]
    # Other objects (exceptions, URLs, models) are rendered with str() later: judge that text.
    text = str(value)
    masked = redact_text(text)
    return value if masked == text else masked


def redact_secrets(_logger: WrappedLogger, _method: str, event_dict: EventDict) -> EventDict:
    """structlog processor: mask secrets in the event text and in every value, at any depth."""
    return {key: redact_value(value, key) for key, value in event_dict.items()}


def _shared_processors() -> list[Processor]:
    """What every line gets, from structlog or from stdlib logging."""
    return [
        structlog.contextvars.merge_contextvars,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.add_log_level,
        structlog.stdlib.PositionalArgumentsFormatter(),
        structlog.processors.TimeStamper(fmt="iso", utc=True),
        structlog.processors.StackInfoRenderer(),
        # Tracebacks become text here so the redaction below also covers them.
        structlog.processors.format_exc_info,
        structlog.processors.UnicodeDecoder(),
    ]


def _renderer(settings: LoggingSettings, stream: TextIO) -> Processor:
    if settings.format == "json":
        return structlog.processors.JSONRenderer(default=str, ensure_ascii=False)
    isatty = getattr(stream, "isatty", None)
    # Plain tracebacks: rich's default shows every frame's locals, which can hold a token or
    # a person's message, and rendering a whole Update's locals took seconds under load.
    return structlog.dev.ConsoleRenderer(colors=bool(isatty and isatty()),
                                         exception_formatter=structlog.dev.plain_traceback)


def configure_logging(settings: LoggingSettings, *, stream: TextIO | None = None) -> None:
    """Configure structlog and put our handler on the root logger (replacing an earlier one).

    Logs go to `stream` (stderr by default: stdout stays free for scripts' own output).
    Calling it again reconfigures everything, which tests rely on.
    """
    level = logging.getLevelName(settings.level)
    stream = stream if stream is not None else sys.stderr
    shared = _shared_processors()
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *shared,
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        # Not cached: module-level loggers must follow a later reconfiguration.
        cache_logger_on_first_use=False,
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=shared,
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            redact_secrets,
            _renderer(settings, stream),
        ],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.set_name(_HANDLER_NAME)
    root = logging.getLogger()
    # Replace only our own earlier handler: others (pytest's capture) keep working.
    for old in [h for h in root.handlers if h.get_name() == _HANDLER_NAME]:
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    logging.captureWarnings(True)


def bind_log_context(
    *,
    update_id: int | None = None,
    chat_id: int | str | None = None,
    conversation_id: int | str | None = None,
    **extra: Any,
) -> None:
    """Add fields to every following line of the current task (None values are skipped)."""
    values = {"update_id": update_id, "chat_id": chat_id, "conversation_id": conversation_id}
    values.update(extra)
    structlog.contextvars.bind_contextvars(
        **{key: value for key, value in values.items() if value is not None}
    )


def clear_log_context() -> None:
    """Drop everything bound with `bind_log_context` in the current task."""
    structlog.contextvars.clear_contextvars()


@contextmanager
def log_context(**values: Any) -> Iterator[None]:
    """Bind `values` for the block only, restoring the previous context afterwards."""
    with structlog.contextvars.bound_contextvars(
        **{key: value for key, value in values.items() if value is not None}
    ):
        yield
