"""PostgreSQL settings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlsplit

from pydantic import Field, SecretStr, field_validator

from config.settings.base import ConcernSettings, env_config, optional_secret


class DatabaseSettings(ConcernSettings):
    """PostgreSQL. No `DATABASE_URL` means: start the embedded server."""

    model_config = env_config("DATABASE_")
    yaml_section: ClassVar[str] = "database"

    url: SecretStr | None = None
    name: str = "marketbot"
    embedded_dir: Path = Path(".data/postgres")
    pool_size: int = Field(default=10, ge=1, le=200)
    echo: bool = False

    @field_validator("url", mode="before")
    @classmethod
    def _check_url(cls, value: Any) -> Any:
        raw = optional_secret(value)
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
