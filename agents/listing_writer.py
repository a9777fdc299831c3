"""Listing writers: turn a seller's sentence (and photos) into a proposed listing.

The rule-based writer reads the sentence with agents/listing_draft.py; the Gemini writer sends
text and photos to the model and asks for a `ListingProposal` (structured output), validated by
pydantic before anything is stored, and falls back to the rule-based writer when it fails.
Confidence is never taken from a writer: agents/listing_quality.py computes it from checks.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import structlog

from agents.categories import CategoryTree
from agents.listing_description import compose_description
from agents.listing_draft import read_product_sentence
from agents.turn_context import PhotoRef

log = structlog.get_logger(__name__)

_CLOSINGS = {
    "es": ["", " Pregúntame lo que necesites.", " Acepto preguntas y ofertas razonables.",
           " Escríbeme si te interesa."],
    "en": ["", " Ask me anything about it.", " Questions and reasonable offers welcome.",
           " Message me if you are interested."],
}


def closing(language: str, variant: int) -> str:
    """The closing sentence of a version: it changes with the variant, so versions differ."""
    closings = _CLOSINGS.get(language, _CLOSINGS["es"])
    return closings[variant % len(closings)]


@dataclass
class ProposedListing:
    title: str
    description: str
    category_id: str | None
    category_name: str | None
    category_strength: float
    condition: str
    price: Decimal | None
    currency: str
    price_source: str | None  # "given" | "estimated" | None
    attributes: dict[str, Any] = field(default_factory=dict)
    language: str = "es"
    provider: str = "rules"
    model: str = "listing-rules-v1"


class ListingWriter(Protocol):
    async def write(self, text: str, photos: list[PhotoRef], *, language: str,
                    variant: int = 0) -> ProposedListing: ...


class RuleBasedListingWriter:
    """Deterministic: the same sentence gives the same listing (variant changes the wording)."""

    def __init__(self, categories: CategoryTree | None = None) -> None:
        self.categories = categories or CategoryTree.load()

    async def write(self, text: str, photos: list[PhotoRef], *, language: str,
                    variant: int = 0) -> ProposedListing:
        draft = read_product_sentence(text, language_hint=language)
        match = self.categories.match(text)
        category = self.categories.get(match.category_id)
        lang = draft.language or language
        description = compose_description(draft, category, lang, variant=variant)
        description += closing(lang, variant)
        return ProposedListing(
            title=draft.title, description=description, category_id=match.category_id,
            category_name=match.name(lang), category_strength=match.strength,
            condition=draft.condition, price=draft.price, currency=draft.currency or "EUR",
            price_source=draft.price_source, attributes=dict(draft.attributes), language=lang,
        )


class GeminiListingWriter:
    """Gemini with structured output; any failure falls back to the rule-based writer."""

    def __init__(self, chat_model: Any, model_name: str,
                 fallback: RuleBasedListingWriter | None = None) -> None:
        from agents.listing_schema import ListingProposal

        self.structured = chat_model.with_structured_output(ListingProposal)
        self.model_name = model_name
        self.fallback = fallback or RuleBasedListingWriter()

    async def write(self, text: str, photos: list[PhotoRef], *, language: str,
                    variant: int = 0) -> ProposedListing:
        from langchain_core.messages import HumanMessage, SystemMessage

        content: list[dict[str, Any]] = [{"type": "text", "text": text or "(no text)"}]
        for photo in photos:
            if photo.data:
                encoded = base64.b64encode(photo.data).decode()
                content.append({"type": "image_url",
                                "image_url": {"url": f"data:image/jpeg;base64,{encoded}"}})
        messages = [SystemMessage(LISTING_INSTRUCTIONS.format(language=language,
                                                              variant=variant)),
                    HumanMessage(content=content)]
        try:
            proposal = await self.structured.ainvoke(messages)
        except Exception as exc:  # the model is outside: any failure means "use the rules"
            log.warning("listing_writer.gemini_failed", error=type(exc).__name__)
            return await self.fallback.write(text, photos, language=language, variant=variant)
        rules = await self.fallback.write(text, photos, language=language, variant=variant)
        category = self.fallback.categories.get(proposal.category_id)
        stated = rules.price  # a price the seller wrote beats the model's estimate
        return ProposedListing(
            title=proposal.title, description=proposal.description,
            category_id=category.id if category else rules.category_id,
            category_name=category.name(language) if category else rules.category_name,
            category_strength=max(rules.category_strength, 0.9 if category else 0.0),
            condition=proposal.condition, price=stated or proposal.suggested_price,
            currency=proposal.currency if not stated else rules.currency,
            price_source="given" if stated else ("estimated" if proposal.suggested_price
                                                 else None),
            attributes={**rules.attributes, **proposal.attributes}, language=language,
            provider="gemini", model=self.model_name,
        )


LISTING_INSTRUCTIONS = (
    "You write second-hand marketplace listings. Language: {language}. From the seller's "
    "words and photos, fill the schema: a title of 10-60 characters, an honest description of "
    "at least 50 characters using only what the seller said or the photos show, the category id "
    "from the MercadoLibre tree, the condition, attributes (BRAND, MODEL, SIZE, COLOR...) and "
    "the price the seller gave (or a cautious estimate). Variant {variant}: when above 0, word "
    "it differently from earlier versions."
)
