"""Logging settings (config/logging.py sets structlog up with them)."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

from pydantic import field_validator

from config.settings.base import ConcernSettings, env_config


class LoggingSettings(ConcernSettings):
    """Logs: JSON lines in production, a readable console in development."""

    model_config = env_config("LOG_")
    yaml_section: ClassVar[str] = "logging"

    level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    format: Literal["json", "console"] = "console"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value
