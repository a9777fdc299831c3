"""A local MercadoLibre API that enforces MercadoLibre's rules, for tests and development.

Like the local Bot API server for Telegram: the real client talks to it over real HTTP
(`MERCADOLIBRE_API_BASE_URL=http://127.0.0.1:PORT`), and a payload the real API would refuse is
refused here with MercadoLibre's error shape. Modules: `world` (accounts, categories, items,
questions: the state), `item_rules` (what `POST /items` accepts, per site and seller),
`server` (the routes), `__main__` (`python -m integrations.mercadolibre_local --port PORT`).
"""

from integrations.mercadolibre_local.server import LocalMercadoLibre
from integrations.mercadolibre_local.world import Category, MlUser

__all__ = ["Category", "LocalMercadoLibre", "MlUser"]
