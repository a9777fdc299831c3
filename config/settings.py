"""Settings, one class per concern: environment over `config/config.yaml` over defaults.

`load_settings()` is the single entry point; a bad value stops start-up with one line that
names the key and what is wrong (`SettingsError`).
"""

from __future__ import annotations

import os
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar, Literal
from urllib.parse import parse_qs, urlsplit

import yaml
from pydantic import BaseModel, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "config.yaml"


def config_file() -> Path:
    """The YAML file in force: `MARKETBOT_CONFIG` or `config/config.yaml`."""
    return Path(os.environ.get("MARKETBOT_CONFIG", DEFAULT_CONFIG_FILE))


def _optional_secret(value: Any) -> str | None:
    """The raw text of an optional secret setting; empty reads as unset."""
    if value in (None, ""):
        return None
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


class SettingsError(Exception):
    """A configuration value is missing or wrong; the message is one line for the operator."""


class _ConcernSettings(BaseSettings):
    """Base for one concern: reads its own section of the YAML file below the environment."""

    yaml_section: ClassVar[str] = ""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        yaml_source = InitSettingsSource(settings_cls, init_kwargs=_yaml_section(cls.yaml_section))
        return (init_settings, env_settings, dotenv_settings, yaml_source)


def _yaml_section(section: str) -> dict[str, Any]:
    """One top-level mapping of the YAML file; a missing file or section reads as empty."""
    path = config_file()
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict):
        raise TypeError("the file must hold a mapping of sections")
    value = data.get(section) or {}
    if not isinstance(value, dict):
        raise TypeError(f"section {section!r} must be a mapping")
    return value


def _env(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", extra="ignore", case_sensitive=False
    )


class DatabaseSettings(_ConcernSettings):
    """PostgreSQL. No `DATABASE_URL` means: start the embedded server."""

    model_config = _env("DATABASE_")
    yaml_section: ClassVar[str] = "database"

    url: SecretStr | None = None
    name: str = "marketbot"
    embedded_dir: Path = Path(".data/postgres")
    pool_size: int = Field(default=10, ge=1, le=200)
    echo: bool = False

    @field_validator("url", mode="before")
    @classmethod
    def _check_url(cls, value: Any) -> Any:
        raw = _optional_secret(value)
        if raw is None:
            return None
        if not raw.startswith(("postgresql://", "postgresql+asyncpg://", "postgres://")):
            raise ValueError("must start with postgresql:// or postgresql+asyncpg://")
        parts = urlsplit(raw)
        if not parts.hostname and "host" not in parse_qs(parts.query):
            raise ValueError("needs a host, or ?host=/socket/dir for a unix socket")
        return raw

    def async_url(self) -> str | None:
        """The URL in the form the async engine needs (`postgresql+asyncpg://`)."""
        if self.url is None:
            return None
        return to_asyncpg_url(self.url.get_secret_value())


def to_asyncpg_url(url: str) -> str:
    """`postgresql://…` or `postgres://…` → `postgresql+asyncpg://…`, the rest untouched."""
    for scheme in ("postgresql+asyncpg://", "postgresql://", "postgres://"):
        if url.startswith(scheme):
            return "postgresql+asyncpg://" + url[len(scheme) :]
    raise ValueError(f"not a PostgreSQL URL: {url.split('://')[0]}://…")


class RedisSettings(_ConcernSettings):
    """Redis. No `REDIS_URL` means: start the embedded server."""

    model_config = _env("REDIS_")
    yaml_section: ClassVar[str] = "redis"

    url: SecretStr | None = None
    key_prefix: str = "marketbot:"
    embedded_dir: Path = Path(".data/redis")
    session_ttl_seconds: int = Field(default=24 * 3600, ge=60)
    lock_timeout_seconds: float = Field(default=30.0, gt=0)
    # What the rate limiter does when Redis cannot be reached: let traffic through or refuse it.
    unavailable_policy: Literal["allow", "deny"] = "allow"
    rate_limit_per_actor: int = Field(default=20, ge=1)
    rate_limit_global: int = Field(default=6000, ge=1)  # 100 msg/s for the whole bot
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)

    @field_validator("url", mode="before")
    @classmethod
    def _check_url(cls, value: Any) -> Any:
        raw = _optional_secret(value)
        if raw is None:
            return None
        if not raw.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return raw


class TelegramSettings(_ConcernSettings):
    """Telegram. No `TELEGRAM_BOT_TOKEN` means: poll the local Bot API server."""

    model_config = _env("TELEGRAM_")
    yaml_section: ClassVar[str] = "telegram"

    bot_token: SecretStr | None = None
    api_base_url: str | None = None
    mode: Literal["polling", "webhook"] = "polling"
    webhook_url: str | None = None
    webhook_secret: SecretStr | None = None
    webhook_host: str = "127.0.0.1"
    webhook_port: int = Field(default=8081, ge=1, le=65535)
    local_api_host: str = "127.0.0.1"
    local_api_port: int = Field(default=8088, ge=0, le=65535)
    default_language: Literal["es", "en"] = "es"

    @field_validator("bot_token", mode="before")
    @classmethod
    def _check_token(cls, value: Any) -> Any:
        raw = _optional_secret(value)
        if raw is None:
            return None
        head, _, tail = raw.partition(":")
        if not head.isdigit() or len(tail) < 20:
            raise ValueError("is not a bot token (expected <digits>:<35 characters>)")
        return raw


class LLMSettings(_ConcernSettings):
    """The model behind the agent. No `GOOGLE_API_KEY` means: the offline model."""

    model_config = _env("LLM_")
    yaml_section: ClassVar[str] = "llm"

    provider: Literal["auto", "gemini", "offline", "scripted"] = "auto"
    google_api_key: SecretStr | None = Field(
        default=None, validation_alias="GOOGLE_API_KEY"
    )
    gemini_model: str = "gemini-2.5-flash"
    # Another Gemini endpoint, such as the local double (python -m integrations.gemini_local).
    gemini_base_url: str | None = Field(default=None, validation_alias="GEMINI_BASE_URL")
    timeout_seconds: float = Field(default=10.0, gt=0)
    max_retries: int = Field(default=2, ge=0, le=10)
    # A turn waits this long for the hosted model at most; then the offline model answers.
    turn_budget_seconds: float = Field(default=10.0, gt=0, le=300)
    # Gemini 2.5 thinking tokens per call: 0 off (chat), -1 dynamic.
    thinking_budget: int = Field(default=0, ge=-1, le=32768)
    input_usd_per_million: float = Field(default=0.30, ge=0)
    output_usd_per_million: float = Field(default=2.50, ge=0)
    max_model_calls_per_turn: int = Field(default=6, ge=1, le=50)
    history_window: int = Field(default=12, ge=2, le=200)
    temperature: float = Field(default=0.2, ge=0, le=2)

    @field_validator("gemini_base_url")
    @classmethod
    def _base_url(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            return None
        if value is not None and not value.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return value.rstrip("/") if value else value

    def resolved_provider(self) -> str:
        if self.provider != "auto":
            return self.provider
        return "gemini" if self.google_api_key else "offline"


class NegotiationSettings(_ConcernSettings):
    """Defaults for the negotiation policy; each seller may override them."""

    model_config = _env("NEGOTIATION_")
    yaml_section: ClassVar[str] = "negotiation"

    floor_ratio: Decimal = Field(default=Decimal("0.85"), gt=0, le=1)
    lowball_ratio: Decimal = Field(default=Decimal("0.5"), ge=0, lt=1)
    max_rounds: int = Field(default=3, ge=1, le=20)
    rounding: Decimal = Field(default=Decimal("5"), gt=0)
    reservation_minutes: int = Field(default=24 * 60, ge=1)


class MarketplaceSettings(_ConcernSettings):
    """Marketplaces: the built-in catalog and MercadoLibre."""

    model_config = _env("MERCADOLIBRE_")
    yaml_section: ClassVar[str] = "marketplaces"

    client_id: str | None = None
    client_secret: SecretStr | None = None
    redirect_uri: str | None = None
    site_id: str = "MLA"
    api_base_url: str = "https://api.mercadolibre.com"
    auth_base_url: str = "https://auth.mercadolibre.com.ar"
    # Rates for publishing a product priced in a currency the seller's site does not take,
    # "FROM:TO" -> rate, e.g. {"EUR:ARS": 1100}; without one such a product is refused clearly.
    currency_rates: dict[str, Decimal] = Field(default_factory=dict)
    # Fernet keys (comma separated, newest first) that encrypt stored credentials.
    credentials_keys: SecretStr | None = Field(
        default=None, validation_alias="CREDENTIALS_ENCRYPTION_KEYS"
    )


    @field_validator("currency_rates")
    @classmethod
    def _check_rates(cls, value: dict[str, Decimal]) -> dict[str, Decimal]:
        for pair, rate in value.items():
            codes = pair.split(":")
            if len(codes) != 2 or not all(len(c) == 3 and c.isalpha() for c in codes):
                raise ValueError(f"{pair!r} is not FROM:TO with two currency codes (EUR:ARS)")
            if not rate.is_finite() or rate <= 0:
                raise ValueError(f"the rate for {pair} must be a positive number")
        return {pair.upper(): rate for pair, rate in value.items()}


class SchedulerSettings(_ConcernSettings):
    """Intervals of the scheduled jobs, in minutes."""

    model_config = _env("SCHEDULER_")
    yaml_section: ClassVar[str] = "scheduler"

    enabled: bool = True
    token_refresh_minutes: int = Field(default=15, ge=1)
    publication_sync_minutes: int = Field(default=30, ge=1)
    expiry_minutes: int = Field(default=5, ge=1)
    abandon_after_hours: int = Field(default=48, ge=1)
    session_cleanup_days: int = Field(default=7, ge=1)
    archive_after_days: int = Field(default=30, ge=1)
    digest_hour: int = Field(default=9, ge=0, le=23)
    question_poll_minutes: int = Field(default=10, ge=1)
    trust_score_minutes: int = Field(default=60, ge=1)
    maintenance_hour: int = Field(default=3, ge=0, le=23)


class LoggingSettings(_ConcernSettings):
    """Logs: JSON lines in production, a readable console in development."""

    model_config = _env("LOG_")
    yaml_section: ClassVar[str] = "logging"

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "console"] = "console"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


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


_CONCERNS: dict[str, type[_ConcernSettings]] = {
    "database": DatabaseSettings,
    "redis": RedisSettings,
    "telegram": TelegramSettings,
    "llm": LLMSettings,
    "negotiation": NegotiationSettings,
    "marketplaces": MarketplaceSettings,
    "scheduler": SchedulerSettings,
    "logging": LoggingSettings,
}


def _env_name(concern: type[_ConcernSettings], field: str) -> str:
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
