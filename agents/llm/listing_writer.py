"""Listing writers: turn a seller's sentence (and photos) into a proposed listing.

The rule-based writer reads the sentence with agents/domain/listing_draft.py; the Gemini writer
sends
text and photos (read from the media store by storage key) to the model and asks for a
`ListingProposal` (structured output), validated by pydantic before anything is stored, and
falls back to the rule-based writer when it fails.
Confidence is never taken from a writer: agents/domain/listing_quality.py computes it from checks.
"""

from __future__ import annotations

import asyncio
import base64
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

import structlog

from agents.domain.categories import CategoryTree
from agents.domain.listing_description import compose_description
from agents.domain.listing_draft import read_product_sentence
from agents.llm.agent_turn import note_fallback
from agents.llm.model_budget import current_budget
from agents.llm.model_guard import NoAnswer, answer_problem, failure_cause
from agents.turn_context import PhotoRef
from config.settings import LLMSettings
from integrations.media_store import MediaStore

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
        description = compose_description(draft, category, lang, variant=variant,
                                          photos=bool(photos), closing=closing(lang, variant))
        return ProposedListing(
            title=draft.title, description=description, category_id=match.category_id,
            category_name=match.name(lang), category_strength=match.strength,
            condition=draft.condition, price=draft.price, currency=draft.currency or "EUR",
            price_source=draft.price_source, attributes=dict(draft.attributes), language=lang,
        )


_MIME = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# The text part sent with photos that came without a caption (a part is never empty).
NO_TEXT = "(no text)"


class GeminiListingWriter:
    """Gemini with structured output; any failure falls back to the rule-based writer.

    Photos go as LangChain's standard image blocks, their bytes read from the media store by
    storage key when the message did not carry them. The call gets what is left of the turn's
    time budget; its tokens and cost count in the turn's (agents/llm/turn_meter.py).
    """

    def __init__(self, chat_model: Any, llm: LLMSettings, *, media: MediaStore | None = None,
                 fallback: RuleBasedListingWriter | None = None) -> None:
        from agents.llm.listing_schema import ListingProposal

        self.structured = chat_model.with_structured_output(ListingProposal, include_raw=True)
        self.llm = llm
        self.model_name = llm.gemini_model
        self.media = media or MediaStore()
        self.fallback = fallback or RuleBasedListingWriter()

    async def _content(self, text: str, photos: list[PhotoRef]) -> list[dict[str, Any]]:
        content: list[dict[str, Any]] = [{"type": "text", "text": text or NO_TEXT}]
        for photo in photos:
            data = photo.data or await self.media.read(photo.storage_key)
            if data:
                content.append({"type": "image", "base64": base64.b64encode(data).decode(),
                                "mime_type": _MIME.get((photo.format or "jpg").lower(),
                                                       "image/jpeg")})
        return content

    async def _propose(self, messages: list[Any]) -> Any:
        budget = current_budget()
        if budget is not None and budget.fell_back:
            return None  # the turn is on the fallback already (its cause was counted)
        remaining = budget.remaining() if budget is not None else self.llm.turn_budget_seconds
        try:
            if remaining <= 0:
                raise TimeoutError("the turn's time budget is spent")
            async with asyncio.timeout(remaining):
                result = await self.structured.ainvoke(messages)
            raw = result["raw"]  # its tokens reach the turn's meter by the callback
            problem = answer_problem(raw) if result["parsed"] is None else None
            if problem or result["parsed"] is None:
                raise NoAnswer(problem or "invalid_listing",
                               type(result.get("parsing_error")).__name__)
            return result["parsed"]
        except Exception as exc:  # the model is outside: any failure means "use the rules"
            cause = failure_cause(exc)
            log.warning("model.fallback", cause=cause, error=type(exc).__name__,
                        detail=str(exc)[:200], call="listing_writer")
            note_fallback(cause)
            return None

    async def write(self, text: str, photos: list[PhotoRef], *, language: str,
                    variant: int = 0) -> ProposedListing:
        from langchain_core.messages import HumanMessage, SystemMessage

        messages = [SystemMessage(LISTING_INSTRUCTIONS.format(language=language,
                                                              variant=variant)),
                    HumanMessage(content=await self._content(text, photos))]  # type: ignore[arg-type]
        proposal = await self._propose(messages)
        rules = await self.fallback.write(text, photos, language=language, variant=variant)
        if proposal is None:
            return rules
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
