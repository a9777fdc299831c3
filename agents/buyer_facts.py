"""What a buyer may know about a product: stored facts only, never the floor."""

from __future__ import annotations

import json
from typing import Any

from agents.turn_context import money
from storage.models import Product, ProductStatus

_AVAILABILITY = {
    ProductStatus.PUBLISHED: "available",
    ProductStatus.RESERVED: "reserved",
    ProductStatus.SOLD: "sold",
}


def availability(product: Product) -> str:
    """available | reserved | sold | paused (anything not on sale reads as paused)."""
    return _AVAILABILITY.get(product.status, "paused")


def product_facts(product: Product) -> dict[str, Any]:
    """The product card the buyer side sees. min_price is deliberately absent."""
    return {
        "title": product.title,
        "description": product.description,
        "price": money(product.price),
        "currency": product.currency,
        "condition": product.condition.value if product.condition else "not_specified",
        "category": product.category_name,
        "status": availability(product),
        "attributes": {str(k): v for k, v in (product.attributes or {}).items()
                       if not str(k).lower().startswith(("min", "floor"))},
    }


def product_card(product: Product) -> dict[str, Any]:
    """A search result: what a buyer reads in a list, with its status and deep-link payload."""
    return {
        "start": product.public_ref,
        "title": product.title,
        "price": money(product.price),
        "currency": product.currency,
        "condition": product.condition.value if product.condition else "not_specified",
        "status": availability(product),
    }


OPEN_PRODUCT = "open:"  # a result's button: open that product's chat (bot/routers/start.py)
BUTTON_TITLE_CHARS = 40


def buyer_context(product: Product) -> dict[str, object]:
    """The product's facts as lines of the buyer agent's Context block.

    They are the same facts `product_details` returns, so a question about them is answered
    in one model call instead of a tool call and a second call (with Gemini: half the
    latency and cost). The floor is absent here as it is there.
    """
    facts = product_facts(product)
    attributes = facts["attributes"]
    return {
        "product_title": facts["title"],
        "product_price": facts["price"],
        "currency": facts["currency"],
        "product_status": facts["status"],
        "product_condition": facts["condition"],
        "product_category": facts["category"],
        "product_description": facts["description"],
        "product_attributes": json.dumps(attributes, ensure_ascii=False, default=str)
        if attributes else None,
    }


# Questions a conversation remembers as forwarded (the oldest drop out first).
OPEN_QUESTIONS_KEPT = 10

