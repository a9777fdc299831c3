"""MercadoLibre answers shaped after the documented responses, and a world to publish into.

Shared by tests/marketplaces and tests/jobs (imported, not a conftest): the JSON bodies, a clock
the tests move, and `MarketplaceWorld` (marketplace services on the test database and Redis
prefix, the conversation service on the offline model, sellers with stored credentials).
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from yarl import URL

from agents.agent_factory import build_agents
from agents.conversation_service import ConversationService, InboundEvent, Sender, TurnResult
from agents.marketplace_questions import MarketplaceQuestions
from agents.models.offline import OfflineChatModel
from config.settings import Settings
from integrations.marketplaces import MarketplaceServices, build_marketplace_services
from integrations.mercadolibre.oauth import TokenPair
from integrations.mercadolibre.questions import QuestionDesk
from storage.conversation_lock import ConversationLock
from storage.models import (
    Channel,
    Condition,
    Marketplace,
    MessageType,
    Product,
    ProductStatus,
    Publication,
    Seller,
)
from storage.redis_keys import KeySpace

API = "https://api.mercadolibre.com"
TOKEN_URL = f"{API}/oauth/token"
ITEMS = f"{API}/items"
ITEM_ID = "MLA1136716168"
DISCOVERY = re.compile(r"^https://api\.mercadolibre\.com/sites/MLA/domain_discovery/search\?.*$")
QUESTIONS_SEARCH = re.compile(r"^https://api\.mercadolibre\.com/questions/search\?.*$")
# the search that finds an item created by a publish whose answer was lost (none here)
SKU_SEARCH = re.compile(r"^https://api\.mercadolibre\.com/users/\d+/items/search\?.*$")
NO_ITEMS = {"seller_id": "1108966308", "results": [], "paging": {"total": 0}}
CATEGORY_ATTRIBUTES = f"{API}/categories/MLA1292/attributes"
ANSWERS = f"{API}/answers"
APP_ID = "2069392825111111"
ML_USER_ID = 1108966308
REDIRECT_URI = "https://bot.example.org/oauth/mercadolibre/callback"

PREDICTION = [{
    "domain_id": "MLA-BICYCLES", "domain_name": "Bicicletas", "category_id": "MLA1292",
    "category_name": "Bicicletas",
    "attributes": [{"id": "BRAND", "name": "Marca", "value_id": "2503", "value_name": "Trek"}],
}]
ATTRIBUTES = [
    {"id": "BRAND", "name": "Marca", "tags": {"catalog_required": True, "required": True},
     "value_type": "string"},
    {"id": "MODEL", "name": "Modelo", "tags": {"required": True}, "value_type": "string"},
    {"id": "BICYCLE_TYPE", "name": "Tipo de bicicleta", "tags": {"catalog_required": True},
     "value_type": "list",
     "values": [{"id": "4785732", "name": "Montaña"}, {"id": "4785733", "name": "Ruta"}]},
    {"id": "ITEM_CONDITION", "name": "Condición del ítem",
     "tags": {"read_only": True, "required": True}, "value_type": "list"},
]
PERMALINK = "https://articulo.mercadolibre.com.ar/MLA-1136716168-bicicleta-trek-marlin-5-_JM"
CREATED_ITEM = {
    "id": ITEM_ID, "site_id": "MLA", "title": "Bicicleta Trek Marlin 5 Rodado 29",
    "seller_id": ML_USER_ID, "category_id": "MLA1292", "price": 350000, "currency_id": "ARS",
    "available_quantity": 1, "buying_mode": "buy_it_now", "listing_type_id": "gold_special",
    "condition": "used", "permalink": PERMALINK, "status": "active", "sub_status": [],
    "date_created": "2024-03-05T14:10:22.000Z",
}
DESCRIPTION_SAVED = {"text": "", "plain_text": "…", "last_updated": "2024-03-05T14:10:23.000Z",
                     "date_created": "2024-03-05T14:10:23.000Z"}
INVALID_GRANT = {
    "error_description": "Error validating grant. Your authorization code or refresh token may "
                         "be expired or it was already used",
    "error": "invalid_grant", "status": 400, "cause": [],
}
USERS_ME = {"id": ML_USER_ID, "nickname": "TIENDATREK", "site_id": "MLA",
            "country_id": "AR", "email": "ana@example.org"}


def token_response(access: str, refresh: str) -> dict[str, Any]:
    return {"access_token": access, "token_type": "Bearer", "expires_in": 21600,
            "scope": "offline_access read write", "user_id": ML_USER_ID, "refresh_token": refresh}


def question(question_id: int, text: str, *, status: str = "UNANSWERED",
             buyer: int = 1200445566, item: str = ITEM_ID) -> dict[str, Any]:
    """One question of `GET /questions/{id}?api_version=4` (and of the search's list)."""
    return {"date_created": "2024-03-05T10:13:33.000-04:00", "item_id": item,
            "seller_id": ML_USER_ID, "status": status, "text": text, "tags": [],
            "id": question_id, "deleted_from_listing": False, "hold": False, "answer": None,
            "from": {"id": buyer}}


def questions_page(entries: list[dict[str, Any]]) -> dict[str, Any]:
    return {"total": len(entries), "limit": 50, "questions": entries,
            "filters": {"limit": 50, "offset": 0, "api_version": "4"}}


def answered(question_id: int) -> dict[str, Any]:
    return {"question_id": question_id, "date_created": "2024-03-05T10:20:00.000-04:00",
            "text": "…", "status": "ACTIVE"}


def notification(resource: str, *, topic: str = "questions", attempts: int = 1
                 ) -> dict[str, Any]:
    return {"_id": str(uuid.uuid4()), "resource": resource, "user_id": ML_USER_ID,
            "topic": topic, "application_id": int(APP_ID), "attempts": attempts,
            "sent": "2024-03-05T13:58:23.347Z", "received": "2024-03-05T13:58:23.329Z"}


def requests_to(mocked: Any, method: str, url: str) -> list[Any]:
    return mocked.requests.get((method, URL(url)), [])


class Clock:
    """The injected clock: moves only when told (and a millisecond per read, for ordering)."""

    def __init__(self, start: datetime = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)) -> None:
        self.now = start

    def __call__(self) -> datetime:
        self.now += timedelta(milliseconds=1)
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


async def no_sleep(delay: float) -> None:
    """Backoff waits recorded nowhere and skipped: tests never sleep."""


def with_mercadolibre(settings: Settings, *keys: str) -> Settings:
    """The session's settings with a MercadoLibre app and encryption keys configured."""
    marketplaces = settings.marketplaces.model_copy(update={
        "client_id": APP_ID, "client_secret": SecretStr("app-secret"),
        "redirect_uri": REDIRECT_URI,
        "credentials_keys": SecretStr(",".join(keys or (Fernet.generate_key().decode(),))),
    })
    return settings.model_copy(update={"marketplaces": marketplaces})


@dataclass
class MarketplaceWorld:
    """Marketplace services, the conversation service and helpers on one test database."""

    factory: async_sessionmaker[AsyncSession]
    settings: Settings
    clock: Clock
    services: MarketplaceServices
    service: ConversationService = field(init=False)
    questions: MarketplaceQuestions = field(init=False)
    messages: int = 0

    def __post_init__(self) -> None:
        agents = build_agents(OfflineChatModel(), self.settings.llm)
        self.service = ConversationService(session_factory=self.factory, settings=self.settings,
                                           agents=agents, clock=self.clock)
        assert self.services.accounts is not None
        self.questions = MarketplaceQuestions(
            self.service, QuestionDesk(self.services.accounts, self.factory, self.clock))

    @property
    def accounts(self):
        assert self.services.accounts is not None
        return self.services.accounts

    async def seller(self, telegram_id: int = 5001, *, connected: bool = True,
                     expires_in: timedelta = timedelta(hours=6)) -> Seller:
        async with self.factory() as session, session.begin():
            seller = Seller(telegram_id=telegram_id, name="Ana", language="es")
            session.add(seller)
        if connected:
            await self.accounts.save(seller.id, TokenPair(
                access_token="APP_USR-access-1", refresh_token="TG-refresh-1",
                expires_at=self.clock.now + expires_in, user_id=ML_USER_ID), nickname="ANA")
        return seller

    async def product(self, seller: Seller, *, status: ProductStatus = ProductStatus.READY,
                      published_as: str | None = None, **changes: Any) -> Product:
        values: dict[str, Any] = {
            "title": "Bicicleta Trek Marlin 5 Rodado 29",
            "description": "Bicicleta Trek Marlin 5 rodado 29, talle M, poco uso, frenos "
                           "hidráulicos recién revisados. Incluye luces delanteras.",
            "price": Decimal("350000"), "currency": "ARS", "condition": Condition.USED,
            "prompt_text": "Vendo bici Trek Marlin 5",
            "attributes": {"BRAND": "Trek", "Modelo": "Marlin 5", "bicycle type": "Montaña",
                           "color": "rojo"},
        }
        values.update(changes)
        async with self.factory() as session, session.begin():
            product = Product(seller_id=seller.id, status=status, **values)
            session.add(product)
            await session.flush()
            if published_as:
                session.add(Publication(product_id=product.id,
                                        marketplace=Marketplace.MERCADOLIBRE,
                                        external_id=published_as, external_status="active"))
        return product

    async def seller_says(self, seller: Seller, text: str, *, relay_to: str | None = None
                          ) -> TurnResult:
        self.messages += 1
        return await self.service.handle(InboundEvent(
            channel=Channel.TELEGRAM, chat_id=str(seller.telegram_id),
            external_message_id=f"{seller.telegram_id}:{self.messages}", role="seller",
            sender=Sender(name=seller.name, telegram_id=seller.telegram_id, language="es"),
            text=text, message_type=MessageType.TEXT, relay_to=relay_to))

    async def get(self, model: type, key: object) -> Any:
        async with self.factory() as session:
            return await session.get(model, key)


async def make_world(factory: async_sessionmaker[AsyncSession], settings: Settings, clock: Clock,
                     redis: Any, prefix: str) -> MarketplaceWorld:
    """A world on this session factory, with token locks under the test's Redis prefix."""
    keys = KeySpace(prefix)
    services = build_marketplace_services(
        settings, session_factory=factory, redis=redis, keys=keys,
        lock=ConversationLock(redis, keys, timeout=10, wait=10), clock=clock, sleep=no_sleep)
    return MarketplaceWorld(factory, settings, clock, services)
