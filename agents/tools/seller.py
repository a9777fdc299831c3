"""Seller assistant tools: every one acts only on the calling seller's own products.

`product_id` is the product's id or words of its name ("standing desk", "la trek"): a product the
words name wins over the one in focus; when several match, the result asks which (with a button
for each). Left out, or naming none, the seller's product in focus (created or changed last).
Results are plain dicts; refusals come back as {"error", "message"}. A tool that changes
something runs as a `ctx.effect` (its own short transaction, done once per turn); reads open
a short transaction.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from langchain.tools import ToolRuntime, tool

from agents import listing_prepared, listing_versions, selling
from agents.selling import SellingError
from agents.turn_context import TurnContext, tool_error
from storage.models import Conversation, Product, ProductStatus
from storage.repositories import conversations as conversations_repo
from storage.repositories import products as products_repo

Runtime = ToolRuntime[TurnContext]


async def _guarded(ctx: TurnContext, name: str, action: Callable[[], Awaitable[dict[str, Any]]]
                   ) -> dict[str, Any]:
    """The tool's domain code as an effect of the turn (its own transaction, done once)."""
    async def run() -> dict[str, Any]:
        try:
            return await action()
        except SellingError as exc:
            return exc.as_result()
    return await ctx.effect(name, run)


async def _on_product(runtime: Runtime, name: str, product_id: str | None,
                      action: Callable[[Product], Awaitable[dict[str, Any]]]) -> dict[str, Any]:
    async def run() -> dict[str, Any]:
        product = await selling.resolve_product(runtime.context, product_id)
        return await action(product)
    return await _guarded(runtime.context, name, run)


@tool
async def create_product(text: str, runtime: Runtime, currency: str | None = None
                         ) -> dict[str, Any]:
    """Create a product from the seller's description (photos of this message are attached
    automatically) and write its first listing. Returns the listing and how confident it is.
    A message selling several items, each with its own price, is one call per item; currency:
    the ISO code the message wrote its prices in, when this item's words lack it."""
    ctx = runtime.context
    writer = await listing_prepared.for_new_product(ctx, text)  # the model, no transaction open
    return await _guarded(ctx, "create_product",
                          lambda: selling.create_product(ctx, writer, text, currency=currency))


@tool
async def regenerate_listing(runtime: Runtime, product_id: str | None = None) -> dict[str, Any]:
    """Write a new version of the product's listing (it becomes the active one)."""
    ctx = runtime.context
    writer = await listing_prepared.for_product(ctx, product_id)  # the model, no transaction open
    return await _on_product(
        runtime, "regenerate_listing", product_id,
        lambda p: listing_versions.generate_listing(ctx, writer, p))


@tool
async def show_listing(runtime: Runtime, product_id: str | None = None) -> dict[str, Any]:
    """The product's whole active listing (title, description, category, condition, price)
    and how many versions it has: show it when the seller asks to see the listing."""
    return await _on_product(runtime, "show_listing", product_id,
                             lambda p: listing_versions.show_listing(runtime.context, p))


@tool
async def delete_product(runtime: Runtime, product_id: str | None = None) -> dict[str, Any]:
    """Delete a draft the seller no longer wants (only one never published; a product that
    was on sale is paused or marked sold instead)."""
    return await _on_product(runtime, "delete_product", product_id,
                             lambda p: selling.delete_draft(runtime.context, p))


@tool
async def revert_listing(version: int, runtime: Runtime, product_id: str | None = None
                         ) -> dict[str, Any]:
    """Make an earlier listing version (1, 2, ...) the active one again."""
    return await _on_product(
        runtime, "revert_listing", product_id,
        lambda p: listing_versions.revert_listing(runtime.context, p, version))


@tool
async def update_product(runtime: Runtime, product_id: str | None = None,
                         price: float | None = None, min_price: float | None = None,
                         title: str | None = None, description: str | None = None,
                         condition: str | None = None, currency: str | None = None
                         ) -> dict[str, Any]:
    """Change the product's price, minimum price (the floor the bot never goes below), title
    (10-60 characters), description (50+ characters) or condition (new, used, not_specified).
    currency: the ISO code the seller wrote with the new price ("90 quid" -> GBP), if any."""
    return await _on_product(runtime, "update_product", product_id,
                             lambda p: selling.update_product(
                                 runtime.context, p, price=price, min_price=min_price,
                                 title=title, description=description, condition=condition,
                                 currency=currency))


@tool
async def publish_product(runtime: Runtime, product_id: str | None = None,
                          marketplace: str = "catalog") -> dict[str, Any]:
    """Publish the product (marketplace: catalog, the bot's own buyers; or mercadolibre, once
    the seller connected an account with /connect). A failure names the reason to tell the
    seller; publishing again retries."""
    return await _on_product(runtime, "publish_product", product_id,
                             lambda p: selling.publish(runtime.context, p, marketplace))


@tool
async def list_my_products(runtime: Runtime, status: str | None = None) -> dict[str, Any]:
    """The seller's products, newest first, optionally only those with one status."""
    ctx = runtime.context
    assert ctx.seller is not None
    wanted = None
    if status:
        try:
            wanted = ProductStatus(status)
        except ValueError:
            return tool_error("bad_status", f"Unknown status {status!r}.")
    async with ctx.transaction() as session:
        products = await products_repo.list_for_seller(session, ctx.seller.id, wanted)
        return {"products": [selling.product_state(p) for p in products]}


@tool
async def pause_product(runtime: Runtime, product_id: str | None = None) -> dict[str, Any]:
    """Take the product off sale for now (it can be reactivated)."""
    return await _on_product(runtime, "pause_product", product_id,
                             lambda p: selling.change_status(runtime.context, p, "pause"))


@tool
async def reactivate_product(runtime: Runtime, product_id: str | None = None) -> dict[str, Any]:
    """Put a paused product back on sale."""
    return await _on_product(runtime, "reactivate_product", product_id,
                             lambda p: selling.change_status(runtime.context, p, "reactivate"))


@tool
async def mark_sold(runtime: Runtime, product_id: str | None = None, price: float | None = None
                    ) -> dict[str, Any]:
    """Mark the product as sold (optionally at the final price)."""
    return await _on_product(runtime, "mark_sold", product_id,
                             lambda p: selling.change_status(runtime.context, p, "sold", price))


async def _own_conversation(ctx: TurnContext, conversation_id: str, *, lock: bool = False
                            ) -> Conversation | None:
    assert ctx.seller is not None
    try:
        wanted = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    conversation = await conversations_repo.get(ctx.session, wanted, lock=lock)
    if conversation is None or conversation.product_id is None:
        return None
    product = await products_repo.get_owned(ctx.session, ctx.seller.id, conversation.product_id)
    return conversation if product is not None else None


@tool
async def show_conversation(conversation_id: str, runtime: Runtime) -> dict[str, Any]:
    """Show a buyer conversation about one of the seller's products."""
    ctx = runtime.context
    async with ctx.transaction() as session:
        conversation = await _own_conversation(ctx, conversation_id)
        if conversation is None:
            return tool_error("no_conversation",
                              "No such conversation on this seller's products.")
        messages = await conversations_repo.recent_messages(session, conversation.id, 20)
    return {"conversation": {
        "id": str(conversation.id), "state": conversation.state.value,
        "human_takeover": conversation.human_takeover,
        "messages": [{"direction": m.direction.value, "text": m.text} for m in messages],
    }}


async def _set_takeover(runtime: Runtime, conversation_id: str, value: bool) -> dict[str, Any]:
    ctx = runtime.context

    async def run() -> dict[str, Any]:
        # Locked: a buyer turn running there refuses its final write (version) and runs again.
        conversation = await _own_conversation(ctx, conversation_id, lock=True)
        if conversation is None:
            return tool_error("no_conversation",
                              "No such conversation on this seller's products.")
        conversation.human_takeover = value
        await ctx.session.flush()
        return {"conversation_id": str(conversation.id), "human_takeover": value}
    name = "take_over_conversation" if value else "hand_back_conversation"
    return await ctx.effect(name, run)


@tool
async def take_over_conversation(conversation_id: str, runtime: Runtime) -> dict[str, Any]:
    """The seller answers this buyer personally; the bot stays quiet until handed back."""
    return await _set_takeover(runtime, conversation_id, True)


@tool
async def hand_back_conversation(conversation_id: str, runtime: Runtime) -> dict[str, Any]:
    """The bot answers this buyer again."""
    return await _set_takeover(runtime, conversation_id, False)


SELLER_TOOLS = [create_product, regenerate_listing, show_listing, revert_listing, update_product,
                publish_product, list_my_products, pause_product, reactivate_product, mark_sold,
                delete_product, show_conversation, take_over_conversation,
                hand_back_conversation]
