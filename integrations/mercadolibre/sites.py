"""MercadoLibre's sites: which currencies each takes and where its sellers sign in.

A seller's account belongs to one site (`/users/me` → `site_id`); listings go to that site,
priced in a currency it accepts, and the seller authorises on that site's auth host. Pure data
and functions (no HTTP), so the rules are tested directly. The currencies are those of
`GET /sites/{id}` (`currencies`); the first is the site's default.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from integrations.marketplace import MarketplaceError


@dataclass(frozen=True)
class Site:
    id: str
    country: str
    currencies: tuple[str, ...]  # the default first
    auth_host: str
    whole_units: bool = False  # prices without cents (ARS, CLP, COP, ...)

    @property
    def default_currency(self) -> str:
        return self.currencies[0]


SITES: dict[str, Site] = {site.id: site for site in (
    Site("MLA", "Argentina", ("ARS", "USD"), "https://auth.mercadolibre.com.ar", True),
    Site("MLB", "Brasil", ("BRL",), "https://auth.mercadolivre.com.br"),
    Site("MLM", "México", ("MXN", "USD"), "https://auth.mercadolibre.com.mx"),
    Site("MLC", "Chile", ("CLP",), "https://auth.mercadolibre.cl", True),
    Site("MCO", "Colombia", ("COP",), "https://auth.mercadolibre.com.co", True),
    Site("MLU", "Uruguay", ("UYU", "USD"), "https://auth.mercadolibre.com.uy"),
    Site("MPE", "Perú", ("PEN", "USD"), "https://auth.mercadolibre.com.pe"),
    Site("MEC", "Ecuador", ("USD",), "https://auth.mercadolibre.com.ec"),
    Site("MLV", "Venezuela", ("VES", "USD"), "https://auth.mercadolibre.com.ve"),
)}


def site(site_id: str | None) -> Site:
    """The site named by an account; an unknown id is refused with a sentence."""
    found = SITES.get((site_id or "").upper())
    if found is None:
        raise MarketplaceError(
            f"MercadoLibre site {site_id!r} is not supported here "
            f"(supported: {', '.join(sorted(SITES))}).", code="site.unsupported")
    return found


def rates_of(setting: Mapping[str, Decimal]) -> dict[tuple[str, str], Decimal]:
    """The `currency_rates` setting ({"EUR:ARS": 1100}, checked by the settings) by pair."""
    pairs: dict[tuple[str, str], Decimal] = {}
    for pair, rate in setting.items():
        source, target = pair.upper().split(":")
        pairs[(source, target)] = rate
    return pairs


def price_for_site(price: Decimal, currency: str, target: Site,
                   rates: Mapping[tuple[str, str], Decimal]) -> tuple[Decimal, str]:
    """The price and currency to send to `target`: as they are when the site takes the
    currency, converted at a configured rate to the site's default otherwise, else refused."""
    currency = (currency or "").upper()
    if currency in target.currencies:
        return price, currency
    rate = rates.get((currency, target.default_currency))
    if rate is None:
        raise MarketplaceError(
            f"MercadoLibre {target.country} ({target.id}) takes prices in "
            f"{' or '.join(target.currencies)}, and this product is priced in {currency}: "
            f"set the price in {target.default_currency} to publish it there.",
            code="item.currency_id.unsupported")
    step = Decimal("1") if target.whole_units else Decimal("0.01")
    return (price * rate).quantize(step, rounding=ROUND_HALF_UP), target.default_currency
