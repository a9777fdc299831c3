"""The marketplace interface: what the agent's tools may ask of any marketplace.

Each marketplace (the built-in catalog, MercadoLibre) implements `Marketplace` with these plain
dataclasses, so domain services never see a vendor's JSON. Identifiers are strings whatever the
vendor uses ("MLA1136716168", a question number), so they fit one column in the database.
Failures are one exception type, `MarketplaceError`, whose `reason` can be shown to the seller.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Literal, Protocol, runtime_checkable

ItemStatus = Literal["active", "paused", "closed"]
ITEM_STATUSES: frozenset[str] = frozenset({"active", "paused", "closed"})

# A picture is either a public URL the marketplace downloads itself, or the image's bytes, which
# the implementation uploads first.
PictureSource = str | bytes


@dataclass(frozen=True, kw_only=True)
class PublishRequest:
    """Everything needed to publish one listing; `category_id=None` lets the marketplace guess."""

    title: str
    description: str
    category_id: str | None = None
    price: Decimal
    currency: str
    condition: str  # "new" or "used"
    attributes: dict[str, str] = field(default_factory=dict)  # attribute id or name -> value
    pictures: list[PictureSource] = field(default_factory=list)
    quantity: int = 1


@dataclass(frozen=True)
class PublishResult:
    """Where the published listing lives."""

    external_id: str
    permalink: str
    status: str


@dataclass(frozen=True)
class BuyerQuestion:
    """A public question a buyer asked on a listing."""

    id: str
    item_id: str
    text: str
    from_user_id: str
    status: str  # the marketplace's word, e.g. "UNANSWERED", "ANSWERED"
    date_created: datetime


class MarketplaceError(Exception):
    """A marketplace refused or failed an operation.

    `reason` is a sentence the seller can read; `code` is the marketplace's machine code when it
    gave one; `retryable` says whether trying the same call later may succeed; `status` is the
    HTTP status when there was a response.
    """

    def __init__(
        self,
        reason: str,
        *,
        code: str | None = None,
        retryable: bool = False,
        status: int | None = None,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code
        self.retryable = retryable
        self.status = status

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}(reason={self.reason!r}, code={self.code!r}, "
            f"retryable={self.retryable!r}, status={self.status!r})"
        )


@runtime_checkable
class Marketplace(Protocol):
    """What the agent needs from a marketplace; every method may raise MarketplaceError."""

    async def publish(self, listing: PublishRequest) -> PublishResult: ...

    async def update_price(self, external_id: str, price: Decimal) -> None: ...

    async def update_status(self, external_id: str, status: ItemStatus) -> None: ...

    async def close(self, external_id: str) -> None: ...

    async def sync_status(self, external_id: str) -> str: ...

    async def fetch_questions(self, external_id: str) -> list[BuyerQuestion]: ...

    async def answer_question(self, question_id: str, text: str) -> None: ...
