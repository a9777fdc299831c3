"""From a PublishRequest and a category's attribute list to the JSON of `POST /items`.

Pure functions (no HTTP) so the rules are tested directly: which attributes a category requires,
how the seller's attribute names match MercadoLibre's ids, and how prices are written.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from integrations.marketplace import MarketplaceError, PublishRequest
from integrations.mercadolibre.errors import MissingRequiredAttributes

LISTING_TYPE_ID = "gold_special"
BUYING_MODE = "buy_it_now"


@dataclass(frozen=True)
class CategoryPrediction:
    """One answer of `GET /sites/{site}/domain_discovery/search`."""

    domain_id: str
    domain_name: str
    category_id: str
    category_name: str
    attributes: dict[str, str]  # attribute id -> value name MercadoLibre read from the title


@dataclass(frozen=True)
class CategoryAttribute:
    """One entry of `GET /categories/{id}/attributes`."""

    id: str
    name: str
    required: bool
    read_only: bool


def parse_prediction(entry: Mapping[str, Any]) -> CategoryPrediction:
    attributes = {
        str(a["id"]): str(a["value_name"])
        for a in entry.get("attributes") or []
        if a.get("id") and a.get("value_name")
    }
    return CategoryPrediction(
        domain_id=str(entry.get("domain_id") or ""),
        domain_name=str(entry.get("domain_name") or ""),
        category_id=str(entry["category_id"]),
        category_name=str(entry.get("category_name") or ""),
        attributes=attributes,
    )


def parse_category_attributes(entries: Sequence[Mapping[str, Any]]) -> list[CategoryAttribute]:
    """Required means `tags.required`. `tags.catalog_required` binds catalog listings only
    (those tied to a catalog product), which this service does not create, so it does not
    block a listing: its value is still sent when the seller gave one."""
    parsed = []
    for entry in entries:
        tags = entry.get("tags") or {}
        parsed.append(
            CategoryAttribute(
                id=str(entry["id"]),
                name=str(entry.get("name") or entry["id"]),
                required=bool(tags.get("required")),
                read_only=bool(tags.get("read_only")),
            )
        )
    return parsed


def _normalised(key: str) -> str:
    return " ".join(key.replace("_", " ").split()).casefold()


def fill_attributes(
    category_id: str,
    category_attributes: Sequence[CategoryAttribute],
    listing_attributes: Mapping[str, str],
    predicted: Mapping[str, str] | None = None,
) -> list[dict[str, str]]:
    """The `attributes` array for the item, or MissingRequiredAttributes naming what is missing.

    The seller's keys match an attribute's id ("BRAND") or its name ("Marca"), ignoring case,
    spaces and underscores. A value MercadoLibre predicted from the title fills a gap the seller
    left; the seller's own value always wins. Keys the category does not know are dropped.
    """
    given = {_normalised(k): str(v).strip() for k, v in listing_attributes.items()}
    given = {k: v for k, v in given.items() if v}
    predicted = predicted or {}
    filled: list[dict[str, str]] = []
    missing: list[str] = []
    for attribute in category_attributes:
        if attribute.read_only:
            continue
        value = (
            given.get(_normalised(attribute.id))
            or given.get(_normalised(attribute.name))
            or (predicted.get(attribute.id) or "").strip()
        )
        if value:
            filled.append({"id": attribute.id, "value_name": value})
        elif attribute.required:
            missing.append(attribute.name)
    if missing:
        raise MissingRequiredAttributes(category_id, missing)
    return filled


def price_json(price: Decimal) -> int | float:
    """A JSON number for a price; MercadoLibre takes at most two decimals."""
    if price <= 0:
        raise MarketplaceError("The price must be greater than zero.", code="item.price.invalid")
    quantized = price.quantize(Decimal("0.01"))
    if quantized != price:
        raise MarketplaceError(
            "The price can have at most two decimals.", code="item.price.invalid"
        )
    if quantized == quantized.to_integral_value():
        return int(quantized)
    return float(quantized)


SKU_ATTRIBUTE = "SELLER_SKU"


@dataclass(frozen=True)
class ItemTerms:
    """What the account and its site decide about an item: the price and currency the site
    takes, whether the seller lists User Products (`family_name`, no `title`), and the SKU that
    finds the item again after a retried publish."""

    price: Decimal
    currency: str
    user_products: bool = False
    sku: str | None = None


def item_body(
    listing: PublishRequest,
    *,
    category_id: str,
    attributes: list[dict[str, str]],
    pictures: list[dict[str, str]],
    terms: ItemTerms | None = None,
) -> dict[str, Any]:
    """The JSON of `POST /items`; the description goes separately, after the item exists."""
    if listing.quantity < 1:
        raise MarketplaceError(
            "The quantity must be at least one.", code="item.available_quantity.invalid"
        )
    terms = terms or ItemTerms(listing.price, listing.currency)
    if terms.sku:
        attributes = [a for a in attributes if a["id"] != SKU_ATTRIBUTE]
        attributes = [*attributes, {"id": SKU_ATTRIBUTE, "value_name": terms.sku}]
    # User Products sellers name the family; MercadoLibre builds the title itself.
    naming = {"family_name": listing.title} if terms.user_products else {"title": listing.title}
    return {
        **naming,
        "category_id": category_id,
        "price": price_json(terms.price),
        "currency_id": terms.currency,
        "available_quantity": listing.quantity,
        "buying_mode": BUYING_MODE,
        "listing_type_id": LISTING_TYPE_ID,
        "condition": listing.condition,
        "pictures": pictures,
        "attributes": attributes,
    }
