"""The brain of the local Gemini API double: answers as the offline model would.

Chat requests go to the offline model with the request's tools bound (function calls for tool
use, text once the results are back); a request for JSON (structured output: the listing) gets
the rule-based writer's listing as `ListingProposal` JSON.
"""

from __future__ import annotations

import json

from agents.llm.listing_writer import NO_TEXT, RuleBasedListingWriter
from agents.llm.models.offline import OfflineChatModel
from agents.turn_context import PhotoRef
from integrations.gemini_local.wire import GeminiRequest, Reply, estimate_tokens, to_messages


class OfflineBrain:
    def __init__(self) -> None:
        self.model = OfflineChatModel(model="gemini-double")
        self.writer = RuleBasedListingWriter()

    async def reply(self, request: GeminiRequest) -> Reply:
        if request.wants_json:
            return await self._listing(request)
        message = await self.model.ainvoke(to_messages(request),
                                           tools=[{"name": n} for n in request.tool_names])
        parts: list[dict] = [{"functionCall": {"name": c["name"], "args": c["args"]}}
                             for c in message.tool_calls]
        if message.text:
            parts.insert(0, {"text": message.text})
        usage = message.usage_metadata or {}
        return Reply(parts=parts or [{"text": ""}], input_tokens=estimate_tokens(request),
                     output_tokens=int(usage.get("output_tokens", 1)))

    async def _listing(self, request: GeminiRequest) -> Reply:
        words = request.last_user_text()  # the writer's placeholder is not the seller's words
        photos = [PhotoRef(storage_key="inline") for _ in request.images]  # as if stored
        listing = await self.writer.write("" if words == NO_TEXT else words, photos,
                                          language=request.language())
        proposal = {"title": listing.title, "description": listing.description,
                    "category_id": listing.category_id or "MLA1953",
                    "condition": listing.condition,
                    "suggested_price": float(listing.price) if listing.price else None,
                    "currency": listing.currency,
                    "attributes": {k: str(v) for k, v in listing.attributes.items()}}
        text = json.dumps(proposal, ensure_ascii=False)
        return Reply(parts=[{"text": text}], input_tokens=estimate_tokens(request),
                     output_tokens=max(1, len(text) // 4))
