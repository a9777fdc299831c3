"""Fixtures: MercadoLibre configured, marketplace services on the test transaction, mocked HTTP.

`world` installs its registry for publishing and puts the catalog-only one back afterwards.
`mocked` intercepts every aiohttp request except those to this machine (the test web server).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest
from aioresponses import aioresponses

from config.settings import Settings
from integrations.marketplaces import MarketplaceRegistry, install_registry
from tests.marketplaces.ml_api import Clock, MarketplaceWorld, make_world, with_mercadolibre


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
