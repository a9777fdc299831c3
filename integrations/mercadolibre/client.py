"""MercadoLibre's REST API behind the `Marketplace` interface, for one seller's token.

Publishing follows MercadoLibre's documented flow: predict the category from the title when the
listing has none, read the category's required attributes and fill them from the listing, upload
any picture given as bytes, create the item, then post its plain-text description.
Retries, token refresh and error sentences live in `transport.ApiTransport`.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
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
from integrations.mercadolibre import question_api, sites
from integrations.mercadolibre.errors import DescriptionNotSaved
from integrations.mercadolibre.item_payload import (
    CategoryAttribute,
    CategoryPrediction,
    ItemTerms,
    fill_attributes,
    item_body,
    parse_category_attributes,
    parse_prediction,
    price_json,
)
from integrations.mercadolibre.question_api import MAX_ANSWER_LENGTH
from integrations.mercadolibre.transport import ApiTransport, Sleep, TokenProvider

__all__ = ["MAX_ANSWER_LENGTH", "Account", "MercadoLibreClient"]

MULTIGET_SIZE = 20  # `GET /items?ids=` takes at most 20 ids
USER_PRODUCTS_TAG = "user_product_seller"


@dataclass(frozen=True)
class Account:
    """What the connected account decides for its listings (`GET /users/me`)."""

    user_id: str
    site_id: str
    tags: tuple[str, ...] = ()

    @property
    def user_products(self) -> bool:
        return USER_PRODUCTS_TAG in self.tags

    @classmethod
    def from_me(cls, me: Mapping[str, Any]) -> Account:
        return cls(user_id=str(me.get("id") or ""), site_id=str(me.get("site_id") or "MLA"),
                   tags=tuple(str(tag) for tag in me.get("tags") or ()))


AccountLoader = Callable[[], Awaitable[Account]]


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
        account: AccountLoader | None = None,
        currency_rates: Mapping[tuple[str, str], Decimal] | None = None,
    ) -> None:
        """`max_retries` counts the tries after the first one, for 429, 5xx and network errors.

        `token_provider()` returns the access token; if it accepts `force=True` it is called that
        way once after a 401 (see `oauth.TokenRefresher`). `account()` gives the connected
        account's site and tags as stored at connection (read from `/users/me` when not given):
        listings go to the account's site, not to a configured one.
        """
        self.site_id = site_id
        self._account_loader = account
        self._account: Account | None = None
        self._rates = dict(currency_rates or {})
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
        """The connected account (`GET /users/me`): id, nickname, site_id, tags, ..."""
        return await self._api.request("GET", "/users/me")

    async def account(self) -> Account:
        """The account this client acts for; its site becomes the client's site."""
        if self._account is None:
            self._account = await self._account_loader() if self._account_loader \
                else Account.from_me(await self.get_me())
            self.site_id = self._account.site_id
        return self._account

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
        """Create the item on the account's site, once: a product published again after a
        crash or a lost answer finds its item by SKU (our product reference) and keeps it."""
        account = await self.account()
        price, currency = sites.price_for_site(listing.price, listing.currency,
                                               sites.site(account.site_id), self._rates)
        sku = getattr(listing, "public_ref", None)
        terms = ItemTerms(price, currency, account.user_products, sku)
        if sku and account.user_id and (found := await self.find_by_sku(account.user_id, sku)):
            await self.replace_description(found.external_id, listing.description)
            return found
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
        item_body(listing, category_id=category_id, attributes=attributes, pictures=[],
                  terms=terms)
        pictures = await self._pictures_json(listing.pictures)

        async def created_meanwhile() -> dict[str, Any] | None:
            return await self._item_by_sku(account.user_id, sku) if sku else None

        item = await self._api.request(
            "POST",
            "/items",
            json_body=item_body(listing, category_id=category_id, attributes=attributes,
                                pictures=pictures, terms=terms),
            recover=created_meanwhile if sku and account.user_id else None,
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

    async def replace_description(self, external_id: str, text: str) -> None:
        """Write the description of an existing item (`PUT /items/{id}/description`)."""
        await self._api.request(
            "PUT", f"/items/{external_id}/description", params={"api_version": 2},
            json_body={"plain_text": text})

    async def find_by_sku(self, user_id: str, sku: str) -> PublishResult | None:
        """The seller's item carrying this SKU, if one was created already."""
        item = await self._item_by_sku(user_id, sku)
        if item is None:
            return None
        return PublishResult(external_id=str(item["id"]),
                             permalink=str(item.get("permalink") or ""),
                             status=str(item.get("status") or ""))

    async def _item_by_sku(self, user_id: str, sku: str) -> dict[str, Any] | None:
        found = await self._api.request(
            "GET", f"/users/{user_id}/items/search", params={"seller_sku": sku})
        results = (found or {}).get("results") or []
        return await self.get_item(str(results[0])) if results else None

    async def get_item(self, external_id: str) -> dict[str, Any]:
        return await self._api.request("GET", f"/items/{external_id}")

    async def statuses(self, external_ids: list[str]) -> dict[str, str]:
        """Each item's status word, 20 items a request (`GET /items?ids=`); items
        MercadoLibre did not return (unknown, another seller's) are left out."""
        found: dict[str, str] = {}
        for start in range(0, len(external_ids), MULTIGET_SIZE):
            chunk = external_ids[start:start + MULTIGET_SIZE]
            entries = await self._api.request(
                "GET", "/items", params={"ids": ",".join(chunk), "attributes": "id,status"})
            for entry in entries or []:
                body = entry.get("body") or {}
                if entry.get("code") == 200 and body.get("id"):
                    found[str(body["id"])] = str(body.get("status") or "")
        return found

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
        return await question_api.search(self._api, {"item": external_id})

    async def unanswered_questions(self) -> list[BuyerQuestion]:
        """Every unanswered question on the seller's items, oldest first: one search by
        seller and status, not one per item."""
        account = await self.account()
        return await question_api.search(
            self._api, {"seller_id": account.user_id, "status": "UNANSWERED"})

    async def get_question(self, question_id: str) -> BuyerQuestion:
        """One question, as named by a `questions` notification (`GET /questions/{id}`)."""
        return await question_api.get(self._api, question_id)

    async def answer_question(self, question_id: str, text: str) -> None:
        await question_api.answer(self._api, question_id, text)
