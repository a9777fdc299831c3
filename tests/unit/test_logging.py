"""Logging setup: JSON and console output, bound context, stdlib routing, secret redaction."""

from __future__ import annotations

import asyncio
import io
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import structlog
from hypothesis import given
from hypothesis import strategies as st

from config.logging import (
    REDACTED,
    bind_log_context,
    clear_log_context,
    configure_logging,
    is_secret_key,
    log_context,
    redact_text,
)
from config.settings import LoggingSettings

TELEGRAM_TOKEN_TAIL = "AAH4xZk9_abcdefghijklmnopqrstuvwxyz0"
GOOGLE_KEY = "AIzaSyD4-abcdefghijklmnopqrstuvwxyz0123"
# (text containing a secret, the part that must never be printed)
SECRET_FORMS = [
    (f"calling https://api.telegram.org/bot123456789:{TELEGRAM_TOKEN_TAIL}/getMe",
     TELEGRAM_TOKEN_TAIL),
    (f"token 7000001:{TELEGRAM_TOKEN_TAIL} rejected", TELEGRAM_TOKEN_TAIL),
    ("header Authorization: Bearer eyJhbGciOi.payload-part.sig_nature", "eyJhbGciOi"),
    (f"gemini key {GOOGLE_KEY} invalid", GOOGLE_KEY),
    ("connect postgresql://market:Sup3r-Secret!@db.internal:5432/marketbot", "Sup3r-Secret!"),
    ("connect redis://:r3dis-pass@cache:6379/0", "r3dis-pass"),
    ("GET https://maps.example.com/geocode?address=Madrid&key=k3y-v4lue-123", "k3y-v4lue-123"),
    ("POST /oauth/token?client_secret=cl13nt-s3cret&grant_type=refresh", "cl13nt-s3cret"),
]
SECRET_KEYS = [
    "token", "secret", "password", "api_key", "authorization", "access_token",
    "refresh_token", "client_secret", "bot_token", "webhook_secret", "apiKey", "X-Api-Key",
    "Authorization", "accessToken",
]
PLAIN_SECRET = "plain-value-7781"


@pytest.fixture
def configure() -> Iterator[Callable[..., io.StringIO]]:
    """Configure logging into a buffer; undo everything afterwards."""
    root = logging.getLogger()
    saved_handlers, saved_level = list(root.handlers), root.level

    def setup(fmt: str = "json", level: str = "DEBUG") -> io.StringIO:
        buffer = io.StringIO()
        configure_logging(LoggingSettings(format=fmt, level=level), stream=buffer)
        return buffer

    yield setup
    clear_log_context()
    structlog.reset_defaults()
    logging.captureWarnings(False)
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved_handlers:
        root.addHandler(handler)
    root.setLevel(saved_level)


def json_lines(buffer: io.StringIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines() if line.strip()]


def test_json_lines_carry_the_bound_context(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("json")
    bind_log_context(update_id=101, chat_id=-55, conversation_id=9, seller_id=None)
    structlog.get_logger("marketbot.test").info("offer.received", amount="300.00")
    clear_log_context()
    structlog.get_logger("marketbot.test").info("after.clear")
    first, second = json_lines(buffer)
    assert first["event"] == "offer.received"
    assert (first["update_id"], first["chat_id"], first["conversation_id"]) == (101, -55, 9)
    assert "seller_id" not in first  # None values are not bound
    assert (first["level"], first["logger"]) == ("info", "marketbot.test")
    assert first["amount"] == "300.00"
    assert first["timestamp"].endswith("Z")
    assert "update_id" not in second


def test_context_is_per_task(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("json")
    log = structlog.get_logger("marketbot.test")

    async def handle(chat_id: int) -> None:
        bind_log_context(chat_id=chat_id)
        await asyncio.sleep(0)
        log.info("handled")

    async def main() -> None:
        await asyncio.gather(handle(1), handle(2))

    asyncio.run(main())
    with log_context(update_id=5):
        log.info("inside")
    log.info("outside")
    lines = [line for line in json_lines(buffer) if line["logger"] == "marketbot.test"]
    assert sorted(line["chat_id"] for line in lines[:2]) == [1, 2]
    assert lines[2]["update_id"] == 5
    assert "update_id" not in lines[3] and "chat_id" not in lines[3]


def test_stdlib_records_get_the_same_format(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("json")
    bind_log_context(update_id=7)
    logging.getLogger("aiogram.event").info("Update id=%s is handled", 7)
    logging.getLogger("apscheduler.scheduler").warning("job %r missed", "expiry")
    aiogram, scheduler = json_lines(buffer)
    assert aiogram == aiogram | {
        "event": "Update id=7 is handled", "logger": "aiogram.event", "level": "info",
        "update_id": 7,
    }
    assert (scheduler["event"], scheduler["level"]) == ("job 'expiry' missed", "warning")


def test_level_filters_both_sources(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("json", level="WARNING")
    structlog.get_logger("marketbot.test").info("quiet")
    logging.getLogger("sqlalchemy.engine").info("SELECT 1")
    structlog.get_logger("marketbot.test").warning("loud")
    assert [line["event"] for line in json_lines(buffer)] == ["loud"]


@pytest.mark.parametrize("text,secret", SECRET_FORMS)
def test_secret_forms_are_redacted_everywhere(
    configure: Callable[..., io.StringIO], text: str, secret: str
) -> None:
    buffer = configure("json")
    log = structlog.get_logger("marketbot.test")
    log.info(text)
    log.info("kwarg", detail=text)
    log.info("nested", payload={"request": {"attempts": [{"url": text}, text]}, "n": (text,)})
    logging.getLogger("httpx").info("%s", text)
    output = buffer.getvalue()
    assert secret not in output
    assert output.count(REDACTED) >= 5
    nested = json_lines(buffer)[2]["payload"]
    assert REDACTED in nested["request"]["attempts"][0]["url"]


@pytest.mark.parametrize("key", SECRET_KEYS)
def test_values_under_secret_keys_are_masked_at_any_depth(
    configure: Callable[..., io.StringIO], key: str
) -> None:
    buffer = configure("json")
    log = structlog.get_logger("marketbot.test")
    log.info("top", **{key: PLAIN_SECRET})
    log.info("deep", config={"services": [{"name": "ml", key: PLAIN_SECRET}]})
    log.info("whole", **{key: {"nested": PLAIN_SECRET}})
    assert PLAIN_SECRET not in buffer.getvalue()
    top, deep, whole = json_lines(buffer)
    assert top[key] == REDACTED
    assert deep["config"]["services"][0] == {"name": "ml", key: REDACTED}
    assert whole[key] == REDACTED


def test_ordinary_fields_are_left_alone(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("json")
    structlog.get_logger("marketbot.test").info(
        "llm.call", prompt_tokens=120, token_count=3, key="lock:conversation:5",
        url="https://api.mercadolibre.com/items?status=active", password=None,
    )
    (line,) = json_lines(buffer)
    assert (line["prompt_tokens"], line["token_count"], line["key"]) == (
        120, 3, "lock:conversation:5"
    )
    assert line["url"] == "https://api.mercadolibre.com/items?status=active"
    assert line["password"] is None


def test_exceptions_are_formatted_and_redacted(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("json")
    try:
        raise ConnectionError(f"cannot reach redis://:r3dis-pass@cache:6379 with {GOOGLE_KEY}")
    except ConnectionError as exc:
        structlog.get_logger("marketbot.test").exception("redis.failed", error=exc)
        logging.getLogger("aiogram.dispatcher").exception("stdlib failure")
    output = buffer.getvalue()
    assert "r3dis-pass" not in output and GOOGLE_KEY not in output
    ours, stdlib = json_lines(buffer)
    assert "Traceback" in ours["exception"] and "ConnectionError" in ours["exception"]
    assert "Traceback" in stdlib["exception"]


def test_secrets_in_reprs_of_dicts_are_masked() -> None:
    text = redact_text("""bad response {'access_token': 'APP_USR-1234', "user": "ana"}""")
    assert "APP_USR-1234" not in text
    assert '"user": "ana"' in text


def test_console_format_is_readable_and_redacted(configure: Callable[..., io.StringIO]) -> None:
    buffer = configure("console")
    bind_log_context(chat_id=77)
    structlog.get_logger("marketbot.test").info("listing.created", password=PLAIN_SECRET)
    logging.getLogger("aiogram.event").info("polling with %s", f"123:{TELEGRAM_TOKEN_TAIL}")
    first, second = buffer.getvalue().splitlines()
    assert "listing.created" in first and "chat_id=77" in first and "[info" in first
    assert "polling with 123:" + REDACTED in second and "aiogram.event" in second
    assert PLAIN_SECRET not in buffer.getvalue()
    assert TELEGRAM_TOKEN_TAIL not in buffer.getvalue()
    with pytest.raises(json.JSONDecodeError):
        json.loads(first)


@pytest.mark.parametrize(
    "name,secret",
    [("bot_token", True), ("refreshToken", True), ("GOOGLE_API_KEY", True),
     ("db-password", True), ("prompt_tokens", False), ("token_count", False),
     ("key", False), ("keyboard", False), ("monkey", False)],
)
def test_secret_key_names(name: str, secret: bool) -> None:
    assert is_secret_key(name) is secret


@given(
    bot_id=st.integers(min_value=1, max_value=10**12),
    tail=st.text(alphabet="ABCDEFabcdef0123456789_-", min_size=30, max_size=46),
    before=st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=20),
)
def test_any_bot_token_in_any_text_is_masked(bot_id: int, tail: str, before: str) -> None:
    masked = redact_text(f"{before} {bot_id}:{tail} tail")
    assert tail not in masked
    assert redact_text(masked) == masked  # stable when applied twice
