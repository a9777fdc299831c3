"""MercadoLibre's questions API: search (by item, or by seller and status), one question, answers.

Functions over the client's `ApiTransport`, so `MercadoLibreClient` stays about items.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from integrations.marketplace import BuyerQuestion, MarketplaceError
from integrations.mercadolibre.transport import ApiTransport

MAX_ANSWER_LENGTH = 2000
QUESTIONS_PAGE_SIZE = 50


async def search(api: ApiTransport, filters: Mapping[str, Any]) -> list[BuyerQuestion]:
    """Every question `/questions/search` finds for the filters, all pages, oldest first."""
    questions: list[BuyerQuestion] = []
    offset = 0
    while True:
        page = await api.request("GET", "/questions/search", params={
            **filters, "api_version": 4, "sort_fields": "date_created", "sort_types": "ASC",
            "limit": QUESTIONS_PAGE_SIZE, "offset": offset})
        entries = page.get("questions") or []
        questions += [question_from_json(entry) for entry in entries]
        offset += len(entries)
        if not entries or offset >= int(page.get("total") or 0):
            return questions


async def get(api: ApiTransport, question_id: str) -> BuyerQuestion:
    entry = await api.request("GET", f"/questions/{_numeric_id(question_id)}",
                              params={"api_version": 4})
    return question_from_json(entry)


async def answer(api: ApiTransport, question_id: str, text: str) -> None:
    text = text.strip()
    if not text:
        raise MarketplaceError("The answer is empty.", code="answer.empty")
    if len(text) > MAX_ANSWER_LENGTH:
        raise MarketplaceError(
            f"The answer is {len(text)} characters long; MercadoLibre accepts at most "
            f"{MAX_ANSWER_LENGTH}. Shorten it.",
            code="answer.too_long",
        )
    await api.request("POST", "/answers",
                      json_body={"question_id": _numeric_id(question_id), "text": text})


def _numeric_id(question_id: str | int) -> int:
    try:
        return int(question_id)
    except (TypeError, ValueError):
        raise MarketplaceError(
            f"{question_id!r} is not a MercadoLibre question number.", code="question.invalid_id"
        ) from None


def question_from_json(entry: Mapping[str, Any]) -> BuyerQuestion:
    """A question of `/questions/search?api_version=4` as a BuyerQuestion."""
    sender = entry.get("from") or {}
    return BuyerQuestion(
        id=str(entry["id"]),
        item_id=str(entry["item_id"]),
        text=str(entry.get("text") or ""),
        from_user_id=str(sender.get("id") or ""),
        status=str(entry.get("status") or ""),
        date_created=datetime.fromisoformat(str(entry["date_created"]).replace("Z", "+00:00")),
    )
