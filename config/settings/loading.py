"""`Settings` (every concern) and `load_settings`, which reads them and turns the first bad value
into one `SettingsError` line."""

from __future__ import annotations

from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from config.settings.base import ConcernSettings, SettingsError, config_file
from config.settings.database import DatabaseSettings
from config.settings.llm import LLMSettings
from config.settings.logging import LoggingSettings
from config.settings.marketplaces import MarketplaceSettings
from config.settings.negotiation import NegotiationSettings
from config.settings.redis import RedisSettings
from config.settings.scheduler import SchedulerSettings
from config.settings.telegram import TelegramSettings


class Settings(BaseModel):
    """Everything, by concern."""

    database: DatabaseSettings
    redis: RedisSettings
    telegram: TelegramSettings
    llm: LLMSettings
    negotiation: NegotiationSettings
    marketplaces: MarketplaceSettings
    scheduler: SchedulerSettings
    logging: LoggingSettings


_CONCERNS: dict[str, type[ConcernSettings]] = {
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "telegram": TelegramSettings,
    "llm": LLMSettings,
    "negotiation": NegotiationSettings,
    "marketplaces": MarketplaceSettings,
    "scheduler": SchedulerSettings,
    "logging": LoggingSettings,
}


def _env_name(concern: type[ConcernSettings], field: str) -> str:
    info = concern.model_fields.get(field)
    if info is not None and isinstance(info.validation_alias, str):
        return info.validation_alias
    return f"{concern.model_config.get('env_prefix', '')}{field}".upper()


def _yaml_problem(exc: yaml.YAMLError) -> str:
    """A YAML error in one line: what is wrong and where."""
    mark = getattr(exc, "problem_mark", None)
    problem = getattr(exc, "problem", None) or type(exc).__name__
    where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
    return f"invalid YAML{where}: {problem}"


def load_settings(**overrides: dict[str, Any]) -> Settings:
    """Read every concern; raise `SettingsError` naming the first bad key."""
    values: dict[str, Any] = {}
    for name, concern in _CONCERNS.items():
        try:
            values[name] = concern(**overrides.get(name, {}))
        except ValidationError as exc:
            error = exc.errors()[0]
            field = str(error["loc"][0]) if error["loc"] else "?"
            message = str(error["msg"]).removeprefix("Value error, ")
            raise SettingsError(
                f"config error: {_env_name(concern, field)} ({name}.{field} in "
                f"{config_file().name}): {message}"
            ) from None
        except yaml.YAMLError as exc:
            raise SettingsError(f"config error: {config_file()}: {_yaml_problem(exc)}") from None
        except (OSError, TypeError) as exc:  # unreadable file, or not a mapping of sections
            raise SettingsError(f"config error: {config_file()}: {exc}") from None
    return Settings(**values)
