"""Settings, one class per concern: environment over `config/config.yaml` over defaults.

`load_settings()` is the single entry point; a bad value stops start-up with one line that
names the key and what is wrong (`SettingsError`).

One module per concern (`database`, `redis`, `telegram`, `llm`, `negotiation`, `marketplaces`,
`scheduler`, `logging`) on `base`'s shared sources; `loading` puts them together. The names
are re-exported here, where the project imports them from. Imports nothing of the project but
config.
"""

from config.settings.base import (
    DEFAULT_CONFIG_FILE,
    PROJECT_ROOT,
    ConcernSettings,
    SettingsError,
    config_file,
)
from config.settings.database import DatabaseSettings, to_asyncpg_url
from config.settings.llm import LLMSettings
from config.settings.loading import Settings, load_settings
from config.settings.logging import LoggingSettings
from config.settings.marketplaces import MarketplaceSettings
from config.settings.negotiation import NegotiationSettings
from config.settings.redis import RedisSettings
from config.settings.scheduler import SchedulerSettings
from config.settings.telegram import TelegramSettings

__all__ = [
    "DEFAULT_CONFIG_FILE",
    "PROJECT_ROOT",
    "ConcernSettings",
    "DatabaseSettings",
    "LLMSettings",
    "LoggingSettings",
    "MarketplaceSettings",
    "NegotiationSettings",
    "RedisSettings",
    "SchedulerSettings",
    "Settings",
    "SettingsError",
    "TelegramSettings",
    "config_file",
    "load_settings",
    "to_asyncpg_url",
]
