"""Marketplace settings: MercadoLibre's application, hosts, currency rates and the keys that
encrypt stored credentials."""

from __future__ import annotations

from decimal import Decimal
from typing import ClassVar

from pydantic import Field, SecretStr, field_validator

from config.settings.base import ConcernSettings, env_config


class MarketplaceSettings(ConcernSettings):
    """Marketplaces: the built-in catalog and MercadoLibre."""

    model_config = env_config("MERCADOLIBRE_")
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
