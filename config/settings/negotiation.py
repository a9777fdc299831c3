"""Defaults of the negotiation policy."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field

from config.settings.base import ConcernSettings, env_config


class NegotiationSettings(ConcernSettings):
    """Defaults for the negotiation policy; each seller may override them."""

    model_config = env_config("NEGOTIATION_")
    yaml_section: ClassVar[str] = "negotiation"

    floor_ratio: Decimal = Field(default=Decimal("0.85"), gt=0, le=1)
    lowball_ratio: Decimal = Field(default=Decimal("0.5"), ge=0, lt=1)
    max_rounds: int = Field(default=3, ge=1, le=20)
    rounding: Decimal = Field(default=Decimal("5"), gt=0)
    reservation_minutes: int = Field(default=24 * 60, ge=1)
