"""Storage test fixtures: small async factories that build valid rows, and `refused`.

Every factory adds its row through the test's `session`, flushes it (so the database checks it
right away) and refreshes it (so server defaults are loaded and no lazy load is needed later).
Keyword arguments override any column, so a test builds exactly the invalid row it means to.

`refused(name)` runs a block inside a savepoint and asserts the database refused it with an
error naming `name` (a constraint name, or the text of the status trigger's message), so one test
can check several refusals and a test cannot pass for the wrong reason.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import pytest
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from storage.embedded import EmbeddedServices
from storage.models import (
    ActorKind,
    Author,
    Base,
    BotSession,
    Buyer,
    Channel,
    Conversation,
    ConversationKind,
    Direction,
    Listing,
    Marketplace,
    MarketplaceCredential,
    Message,
    Offer,
    OfferParty,
    Product,
    ProductImage,
    Seller,
)

CHECK_VIOLATION = "23514"
VALID_LISTING_TITLE = "Bicicleta Trek Marlin 5"
VALID_LISTING_DESCRIPTION = (
    "Bicicleta de montaña Trek Marlin 5, talla M, poco uso, frenos de disco revisados."
)

RowT = TypeVar("RowT", bound=Base)
Factory = Callable[..., Awaitable[RowT]]


def new_telegram_id() -> int:
    return secrets.randbelow(2**52) + 1


def sqlstate(error: DBAPIError) -> str | None:
    """The PostgreSQL SQLSTATE behind a SQLAlchemy error (asyncpg keeps it on the cause)."""
    cause = getattr(error.orig, "__cause__", None)
    return getattr(cause, "sqlstate", None) or getattr(error.orig, "sqlstate", None)


@pytest.fixture
def add_row(session: AsyncSession) -> Callable[[RowT], Awaitable[RowT]]:
    async def add(row: RowT) -> RowT:
        session.add(row)
        await session.flush()
        await session.refresh(row)
        return row

    return add


@pytest.fixture
def refused(session: AsyncSession) -> Callable[[str], AbstractAsyncContextManager[None]]:
    """`async with refused("ck_products_price_positive"): ...` inside a savepoint."""

    @asynccontextmanager
    async def expect_refusal(name: str) -> AsyncIterator[None]:
        with pytest.raises(DBAPIError) as caught:
            async with session.begin_nested():
                yield
                await session.flush()
        error = caught.value
        assert isinstance(error, IntegrityError) or sqlstate(error) == CHECK_VIOLATION, error
        assert name in str(error.orig), f"expected {name!r} in: {error.orig}"

    return expect_refusal


@pytest.fixture
def make_seller(add_row: Callable[[Any], Awaitable[Any]]) -> Factory[Seller]:
    async def make(**overrides: Any) -> Seller:
        values: dict[str, Any] = {"telegram_id": new_telegram_id(), "name": "Ana"}
        return await add_row(Seller(**(values | overrides)))

    return make


@pytest.fixture
def make_buyer(add_row: Callable[[Any], Awaitable[Any]]) -> Factory[Buyer]:
    async def make(**overrides: Any) -> Buyer:
        values: dict[str, Any] = {"telegram_id": new_telegram_id(), "name": "Luis"}
        return await add_row(Buyer(**(values | overrides)))

    return make


@pytest.fixture
def make_product(
    add_row: Callable[[Any], Awaitable[Any]], make_seller: Factory[Seller]
) -> Factory[Product]:
    async def make(seller: Seller | None = None, **overrides: Any) -> Product:
        seller = seller or await make_seller()
        values: dict[str, Any] = {
            "seller_id": seller.id,
            "prompt_text": "Vendo bici Trek, 350€",
            "title": "Bici Trek Marlin 5",
            "price": Decimal("350.00"),
            "min_price": Decimal("300.00"),
        }
        return await add_row(Product(**(values | overrides)))

    return make


@pytest.fixture
def make_image(
    add_row: Callable[[Any], Awaitable[Any]], make_product: Factory[Product]
) -> Factory[ProductImage]:
    async def make(product: Product | None = None, **overrides: Any) -> ProductImage:
        product = product or await make_product()
        values: dict[str, Any] = {
            "product_id": product.id,
            "telegram_file_id": f"AgAC{uuid.uuid4().hex}",
            "format": "jpg",
        }
        return await add_row(ProductImage(**(values | overrides)))

    return make


@pytest.fixture
def make_listing(
    add_row: Callable[[Any], Awaitable[Any]], make_product: Factory[Product]
) -> Factory[Listing]:
    async def make(product: Product | None = None, **overrides: Any) -> Listing:
        product = product or await make_product()
        values: dict[str, Any] = {
            "product_id": product.id,
            "version": 1,
            "title": VALID_LISTING_TITLE,
            "description": VALID_LISTING_DESCRIPTION,
            "confidence": Decimal("0.80"),
            "provider": "offline",
            "model": "rules-v1",
        }
        return await add_row(Listing(**(values | overrides)))

    return make


@pytest.fixture
def make_conversation(
    add_row: Callable[[Any], Awaitable[Any]],
    make_product: Factory[Product],
    make_buyer: Factory[Buyer],
) -> Factory[Conversation]:
    """A buyer chat about a product by default; pass `kind=` and ids for other shapes."""

    async def make(
        product: Product | None = None, buyer: Buyer | None = None, **overrides: Any
    ) -> Conversation:
        values: dict[str, Any] = {
            "channel": Channel.TELEGRAM,
            "external_chat_id": str(new_telegram_id()),
            "kind": ConversationKind.BUYER_CHAT,
        }
        if overrides.get("kind", ConversationKind.BUYER_CHAT) == ConversationKind.BUYER_CHAT:
            product = product or await make_product()
            buyer = buyer or await make_buyer()
            values |= {"product_id": product.id, "buyer_id": buyer.id,
                       "seller_id": product.seller_id}
        return await add_row(Conversation(**(values | overrides)))

    return make


@pytest.fixture
def make_message(
    add_row: Callable[[Any], Awaitable[Any]], make_conversation: Factory[Conversation]
) -> Factory[Message]:
    async def make(conversation: Conversation | None = None, **overrides: Any) -> Message:
        conversation = conversation or await make_conversation()
        values: dict[str, Any] = {
            "conversation_id": conversation.id,
            "channel": conversation.channel,
            "direction": Direction.INBOUND,
            "author": Author.BUYER,
            "external_message_id": str(new_telegram_id()),
            "text": "¿Sigue disponible?",
        }
        return await add_row(Message(**(values | overrides)))

    return make


@pytest.fixture
def make_offer(
    add_row: Callable[[Any], Awaitable[Any]], make_conversation: Factory[Conversation]
) -> Factory[Offer]:
    """An offer in a buyer chat; product and buyer come from the conversation."""

    async def make(conversation: Conversation | None = None, **overrides: Any) -> Offer:
        conversation = conversation or await make_conversation()
        values: dict[str, Any] = {
            "conversation_id": conversation.id,
            "product_id": conversation.product_id,
            "buyer_id": conversation.buyer_id,
            "amount": Decimal("320.00"),
            "made_by": OfferParty.BUYER,
        }
        return await add_row(Offer(**(values | overrides)))

    return make


@pytest.fixture
def make_bot_session(
    add_row: Callable[[Any], Awaitable[Any]], make_seller: Factory[Seller]
) -> Factory[BotSession]:
    async def make(**overrides: Any) -> BotSession:
        values: dict[str, Any] = {
            "actor_kind": ActorKind.SELLER,
            "channel": Channel.TELEGRAM,
            "expires_at": datetime.now(UTC) + timedelta(hours=24),
        }
        if "seller_id" not in overrides and "buyer_id" not in overrides:
            values["seller_id"] = (await make_seller()).id
        return await add_row(BotSession(**(values | overrides)))

    return make


@pytest.fixture
def make_credential(
    add_row: Callable[[Any], Awaitable[Any]], make_seller: Factory[Seller]
) -> Factory[MarketplaceCredential]:
    async def make(seller: Seller | None = None, **overrides: Any) -> MarketplaceCredential:
        seller = seller or await make_seller()
        values: dict[str, Any] = {
            "seller_id": seller.id,
            "marketplace": Marketplace.MERCADOLIBRE,
            "app_id": "1234567890",
            "client_secret_encrypted": "enc:client-secret",
            "access_token_encrypted": "enc:access-token",
            "refresh_token_encrypted": "enc:refresh-token",
        }
        return await add_row(MarketplaceCredential(**(values | overrides)))

    return make


async def _admin_execute(services: EmbeddedServices, *statements: str) -> None:
    import asyncpg

    assert services.postgres is not None
    conn = await asyncpg.connect(services.postgres._server.get_uri("postgres"))
    try:
        for statement in statements:
            await conn.execute(statement)
    finally:
        await conn.close()


@pytest.fixture
async def empty_database(embedded: EmbeddedServices) -> AsyncIterator[str]:
    """URL of a brand-new database with no schema at all (not copied from the template)."""
    name = f"marketbot_empty_{uuid.uuid4().hex[:10]}"
    await _admin_execute(embedded, f'CREATE DATABASE "{name}"')
    assert embedded.postgres is not None
    yield embedded.postgres.url(name)
    await _admin_execute(embedded, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
