"""What every concern's settings class shares: the YAML file under the environment, the
`.env` file, and the one-line `SettingsError`. Imports nothing of the project."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar

import yaml
from pydantic import SecretStr
from pydantic_settings import (
    BaseSettings,
    InitSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "config.yaml"


def config_file() -> Path:
    """The YAML file in force: `MARKETBOT_CONFIG` or `config/config.yaml`."""
    return Path(os.environ.get("MARKETBOT_CONFIG", DEFAULT_CONFIG_FILE))


def optional_secret(value: Any) -> str | None:
    """The raw text of an optional secret setting; empty reads as unset."""
    if value in (None, ""):
        return None
    return value.get_secret_value() if isinstance(value, SecretStr) else str(value)


class SettingsError(Exception):
    """A configuration value is missing or wrong; the message is one line for the operator."""


class ConcernSettings(BaseSettings):
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


def env_config(prefix: str) -> SettingsConfigDict:
    return SettingsConfigDict(
        env_prefix=prefix, env_file=".env", extra="ignore", case_sensitive=False
    )
