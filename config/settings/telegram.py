"""Telegram settings: the bot token, polling or webhook, the local Bot API server."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from config.settings.base import ConcernSettings, env_config, optional_secret


class TelegramSettings(ConcernSettings):
    """Telegram. No `TELEGRAM_BOT_TOKEN` means: poll the local Bot API server."""

    model_config = env_config("TELEGRAM_")
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
        raw = optional_secret(value)
        if raw is None:
            return None
        head, _, tail = raw.partition(":")
        if not head.isdigit() or len(tail) < 20:
            raise ValueError("is not a bot token (expected <digits>:<35 characters>)")
        return raw
