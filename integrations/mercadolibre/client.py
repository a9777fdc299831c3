"""MercadoLibre's REST API behind the `Marketplace` interface, for one seller's token.

Publishing follows MercadoLibre's documented flow: predict the category from the title when the
listing has none, read the category's required attributes and fill them from the listing, upload
any picture given as bytes, create the item, then post its plain-text description.
Retries, token refresh and error sentences live in `transport.ApiTransport`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable, Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

import aiohttp

from integrations.marketplace import (
    ITEM_STATUSES,
    BuyerQuestion,
    ItemStatus,
    MarketplaceError,
    PictureSource,
    PublishRequest,
    PublishResult,
)
from integrations.mercadolibre.errors import DescriptionNotSaved
from integrations.mercadolibre.item_payload import (
    CategoryAttribute,
    CategoryPrediction,
    fill_attributes,
    item_body,
    parse_category_attributes,
    parse_prediction,
    price_json,
)
from integrations.mercadolibre.transport import ApiTransport, Sleep, TokenProvider

MAX_ANSWER_LENGTH = 2000
QUESTIONS_PAGE_SIZE = 50


class MercadoLibreClient:
    """One seller's MercadoLibre account; implements `integrations.marketplace.Marketplace`."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        *,
        base_url: str = "https://api.mercadolibre.com",
        site_id: str = "MLA",
        token_provider: TokenProvider,
        max_retries: int = 3,
        backoff_base: float = 0.5,
        sleep: Sleep = asyncio.sleep,
        draw: Callable[[], float] = random.random,
    ) -> None:
        """`max_retries` counts the tries after the first one, for 429, 5xx and network errors.

        `token_provider()` returns the access token; if it accepts `force=True` it is called that
        way once after a 401 (see `oauth.TokenRefresher`).
        """
        self.site_id = site_id
        self._api = ApiTransport(
            session,
            base_url=base_url,
            token_provider=token_provider,
            max_retries=max_retries,
            backoff_base=backoff_base,
            sleep=sleep,
            draw=draw,
        )

    async def get_me(self) -> dict[str, Any]:
        """The connected account (`GET /users/me`): id, nickname, site_id, ..."""
        return await self._api.request("GET", "/users/me")

    async def predict_category(self, title: str) -> CategoryPrediction:
        """MercadoLibre's best category for a title (domain discovery, one answer)."""
        found = await self._api.request(
            "GET",
            f"/sites/{self.site_id}/domain_discovery/search",
            params={"q": title, "limit": 1},
        )
        if not isinstance(found, list) or not found:
            raise MarketplaceError(
                f"MercadoLibre could not suggest a category for “{title}”: choose one.",
                code="category.not_predicted",
            )
        return parse_prediction(found[0])

    async def category_attributes(self, category_id: str) -> list[CategoryAttribute]:
        entries = await self._api.request("GET", f"/categories/{category_id}/attributes")
        return parse_category_attributes(entries or [])

    async def upload_picture(self, content: bytes, filename: str = "photo.jpg") -> str:
        """Upload image bytes (`POST /pictures/items/upload`); returns the picture id."""

        def form() -> aiohttp.FormData:
            data = aiohttp.FormData()
            data.add_field("file", content, filename=filename)
            return data

        uploaded = await self._api.request("POST", "/pictures/items/upload", body_factory=form)
        return str(uploaded["id"])

    async def _pictures_json(self, pictures: list[PictureSource]) -> list[dict[str, str]]:
        result = []
        for number, picture in enumerate(pictures, start=1):
            if isinstance(picture, bytes):
                picture_id = await self.upload_picture(picture, filename=f"photo-{number}.jpg")
                result.append({"id": picture_id})
            else:
                result.append({"source": picture})
        return result

    async def publish(self, listing: PublishRequest) -> PublishResult:
        prediction: CategoryPrediction | None = None
        category_id = listing.category_id
        if not category_id:
            prediction = await self.predict_category(listing.title)
            category_id = prediction.category_id
        attributes = fill_attributes(
            category_id,
            await self.category_attributes(category_id),
            listing.attributes,
            prediction.attributes if prediction else None,
        )
        # Validate locally before uploading anything.
        item_body(listing, category_id=category_id, attributes=attributes, pictures=[])
        pictures = await self._pictures_json(listing.pictures)
        item = await self._api.request(
            "POST",
            "/items",
            json_body=item_body(
                listing, category_id=category_id, attributes=attributes, pictures=pictures
            ),
        )
        result = PublishResult(
            external_id=str(item["id"]),
            permalink=str(item.get("permalink") or ""),
            status=str(item.get("status") or ""),
        )
        try:
            await self.set_description(result.external_id, listing.description)
        except MarketplaceError as exc:
            raise DescriptionNotSaved(
                result.external_id, result.permalink, result.status, exc
            ) from exc
        return result

    async def set_description(self, external_id: str, text: str) -> None:
        """Post the plain-text description of an item (`POST /items/{id}/description`)."""
        await self._api.request(
            "POST", f"/items/{external_id}/description", json_body={"plain_text": text}
        )

    async def get_item(self, external_id: str) -> dict[str, Any]:
        return await self._api.request("GET", f"/items/{external_id}")

    async def update_price(self, external_id: str, price: Decimal) -> None:
        await self._api.request(
            "PUT", f"/items/{external_id}", json_body={"price": price_json(price)}
        )

    async def update_status(self, external_id: str, status: ItemStatus) -> None:
        if status not in ITEM_STATUSES:
            raise MarketplaceError(
                f"Unknown listing status {status!r}: use active, paused or closed.",
                code="item.status.invalid",
            )
        await self._api.request("PUT", f"/items/{external_id}", json_body={"status": status})

    async def close(self, external_id: str) -> None:
        await self.update_status(external_id, "closed")

    async def sync_status(self, external_id: str) -> str:
        """MercadoLibre's current status word: active, paused, closed, under_review, inactive."""
        item = await self.get_item(external_id)
        return str(item["status"])

    async def fetch_questions(self, external_id: str) -> list[BuyerQuestion]:
        """Every question on the item, all pages, oldest first."""
        questions: list[BuyerQuestion] = []
        offset = 0
        while True:
            page = await self._api.request(
                "GET",
                "/questions/search",
                params={
                    "item": external_id,
                    "api_version": 4,
                    "sort_fields": "date_created",
                    "sort_types": "ASC",
                    "limit": QUESTIONS_PAGE_SIZE,
                    "offset": offset,
                },
            )
            entries = page.get("questions") or []
            questions += [question_from_json(entry) for entry in entries]
            offset += len(entries)
            if not entries or offset >= int(page.get("total") or 0):
                return questions

    async def get_question(self, question_id: str) -> BuyerQuestion:
        """One question, as named by a `questions` notification (`GET /questions/{id}`)."""
        entry = await self._api.request(
            "GET", f"/questions/{_numeric_id(question_id)}", params={"api_version": 4}
        )
        return question_from_json(entry)

    async def answer_question(self, question_id: str, text: str) -> None:
        text = text.strip()
        if not text:
            raise MarketplaceError("The answer is empty.", code="answer.empty")
        if len(text) > MAX_ANSWER_LENGTH:
            raise MarketplaceError(
                f"The answer is {len(text)} characters long; MercadoLibre accepts at most "
                f"{MAX_ANSWER_LENGTH}. Shorten it.",
                code="answer.too_long",
            )
        await self._api.request(
            "POST",
            "/answers",
            json_body={"question_id": _numeric_id(question_id), "text": text},
        )


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
