"""The offline model's phrasing of the seller tools' results: listings shown whole, changes
confirmed with the product's name, products listed with what the sold ones went for.

Part of agents/llm/models/offline_replies.py; figures come only from the results and the Context
block.
"""

from __future__ import annotations

from typing import Any

from agents.llm.models.offline_texts import money, say, word
from agents.llm.models.offline_turn import ToolOutcome, Turn


def quote(text: str, language: str) -> str:
    return f"«{text}»" if language == "es" else f"“{text}”"


def full_listing(listing: dict[str, Any], language: str) -> str:
    """The whole listing as buyers will see it: title, description, category, condition, price."""
    price = money(listing.get("price"), listing.get("currency"), language) or say(
        "no_price_yet", language)
    return say("listing_full", language, title=listing.get("title") or "",
               description=listing.get("description") or "",
               category=listing.get("category") or "-",
               condition=word(str(listing.get("condition") or "not_specified"), language),
               price=price)


def _shown(outcome: ToolOutcome, turn: Turn) -> str:
    language, result = turn.language, outcome.result
    listing = result.get("listing") or result.get("product") or {}
    head = say("listing_shown", language, title=listing.get("title") or "",
               version=listing.get("version", 1), versions=result.get("versions", 1))
    status = str(result.get("status") or listing.get("status") or "")
    tail = say("listing_to_publish", language) if status == "ready" and listing.get("price") \
        else say("listing_on_sale", language, status=word(status, language)) if status else ""
    return "\n".join(part for part in (head, full_listing(listing, language), tail) if part)


def _listing(outcome: ToolOutcome, turn: Turn) -> str:
    language = turn.language
    listing = outcome.result.get("listing") or {}
    title = listing.get("title") or ""
    if outcome.name == "create_product":
        text = say("created", language, title=title)
    else:
        key = "reverted" if outcome.name == "revert_listing" else "regenerated"
        text = say(key, language, title=title, version=listing.get("version", ""))
    if listing.get("price") not in (None, ""):
        text += say("created_price", language,
                    price=money(listing["price"], listing.get("currency"), language))
        if listing.get("min_price") not in (None, ""):
            text += ", " + say("change_floor", language,
                               price=money(listing["min_price"], listing.get("currency"), language))
    confidence = listing.get("confidence")
    if isinstance(confidence, (int, float)):
        text += say("confidence", language, percent=round(float(confidence) * 100))
    else:
        text += "."
    text += "\n" + full_listing(listing, language) + "\n"
    route = listing.get("route")
    if route == "ask" or listing.get("missing"):
        missing = ", ".join(word(str(m), language) for m in listing.get("missing") or [])
        text += say("route_ask", language, missing=missing or word("price", language)).strip()
    elif route in ("quick_publish", "review"):
        text += say(f"route_{route}", language).strip()
    return text


def _updated(outcome: ToolOutcome, turn: Turn) -> str:
    language = turn.language
    product = outcome.result.get("product") or {}
    currency = product.get("currency") or turn.context.get("currency")
    changes = []
    for key in ("price", "min_price", "title", "description", "condition"):
        if outcome.args.get(key) in (None, ""):
            continue
        value = product.get(key, outcome.args[key])
        if key == "price":
            changes.append(say("change_price", language, price=money(value, currency, language)))
        elif key == "min_price":
            changes.append(say("change_floor", language, price=money(value, currency, language)))
        elif key == "title":
            changes.append(say("change_title", language, title=value))
        elif key == "description":
            changes.append(say("change_description", language))
        else:
            changes.append(say("change_condition", language, condition=word(value, language)))
    if not changes:
        # The listing's Edit button: nothing changed yet, the seller is to say what to change.
        return say("ask_edit_field" if outcome.result.get("hint") else "done", language)
    title = product.get("title") or turn.context.get("focus_title") or ""
    return say("updated", language, title=title, changes=", ".join(changes))


def _published(outcome: ToolOutcome, turn: Turn) -> str:
    marketplace = outcome.result.get("marketplace") or outcome.args.get("marketplace", "catalog")
    text = say("published", turn.language, marketplace=word(str(marketplace), turn.language))
    link = outcome.result.get("permalink")
    return text + say("published_link", turn.language, link=link) if link else text


def _products(outcome: ToolOutcome, turn: Turn) -> str:
    language = turn.language
    products = outcome.result.get("products") or []
    if not products:
        return say("products_none", language)
    lines = [say("products_list", language)]
    for product in products:
        price = money(product.get("price"), product.get("currency"), language)
        status = word(str(product.get("status", "")), language)
        if product.get("sold_price") is not None:  # what it went for, beside what it asked
            status = say("sold_at", language, price=money(product["sold_price"],
                                                           product.get("currency"), language))
        lines.append(f"• {product.get('title')} — {price or say('no_price_yet', language)} "
                     f"({status})")
    return "\n".join(lines)


def _product_action(outcome: ToolOutcome, turn: Turn) -> str:
    language = turn.language
    product = outcome.result.get("product") or {}
    title = product.get("title") or turn.context.get("product_title") or ""
    if outcome.name == "pause_product" and outcome.result.get("cancelled"):
        # the listing's Cancel button: a draft never published is discarded, not "paused"
        key = "cancelled_listing" if outcome.result.get("was_published") else "cancelled_draft"
        return say(key, language, title=title)
    if outcome.name == "pause_product":
        return say("paused_product", language, title=title)
    if outcome.name == "reactivate_product":
        return say("reactivated", language, title=title)
    text = say("marked_sold", language, title=title)
    if outcome.args.get("price") is not None:
        price = money(outcome.args["price"], product.get("currency"), language)
        text += say("sold_for", language, price=price)
    return text + say("congrats", language)


SELLER_PHRASES = {
    "create_product": _listing,
    "regenerate_listing": _listing,
    "revert_listing": _listing,
    "update_product": _updated,
    "publish_product": _published,
    "list_my_products": _products,
    "show_listing": _shown,
    "delete_product": lambda outcome, turn: say(
        "deleted", turn.language, title=(outcome.result.get("product") or {}).get("title", "")),
    "pause_product": _product_action,
    "reactivate_product": _product_action,
    "mark_sold": _product_action,
}
