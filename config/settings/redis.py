"""Redis settings: the server, the key prefix, locks and the rate limiter."""

from __future__ import annotations

from pathlib import Path
from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from config.settings.base import ConcernSettings, env_config, optional_secret


class RedisSettings(ConcernSettings):
    """Redis. No `REDIS_URL` means: start the embedded server."""

    model_config = env_config("REDIS_")
    yaml_section: ClassVar[str] = "redis"

    url: SecretStr | None = None
    key_prefix: str = "marketbot:"
    embedded_dir: Path = Path(".data/redis")
    lock_timeout_seconds: float = Field(default=30.0, gt=0)
    # What the rate limiter does when Redis cannot be reached: let traffic through or refuse it.
    unavailable_policy: Literal["allow", "deny"] = "allow"
    rate_limit_per_actor: int = Field(default=20, ge=1)
    rate_limit_global: int = Field(default=6000, ge=1)  # 100 msg/s for the whole bot
    rate_limit_window_seconds: float = Field(default=60.0, gt=0)

    @field_validator("url", mode="before")
    @classmethod
    def _check_url(cls, value: Any) -> Any:
        raw = optional_secret(value)
        if raw is None:
            return None
        if not raw.startswith(("redis://", "rediss://", "unix://")):
            raise ValueError("must start with redis://, rediss:// or unix://")
        return raw
