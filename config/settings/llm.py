"""Settings of the model behind the agent (Gemini or the offline model)."""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, SecretStr, field_validator

from config.settings.base import ConcernSettings, env_config


class LLMSettings(ConcernSettings):
    """The model behind the agent. No `GOOGLE_API_KEY` means: the offline model."""

    model_config = env_config("LLM_")
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
