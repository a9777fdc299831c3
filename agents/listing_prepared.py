"""Listings written before their transaction opens: the writer may be a model taking seconds.

`prepare` asks the writer (Gemini or the rules) with no transaction open; the tool's own
transaction then gets a `PreparedWriter`, whose `write` answers at once with that proposal when
asked what it was prepared for, and asks the real writer otherwise (the product changed in
between: correct, only slower).
"""

from __future__ import annotations

from agents import listing_versions, selling
from agents.listing_writer import ListingWriter, ProposedListing
from agents.turn_context import PhotoRef, TurnContext


class PreparedWriter:
    def __init__(self, writer: ListingWriter, asked: tuple[str, str, int],
                 proposal: ProposedListing) -> None:
        self.writer = writer
        self.asked = asked
        self.proposal = proposal

    async def write(self, text: str, photos: list[PhotoRef], *, language: str,
                    variant: int = 0) -> ProposedListing:
        if (text, language, variant) == self.asked:
            return self.proposal
        return await self.writer.write(text, photos, language=language, variant=variant)


async def _prepared(ctx: TurnContext, text: str, photos: list[PhotoRef], variant: int
                    ) -> ListingWriter:
    writer: ListingWriter = ctx.listing_writer
    proposal = await writer.write(text, photos, language=ctx.language, variant=variant)
    return PreparedWriter(writer, (text, ctx.language, variant), proposal)


async def for_new_product(ctx: TurnContext, text: str) -> ListingWriter:
    """The writer `selling.create_product` will use, its first listing already written."""
    text = (text or "").strip()
    if not text and not ctx.photos:
        return ctx.listing_writer  # refused before anything is written
    return await _prepared(ctx, text[:4000], ctx.photos, 0)


async def for_product(ctx: TurnContext, product_id: str | None) -> ListingWriter:
    """The writer a regeneration of the seller's product will use, its listing written from
    the product as a short read finds it."""
    try:
        async with ctx.transaction():
            product = await selling.resolve_product(ctx, product_id)
            text, variant = product.prompt_text, await listing_versions.version_count(
                ctx, product)
            photos = await listing_versions.product_photos(ctx, product)
    except selling.SellingError:
        return ctx.listing_writer  # the tool's transaction reports it
    return await _prepared(ctx, text, photos, variant)
