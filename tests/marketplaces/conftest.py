"""Fixtures: MercadoLibre configured, marketplace services on the test transaction, mocked HTTP.

`world` installs its registry for publishing and puts the catalog-only one back afterwards.
`mocked` intercepts every aiohttp request except those to this machine (the test web server).
`local_ml` is the local MercadoLibre API (integrations.mercadolibre_local) over real HTTP, and
`ml_world` a world whose client talks to it: the fake refuses what MercadoLibre refuses.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from config.settings import Settings
from integrations.marketplaces import MarketplaceRegistry, install_registry
from integrations.mercadolibre_local import LocalMercadoLibre
from tests.marketplaces.ml_api import (
    ML_USER_ID,
    Clock,
    MarketplaceWorld,
    make_world,
    with_mercadolibre,
)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def ml_settings(settings: Settings) -> Settings:
    return with_mercadolibre(settings)


@pytest.fixture
async def world(session_factory, ml_settings, clock, redis_client, redis_prefix
                ) -> AsyncIterator[MarketplaceWorld]:
    built = await make_world(session_factory, ml_settings, clock, redis_client, redis_prefix)
    install_registry(built.services.registry)
    yield built
    install_registry(MarketplaceRegistry())
    await built.services.close()


@pytest.fixture
def mocked() -> Iterator[aioresponses]:
    with aioresponses(passthrough=["http://127.0.0.1", "http://localhost"]) as mock:
        yield mock


@pytest.fixture
async def local_ml() -> AsyncIterator[LocalMercadoLibre]:
    server = LocalMercadoLibre()
    await server.start()
    # the account `MarketplaceWorld.seller()` stores tokens for
    server.add_user(ML_USER_ID, site_id="MLA", token="APP_USR-access-1")
    yield server
    await server.stop()


@pytest.fixture
async def ml_world(session_factory, ml_settings, clock, redis_client, redis_prefix, local_ml
                   ) -> AsyncIterator[MarketplaceWorld]:
    marketplaces = ml_settings.marketplaces.model_copy(update={"api_base_url": local_ml.url})
    settings = ml_settings.model_copy(update={"marketplaces": marketplaces})
    built = await make_world(session_factory, settings, clock, redis_client, redis_prefix)
    install_registry(built.services.registry)
    yield built
    install_registry(MarketplaceRegistry())
    await built.services.close()
