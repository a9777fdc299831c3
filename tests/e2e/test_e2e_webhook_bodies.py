"""What reaches the webhook that is not a plain private message: malformed bodies (bad JSON,
not an object, wrong types, numbers no Telegram field can hold) get 400 and store nothing;
well-formed updates of other kinds (a message without `from`, edits, channel posts, member
changes, an update of a kind nobody knows) get 200 with no error logged or counted."""

from __future__ import annotations

import json
from typing import Any

import pytest
from structlog.testing import capture_logs

from tests.e2e.conftest import BUYER, published_product
from tests.e2e.test_e2e_webhook import (  # noqa: F401 - fixtures
    HOOK_PATH,
    SECRET,
    base_url,
    http,
    stored_messages,
    webhook_settings,
)

HEADERS = {"X-Telegram-Bot-Api-Secret-Token": SECRET, "Content-Type": "application/json"}
CHAT = {"id": BUYER["id"], "type": "private", "first_name": "Luis"}
CHANNEL = {"id": -1001234567890, "type": "channel", "title": "Ofertas"}
USER = {"id": BUYER["id"], "is_bot": False, "first_name": "Luis"}


def message(**changes: Any) -> dict[str, Any]:
    return {"message_id": 7, "date": 1_700_000_000, "chat": CHAT, "from": USER, "text": "hola",
            **changes}


MALFORMED: dict[str, bytes] = {
    "not JSON": b"hola",
    "empty": b"",
    "truncated": b'{"update_id": 1, "message": {',
    "not UTF-8": b'{"update_id": 1, "x": "\xff\xfe"}',
    "an array": b"[1, 2]",
    "a number": b"42",
    "null": b"null",
    "no update_id": json.dumps({"message": message()}).encode(),
    "update_id a string": b'{"update_id": "uno"}',
    "update_id 1e308": b'{"update_id": 1e308}',
    "update_id beyond 64 bits": b'{"update_id": 99999999999999999999999}',
    "NaN": b'{"update_id": NaN}',
    "Infinity": b'{"update_id": 1, "message": {"message_id": Infinity}}',
    "chat id 1e308": json.dumps({"update_id": 2, "message": message(
        chat={**CHAT, "id": 1e308})}).encode(),
    "message a string": b'{"update_id": 3, "message": "hola"}',
    "message without chat": json.dumps({"update_id": 4, "message": {
        "message_id": 1, "date": 1, "text": "x"}}).encode(),
    "text a number": json.dumps({"update_id": 5, "message": message(text=12)}).encode(),
    "from without id": json.dumps({"update_id": 6, "message": message(
        **{"from": {"first_name": "x", "is_bot": False}})}).encode(),
    "deep nesting": b'{"update_id": 7, "message": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
}

ODD: dict[str, dict[str, Any]] = {
    "message without from": {"message": {k: v for k, v in message().items() if k != "from"}},
    "edited message": {"edited_message": message(edit_date=1_700_000_100)},
    "channel post": {"channel_post": message(chat=CHANNEL, sender_chat=CHANNEL,
                                             **{"from": None})},
    "edited channel post": {"edited_channel_post": message(chat=CHANNEL, sender_chat=CHANNEL,
                                                           edit_date=1_700_000_100)},
    "member change": {"my_chat_member": {
        "chat": CHAT, "from": USER, "date": 1_700_000_000,
        "old_chat_member": {"status": "member", "user": {**USER, "id": 1}},
        "new_chat_member": {"status": "kicked", "user": {**USER, "id": 1},
                            "until_date": 0}}},
    "a kind nobody knows": {"future_update_kind": {"x": 1}},
    "nothing but the id": {},
    "location": {"message": message(text=None, location={"latitude": 40.4168,
                                                         "longitude": -3.7038})},
}


def clean(update: dict[str, Any]) -> dict[str, Any]:
    """Drop the None placeholders (a field Telegram would leave out)."""
    return {k: clean(v) if isinstance(v, dict) else v for k, v in update.items()
            if v is not None}


@pytest.fixture
async def hooked(local_server, webhook_settings, make_runtime, start_bot):  # noqa: F811
    runtime = await make_runtime(webhook_settings)
    await published_product(runtime)
    running = await start_bot(runtime)
    return running, f"{base_url(webhook_settings)}{HOOK_PATH}"


async def test_malformed_bodies_get_400_and_store_nothing(hooked, http) -> None:  # noqa: F811
    running, hook = hooked
    statuses = {}
    with capture_logs() as logs:
        for name, body in MALFORMED.items():
            async with http.post(hook, data=body, headers=HEADERS) as response:
                statuses[name] = (response.status, (await response.text())[:200])
    assert {name: s for name, (s, _) in statuses.items() if s != 400} == {}, statuses
    assert all("Traceback" not in text for _, text in statuses.values())
    assert [e for e in logs if e.get("log_level") in ("error", "critical")] == []
    assert await stored_messages(running.runtime) == 0
    assert running.metrics.value("errors_total", kind="update") == 0


async def test_the_secret_is_checked_before_the_body(hooked, http) -> None:  # noqa: F811
    _, hook = hooked
    async with http.post(hook, data=b"not json", headers={
            **HEADERS, "X-Telegram-Bot-Api-Secret-Token": "wrong"}) as response:
        assert response.status == 401


async def test_updates_of_other_kinds_are_answered_200_without_an_error(
        hooked, http) -> None:  # noqa: F811
    running, hook = hooked
    statuses = {}
    with capture_logs() as logs:
        for update_id, (name, body) in enumerate(ODD.items(), start=900):
            async with http.post(hook, json=clean({"update_id": update_id, **body}),
                                 headers=HEADERS) as response:
                statuses[name] = (response.status, (await response.text())[:300])
    assert {name: s for name, s in statuses.items() if s[0] != 200} == {}
    assert [(e["event"], e.get("error"), e.get("update_id")) for e in logs
            if e.get("log_level") in ("error", "critical")] == []
    assert running.metrics.value("errors_total", kind="update") == 0
