"""What the local MercadoLibre accepts in `POST /items`, as MercadoLibre documents it.

Each rule returns causes in MercadoLibre's shape (`code`, `message`, `references`); an empty
list means the item is created. The rules that bite real integrations are here: the site's
currencies (USD only in some categories), the category belonging to the account's site, User
Products sellers naming a `family_name` and no `title`, required attributes (`tags.required`;
`catalog_required` binds catalog listings only), and the usual field checks.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from integrations.mercadolibre.sites import SITES
from integrations.mercadolibre_local.world import Category, MlUser

USER_PRODUCTS_TAG = "user_product_seller"
LISTING_TYPES = {"gold_special", "gold_pro", "free"}
CONDITIONS = {"new", "used", "not_specified"}


def cause(code: str, message: str, *references: str) -> dict[str, Any]:
    return {"department": "items", "cause_id": 0, "type": "error", "code": code,
            "references": list(references), "message": message}


def item_causes(body: Any, user: MlUser, categories: dict[str, Category]) -> list[dict[str, Any]]:
    if not isinstance(body, dict):
        return [cause("body.invalid", "The body must be a JSON object.")]
    causes: list[dict[str, Any]] = []
    category = categories.get(str(body.get("category_id") or ""))
    if category is None or not category.id.startswith(user.site_id):
        causes.append(cause("item.category_id.invalid",
                            f"Category {body.get('category_id')} does not exist on site "
                            f"{user.site_id}", "item.category_id"))
    causes += _naming(body, user)
    causes += _price(body, user, category)
    causes += _fields(body)
    if category is not None:
        causes += _attributes(body, category)
    return causes


def _naming(body: dict[str, Any], user: MlUser) -> list[dict[str, Any]]:
    title, family = body.get("title"), body.get("family_name")
    if USER_PRODUCTS_TAG in user.tags:
        found = []
        if title is not None:
            found.append(cause("item.title.not_modifiable",
                               "title is not allowed for User Products sellers: the title is "
                               "generated from family_name and attributes", "item.title"))
        if not isinstance(family, str) or not family.strip():
            found.append(cause("item.family_name.required",
                               "family_name is required for User Products sellers",
                               "item.family_name"))
        return found
    if family is not None:
        return [cause("item.family_name.invalid",
                      "family_name is only for User Products sellers", "item.family_name")]
    if not isinstance(title, str) or not title.strip():
        return [cause("item.title.required", "title is required", "item.title")]
    if len(title) > 60:
        return [cause("item.title.length", "title must have 60 characters or fewer",
                      "item.title")]
    return []


def _price(body: dict[str, Any], user: MlUser, category: Category | None
           ) -> list[dict[str, Any]]:
    site = SITES[user.site_id]
    currency = body.get("currency_id")
    found = []
    usd_here = currency == "USD" and (category is None or category.usd_allowed)
    if currency not in site.currencies or (currency == "USD" and not usd_here
                                           and site.default_currency != "USD"):
        found.append(cause("item.currency_id.invalid",
                           f"Currency {currency} is not valid for site {user.site_id} in this "
                           "category", "item.currency_id"))
    try:
        price = Decimal(str(body.get("price")))
        if not price.is_finite() or price <= 0 or price != price.quantize(Decimal("0.01")):
            raise InvalidOperation
    except (InvalidOperation, ValueError):
        found.append(cause("item.price.invalid", "price must be a positive number with at most "
                           "two decimals", "item.price"))
    return found


def _fields(body: dict[str, Any]) -> list[dict[str, Any]]:
    found = []
    quantity = body.get("available_quantity")
    if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
        found.append(cause("item.available_quantity.invalid",
                           "available_quantity must be at least 1", "item.available_quantity"))
    if body.get("buying_mode") != "buy_it_now":
        found.append(cause("item.buying_mode.invalid", "buying_mode is invalid",
                           "item.buying_mode"))
    if body.get("listing_type_id") not in LISTING_TYPES:
        found.append(cause("item.listing_type_id.invalid", "listing_type_id is invalid",
                           "item.listing_type_id"))
    if body.get("condition") not in CONDITIONS:
        found.append(cause("item.condition.invalid", "condition is invalid", "item.condition"))
    pictures = body.get("pictures", [])
    if not isinstance(pictures, list) or any(
            not isinstance(p, dict) or not (p.get("id") or p.get("source")) for p in pictures):
        found.append(cause("item.pictures.invalid", "pictures need an id or a source",
                           "item.pictures"))
    return found


def _attributes(body: dict[str, Any], category: Category) -> list[dict[str, Any]]:
    given = body.get("attributes") or []
    if not isinstance(given, list) or any(not isinstance(a, dict) for a in given):
        return [cause("item.attributes.invalid", "attributes must be a list of objects",
                      "item.attributes")]
    named = {str(a.get("id")) for a in given if a.get("value_name") or a.get("value_id")}
    missing = [a["id"] for a in category.attributes
               if a["tags"].get("required") and not a["tags"].get("read_only")
               and a["id"] not in named]
    if missing:
        return [cause("item.attributes.missing_required",
                      f"The attributes [{', '.join(missing)}] are required for category "
                      f"{category.id}", "item.attributes")]
    return []


def sku_of(item: dict[str, Any]) -> str | None:
    for attribute in item.get("attributes") or []:
        if attribute.get("id") == "SELLER_SKU":
            return str(attribute.get("value_name") or "") or None
    return None
