"""Publishing through MercadoLibreClient against recorded-shape MercadoLibre responses."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any

import aiohttp
import pytest
from aioresponses import aioresponses
from yarl import URL

from integrations.marketplace import Marketplace, MarketplaceError, PublishRequest
from integrations.mercadolibre import (
    Account,
    DescriptionNotSaved,
    MercadoLibreClient,
    MissingRequiredAttributes,
)

API = "https://api.mercadolibre.com"
ITEMS = f"{API}/items"
DISCOVERY = re.compile(r"^https://api\.mercadolibre\.com/sites/MLA/domain_discovery/search\?.*$")
CATEGORY_ATTRIBUTES = f"{API}/categories/MLA1292/attributes"

PREDICTION = [
    {
        "domain_id": "MLA-BICYCLES",
        "domain_name": "Bicicletas",
        "category_id": "MLA1292",
        "category_name": "Bicicletas",
        "attributes": [
            {"id": "BRAND", "name": "Marca", "value_id": "2503", "value_name": "Trek"},
        ],
    }
]

ATTRIBUTES = [
    {
        "id": "BRAND",
        "name": "Marca",
        "tags": {"catalog_required": True, "required": True},
        "hierarchy": "PARENT_PK",
        "relevance": 1,
        "value_type": "string",
        "value_max_length": 255,
        "attribute_group_id": "OTHERS",
        "attribute_group_name": "Otros",
    },
    {
        "id": "MODEL",
        "name": "Modelo",
        "tags": {"required": True},
        "hierarchy": "PARENT_PK",
        "relevance": 1,
        "value_type": "string",
        "value_max_length": 255,
    },
    {
        "id": "BICYCLE_TYPE",
        "name": "Tipo de bicicleta",
        "tags": {"catalog_required": True},
        "value_type": "list",
        "values": [{"id": "4785732", "name": "Montaña"}, {"id": "4785733", "name": "Ruta"}],
    },
    {
        "id": "FRAME_SIZE",
        "name": "Talle del cuadro",
        "tags": {},
        "value_type": "string",
    },
    {
        "id": "ITEM_CONDITION",
        "name": "Condición del ítem",
        "tags": {"read_only": True, "required": True},
        "value_type": "list",
    },
]

# Every required attribute, by name, by id and with the id's spacing, as a seller might write.
COMPLETE_ATTRIBUTES = {"Marca": "Trek", "MODEL": "Marlin 5", "bicycle type": "Ruta"}

CREATED_ITEM = {
    "id": "MLA1136716168",
    "site_id": "MLA",
    "title": "Bicicleta Trek Marlin 5 Rodado 29",
    "seller_id": 1108966308,
    "category_id": "MLA1292",
    "price": 350000,
    "base_price": 350000,
    "currency_id": "ARS",
    "initial_quantity": 1,
    "available_quantity": 1,
    "sold_quantity": 0,
    "buying_mode": "buy_it_now",
    "listing_type_id": "gold_special",
    "condition": "used",
    "permalink": "https://articulo.mercadolibre.com.ar/MLA-1136716168-bicicleta-trek-marlin-5-_JM",
    "pictures": [
        {
            "id": "963513-MLA49868862376_052022",
            "url": "http://http2.mlstatic.com/D_963513-MLA49868862376_052022-O.jpg",
            "secure_url": "https://http2.mlstatic.com/D_963513-MLA49868862376_052022-O.jpg",
            "size": "500x411",
            "max_size": "898x739",
            "quality": "",
        }
    ],
    "status": "active",
    "sub_status": [],
    "tags": ["immediate_payment"],
    "date_created": "2024-03-05T14:10:22.000Z",
}

DESCRIPTION_SAVED = {
    "text": "",
    "plain_text": "Bicicleta en excelente estado, poco uso, service al día.",
    "last_updated": "2024-03-05T14:10:23.000Z",
    "date_created": "2024-03-05T14:10:23.000Z",
    "snapshot": {"url": "", "width": 0, "height": 0, "status": ""},
}


def listing(**changes: Any) -> PublishRequest:
    values: dict[str, Any] = {
        "title": "Bicicleta Trek Marlin 5 Rodado 29",
        "description": "Bicicleta en excelente estado, poco uso, service al día.",
        "price": Decimal("350000"),
        "currency": "ARS",
        "condition": "used",
        "attributes": {"model": "Marlin 5", "Tipo de bicicleta": "Montaña", "Color": "Rojo"},
        "pictures": ["https://cdn.example.org/bici-1.jpg"],
    }
    values.update(changes)
    return PublishRequest(**values)


@pytest.fixture
async def session() -> AsyncIterator[aiohttp.ClientSession]:
    async with aiohttp.ClientSession() as client_session:
        yield client_session


class Sleeps:
    """Records the waits instead of waiting."""

    def __init__(self) -> None:
        self.delays: list[float] = []

    async def __call__(self, delay: float) -> None:
        self.delays.append(delay)


def client(session: aiohttp.ClientSession, sleeps: Sleeps, **options: Any) -> MercadoLibreClient:
    async def token() -> str:
        return "APP_USR-123456-030514-abcdef-1108966308"

    async def account() -> Account:  # as stored when the seller connected
        return Account(user_id="1108966308", site_id="MLA")

    return MercadoLibreClient(
        session, token_provider=token, sleep=sleeps, draw=lambda: 0.5, account=account,
        **options)


def sent(mocked: aioresponses, method: str, url: str) -> list[Any]:
    return mocked.requests.get((method, URL(url)), [])


async def test_publish_predicts_category_fills_attributes_and_posts_description(
    session: aiohttp.ClientSession,
) -> None:
    ml = client(session, Sleeps())
    assert isinstance(ml, Marketplace)
    with aioresponses() as mocked:
        mocked.get(DISCOVERY, payload=PREDICTION)
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)
        mocked.post(f"{ITEMS}/MLA1136716168/description", status=201, payload=DESCRIPTION_SAVED)

        result = await ml.publish(listing())

        discovery = next(key for key in mocked.requests if key[1].path.endswith("/search"))
        assert discovery[1].query["q"] == "Bicicleta Trek Marlin 5 Rodado 29"
        assert discovery[1].query["limit"] == "1"
        created = sent(mocked, "POST", ITEMS)
        description = sent(mocked, "POST", f"{ITEMS}/MLA1136716168/description")

    assert result.external_id == "MLA1136716168"
    assert result.permalink == CREATED_ITEM["permalink"]
    assert result.status == "active"
    assert len(created) == 1
    body = created[0].kwargs["json"]
    assert body == {
        "title": "Bicicleta Trek Marlin 5 Rodado 29",
        "category_id": "MLA1292",
        "price": 350000,
        "currency_id": "ARS",
        "available_quantity": 1,
        "buying_mode": "buy_it_now",
        "listing_type_id": "gold_special",
        "condition": "used",
        "pictures": [{"source": "https://cdn.example.org/bici-1.jpg"}],
        # BRAND comes from the prediction, the others from the seller; Color is not in the
        # category and the read-only condition attribute is never sent.
        "attributes": [
            {"id": "BRAND", "value_name": "Trek"},
            {"id": "MODEL", "value_name": "Marlin 5"},
            {"id": "BICYCLE_TYPE", "value_name": "Montaña"},
        ],
    }
    assert created[0].kwargs["headers"]["Authorization"] == (
        "Bearer APP_USR-123456-030514-abcdef-1108966308"
    )
    assert description[0].kwargs["json"] == {
        "plain_text": "Bicicleta en excelente estado, poco uso, service al día."
    }


async def test_seller_attribute_wins_over_prediction_and_bytes_pictures_are_uploaded(
    session: aiohttp.ClientSession,
) -> None:
    ml = client(session, Sleeps())
    uploaded = {
        "id": "959699-MLA43299127002_092020",
        "max_size": "994x1020",
        "dominant_color": None,
        "variations": [
            {
                "size": "994x1020",
                "url": "http://http2.mlstatic.com/D_NQ_NP_959699-MLA43299127002_092020-F.jpg",
                "secure_url": "https://http2.mlstatic.com/D_NQ_NP_959699-MLA43299127002_092020-F.jpg",
            }
        ],
    }
    with aioresponses() as mocked:
        mocked.get(DISCOVERY, payload=PREDICTION)
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(f"{API}/pictures/items/upload", status=201, payload=uploaded)
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)
        mocked.post(f"{ITEMS}/MLA1136716168/description", status=201, payload=DESCRIPTION_SAVED)

        await ml.publish(
            listing(
                attributes={**COMPLETE_ATTRIBUTES, "BRAND": "Trek Bikes"},
                pictures=[b"\xff\xd8\xff\xe0 jpeg bytes", "https://cdn.example.org/b.jpg"],
            )
        )
        upload = sent(mocked, "POST", f"{API}/pictures/items/upload")
        body = sent(mocked, "POST", ITEMS)[0].kwargs["json"]

    assert isinstance(upload[0].kwargs["data"], aiohttp.FormData)
    assert body["pictures"] == [
        {"id": "959699-MLA43299127002_092020"},
        {"source": "https://cdn.example.org/b.jpg"},
    ]
    assert {"id": "BRAND", "value_name": "Trek Bikes"} in body["attributes"]


async def test_missing_required_attributes_are_named_and_nothing_is_created(
    session: aiohttp.ClientSession,
) -> None:
    ml = client(session, Sleeps())
    with aioresponses() as mocked:
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        with pytest.raises(MissingRequiredAttributes) as raised:
            await ml.publish(listing(category_id="MLA1292", attributes={"Marca": "Trek"}))
        assert sent(mocked, "POST", ITEMS) == []

    # "Tipo de bicicleta" is tagged catalog_required only: it binds catalog listings, not this one
    assert raised.value.missing == ["Modelo"]
    assert "Modelo" in raised.value.reason and "Tipo de bicicleta" not in raised.value.reason
    assert raised.value.retryable is False


async def test_invalid_category_becomes_a_seller_readable_reason_without_retry(
    session: aiohttp.ClientSession,
) -> None:
    sleeps = Sleeps()
    ml = client(session, sleeps)
    rejection = {
        "message": "Validation error",
        "error": "validation_error",
        "status": 400,
        "cause": [
            {
                "department": "structured-data",
                "cause_id": 1212,
                "type": "warning",
                "code": "normalize.item.attribute.values",
                "references": ["item.attributes"],
                "message": "Attribute [MODEL] to be modified",
            },
            {
                "department": "items",
                "cause_id": 147,
                "type": "error",
                "code": "item.category_id.invalid",
                "references": ["item.category_id"],
                "message": "Category MLA1292 is not a leaf category",
            },
        ],
    }
    with aioresponses() as mocked:
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(ITEMS, status=400, payload=rejection)
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)  # must never be reached
        with pytest.raises(MarketplaceError) as raised:
            await ml.publish(listing(category_id="MLA1292", attributes=COMPLETE_ATTRIBUTES))
        assert len(sent(mocked, "POST", ITEMS)) == 1

    error = raised.value
    assert error.code == "item.category_id.invalid"
    assert error.reason.startswith("MercadoLibre rejected the category MLA1292")
    assert "{" not in error.reason
    assert (error.status, error.retryable) == (400, False)
    assert sleeps.delays == []


async def test_invalid_fields_are_listed_in_the_reason(session: aiohttp.ClientSession) -> None:
    ml = client(session, Sleeps())
    rejection = {
        "message": "body.invalid_fields",
        "error": "The body does not contains some or none of the following properties "
        "[tittle, pictures_x]",
        "status": 400,
        "cause": [],
    }
    with aioresponses() as mocked:
        mocked.get(DISCOVERY, payload=PREDICTION)
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(ITEMS, status=400, payload=rejection)
        with pytest.raises(MarketplaceError) as raised:
            await ml.publish(listing())

    assert raised.value.code == "body.invalid_fields"
    assert raised.value.reason == (
        "MercadoLibre rejected these fields of the listing: tittle, pictures_x."
    )


async def test_429_is_retried_after_the_time_mercadolibre_asks(
    session: aiohttp.ClientSession,
) -> None:
    sleeps = Sleeps()
    ml = client(session, sleeps)
    too_many = {"message": "Too Many Requests", "error": "too_many_requests", "status": 429}
    with aioresponses() as mocked:
        mocked.get(DISCOVERY, status=429, payload=too_many)  # no Retry-After: backoff
        mocked.get(DISCOVERY, payload=PREDICTION)
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(ITEMS, status=429, payload=too_many, headers={"Retry-After": "2"})
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)
        mocked.post(f"{ITEMS}/MLA1136716168/description", status=201, payload=DESCRIPTION_SAVED)

        result = await ml.publish(listing())
        assert len(sent(mocked, "POST", ITEMS)) == 2

    assert result.external_id == "MLA1136716168"
    # Full jitter with draw()=0.5 on base 0.5 for the first retry; then Retry-After as given.
    assert sleeps.delays == [0.25, 2.0]


async def test_server_errors_exhaust_retries_with_growing_backoff(
    session: aiohttp.ClientSession,
) -> None:
    sleeps = Sleeps()
    ml = client(session, sleeps, max_retries=2)
    outage = {"message": "Internal server error", "error": "internal_error", "status": 500}
    with aioresponses() as mocked:
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        for _ in range(3):
            mocked.post(ITEMS, status=500, payload=outage)
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)  # one try too many: never reached
        with pytest.raises(MarketplaceError) as raised:
            await ml.publish(listing(category_id="MLA1292", attributes=COMPLETE_ATTRIBUTES))
        assert len(sent(mocked, "POST", ITEMS)) == 3

    error = raised.value
    assert (error.status, error.retryable) == (500, True)
    assert error.reason == "MercadoLibre is not responding properly right now: try again later."
    assert sleeps.delays == [0.25, 0.5]


async def test_refused_description_reports_the_item_that_exists(
    session: aiohttp.ClientSession,
) -> None:
    ml = client(session, Sleeps())
    refusal = {
        "message": "Validation error",
        "error": "validation_error",
        "status": 400,
        "cause": [
            {
                "type": "error",
                "code": "item.description.max",
                "message": "Description has more than 50000 characters",
            }
        ],
    }
    with aioresponses() as mocked:
        mocked.get(DISCOVERY, payload=PREDICTION)
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)
        mocked.post(f"{ITEMS}/MLA1136716168/description", status=400, payload=refusal)
        with pytest.raises(DescriptionNotSaved) as raised:
            await ml.publish(listing())

    assert raised.value.item_id == "MLA1136716168"
    assert raised.value.permalink == CREATED_ITEM["permalink"]
    assert "Description has more than 50000 characters" in raised.value.reason


async def test_prices_with_more_than_two_decimals_are_refused_before_sending(
    session: aiohttp.ClientSession,
) -> None:
    ml = client(session, Sleeps())
    with aioresponses() as mocked:
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        with pytest.raises(MarketplaceError) as raised:
            await ml.publish(
                listing(
                    category_id="MLA1292",
                    price=Decimal("10.005"),
                    attributes=COMPLETE_ATTRIBUTES,
                )
            )
        assert sent(mocked, "POST", ITEMS) == []
    assert raised.value.code == "item.price.invalid"
