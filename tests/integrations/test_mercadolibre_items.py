"""Item upkeep, questions and answers, token refresh on 401, through MercadoLibreClient."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from integrations.marketplace import MarketplaceError
from integrations.mercadolibre import MAX_ANSWER_LENGTH, MercadoLibreClient

API = "https://api.mercadolibre.com"
ITEM_URL = f"{API}/items/MLA1136716168"
QUESTIONS_SEARCH = re.compile(r"^https://api\.mercadolibre\.com/questions/search\?.*$")


def question(number: int, text: str, status: str = "UNANSWERED") -> dict[str, Any]:
    return {
        "date_created": f"2024-03-05T10:1{number}:33.000-04:00",
        "item_id": "MLA1136716168",
        "seller_id": 1108966308,
        "status": status,
        "text": text,
        "tags": [],
        "id": 12798372120 + number,
        "deleted_from_listing": False,
        "hold": False,
        "answer": None,
        "from": {"id": 1200445566 + number},
    }


def questions_page(total: int, entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "total": total,
        "limit": 2,
        "questions": entries,
        "filters": {"limit": 2, "offset": 0, "api_version": "4", "is_admin": False},
        "available_filters": [{"id": "status", "name": "Status", "type": "text"}],
        "available_sorts": ["item_id", "from_id", "date_created", "seller_id"],
    }


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


async def no_sleep(delay: float) -> None:
    return None


@pytest.fixture
def ml(session: aiohttp.ClientSession) -> MercadoLibreClient:
    async def token() -> str:
        return "APP_USR-token"

    return MercadoLibreClient(session, token_provider=token, sleep=no_sleep)


def sent(mocked: aioresponses, method: str, url: str) -> list[Any]:
    return mocked.requests.get((method, URL(url)), [])


async def test_price_and_status_changes_are_puts_on_the_item(ml: MercadoLibreClient) -> None:
    with aioresponses() as mocked:
        mocked.put(ITEM_URL, payload={"id": "MLA1136716168", "price": 325000.5}, repeat=True)
        await ml.update_price("MLA1136716168", Decimal("325000.50"))
        await ml.update_status("MLA1136716168", "paused")
        await ml.close("MLA1136716168")
        bodies = [call.kwargs["json"] for call in sent(mocked, "PUT", ITEM_URL)]

    assert bodies == [{"price": 325000.5}, {"status": "paused"}, {"status": "closed"}]


async def test_unknown_status_is_refused_before_sending(ml: MercadoLibreClient) -> None:
    with aioresponses() as mocked:
        with pytest.raises(MarketplaceError) as raised:
            await ml.update_status("MLA1136716168", "deleted")  # type: ignore[arg-type]
        assert mocked.requests == {}
    assert raised.value.code == "item.status.invalid"


async def test_sync_status_reads_the_item(ml: MercadoLibreClient) -> None:
    with aioresponses() as mocked:
        mocked.get(
            ITEM_URL,
            payload={"id": "MLA1136716168", "status": "under_review", "sub_status": ["waiting"]},
        )
        assert await ml.sync_status("MLA1136716168") == "under_review"


async def test_missing_item_is_not_retried(ml: MercadoLibreClient) -> None:
    not_found = {
        "message": "Item with id MLA1 not found",
        "error": "not_found",
        "status": 404,
        "cause": [],
    }
    with aioresponses() as mocked:
        mocked.get(f"{API}/items/MLA1", status=404, payload=not_found)
        mocked.get(f"{API}/items/MLA1", payload={"status": "active"})
        with pytest.raises(MarketplaceError) as raised:
            await ml.sync_status("MLA1")
    assert (raised.value.status, raised.value.retryable) == (404, False)
    assert raised.value.reason == "MercadoLibre could not find that listing or question."


async def test_fetch_questions_reads_every_page(ml: MercadoLibreClient) -> None:
    with aioresponses() as mocked:
        mocked.get(
            QUESTIONS_SEARCH,
            payload=questions_page(
                3, [question(1, "¿Hacés envíos a Córdoba?"), question(2, "¿Tiene factura?")]
            ),
        )
        mocked.get(QUESTIONS_SEARCH, payload=questions_page(3, [question(3, "¿Última oferta?")]))
        questions = await ml.fetch_questions("MLA1136716168")
        queries = [key[1].query for key in mocked.requests if key[1].path == "/questions/search"]

    assert [q.text for q in questions] == [
        "¿Hacés envíos a Córdoba?",
        "¿Tiene factura?",
        "¿Última oferta?",
    ]
    first = questions[0]
    assert (first.id, first.item_id, first.from_user_id, first.status) == (
        "12798372121",
        "MLA1136716168",
        "1200445567",
        "UNANSWERED",
    )
    assert first.date_created == datetime(
        2024, 3, 5, 10, 11, 33, tzinfo=timezone(timedelta(hours=-4))
    )
    assert first.date_created.astimezone(UTC).hour == 14
    assert [(q["item"], q["api_version"], q["offset"]) for q in queries] == [
        ("MLA1136716168", "4", "0"),
        ("MLA1136716168", "4", "2"),
    ]


async def test_answer_is_posted(ml: MercadoLibreClient) -> None:
    answered = {
        **question(1, "¿Hacés envíos a Córdoba?", status="ANSWERED"),
        "answer": {
            "text": "Sí, enviamos a todo el país.",
            "status": "ACTIVE",
            "date_created": "2024-03-05T10:20:00.000-04:00",
        },
    }
    with aioresponses() as mocked:
        mocked.post(f"{API}/answers", payload=answered)
        await ml.answer_question("12798372121", "  Sí, enviamos a todo el país.  ")
        body = sent(mocked, "POST", f"{API}/answers")[0].kwargs["json"]

    assert body == {"question_id": 12798372121, "text": "Sí, enviamos a todo el país."}


async def test_answer_longer_than_2000_characters_is_refused_before_sending(
    ml: MercadoLibreClient,
) -> None:
    with aioresponses() as mocked:
        at_limit = "x" * MAX_ANSWER_LENGTH
        mocked.post(f"{API}/answers", payload={"id": 1})
        await ml.answer_question("1", at_limit)  # exactly the limit is fine
        with pytest.raises(MarketplaceError) as raised:
            await ml.answer_question("1", "x" * (MAX_ANSWER_LENGTH + 1))
        assert len(sent(mocked, "POST", f"{API}/answers")) == 1

    assert raised.value.code == "answer.too_long"
    assert "2001" in raised.value.reason and "2000" in raised.value.reason


async def test_401_forces_one_token_refresh_then_succeeds(
    session: aiohttp.ClientSession,
) -> None:
    calls: list[bool] = []

    async def token(force: bool = False) -> str:
        calls.append(force)
        return "APP_USR-new" if force else "APP_USR-revoked"

    ml = MercadoLibreClient(session, token_provider=token, sleep=no_sleep)
    expired = {"message": "invalid access token", "error": "not_found", "status": 401, "cause": []}
    with aioresponses() as mocked:
        mocked.get(f"{API}/users/me", status=401, payload=expired)
        mocked.get(f"{API}/users/me", payload={"id": 1108966308, "nickname": "TESTUSER"})
        me = await ml.get_me()
        headers = [
            c.kwargs["headers"]["Authorization"] for c in sent(mocked, "GET", f"{API}/users/me")
        ]

    assert me["nickname"] == "TESTUSER"
    assert calls == [False, True]
    assert headers == ["Bearer APP_USR-revoked", "Bearer APP_USR-new"]


async def test_second_401_asks_the_seller_to_reconnect(session: aiohttp.ClientSession) -> None:
    async def token() -> str:  # a provider without `force` is simply called again
        return "APP_USR-revoked"

    ml = MercadoLibreClient(session, token_provider=token, sleep=no_sleep)
    expired = {"message": "invalid access token", "error": "not_found", "status": 401, "cause": []}
    with aioresponses() as mocked:
        mocked.get(f"{API}/users/me", status=401, payload=expired, repeat=True)
        with pytest.raises(MarketplaceError) as raised:
            await ml.get_me()
        assert len(sent(mocked, "GET", f"{API}/users/me")) == 2

    assert raised.value.status == 401
    assert "reconnect your MercadoLibre account" in raised.value.reason


async def test_lost_connection_retries_reads_but_not_posts(
    session: aiohttp.ClientSession,
) -> None:
    async def token() -> str:
        return "APP_USR-token"

    delays: list[float] = []

    async def sleep(delay: float) -> None:
        delays.append(delay)

    ml = MercadoLibreClient(session, token_provider=token, sleep=sleep)
    with aioresponses() as mocked:
        mocked.get(ITEM_URL, exception=aiohttp.ServerDisconnectedError())
        mocked.get(ITEM_URL, payload={"id": "MLA1136716168", "status": "paused"})
        assert await ml.sync_status("MLA1136716168") == "paused"

        # The POST may have reached MercadoLibre: sending it again could answer twice.
        mocked.post(f"{API}/answers", exception=aiohttp.ServerDisconnectedError())
        mocked.post(f"{API}/answers", payload={"id": 1})
        with pytest.raises(MarketplaceError) as raised:
            await ml.answer_question("12798372121", "Sí, está disponible.")
        assert len(sent(mocked, "POST", f"{API}/answers")) == 1

    assert len(delays) == 1
    assert (raised.value.code, raised.value.retryable) == ("network_error", True)


async def test_retry_after_longer_than_the_limit_is_not_waited(ml: MercadoLibreClient) -> None:
    busy = {"message": "Too Many Requests", "error": "too_many_requests", "status": 429}
    with aioresponses() as mocked:
        mocked.get(ITEM_URL, status=429, payload=busy, headers={"Retry-After": "600"})
        mocked.get(ITEM_URL, payload={"status": "active"})
        with pytest.raises(MarketplaceError) as raised:
            await ml.sync_status("MLA1136716168")
        assert len(sent(mocked, "GET", ITEM_URL)) == 1
    assert (raised.value.status, raised.value.retryable) == (429, True)
    assert "too many requests" in raised.value.reason
