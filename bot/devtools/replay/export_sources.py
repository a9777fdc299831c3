"""What a conversation's export reads from the database: the chat, its people, its product and
offers, and the notes gathered on the way. Its own module because both the export and the product
fixture (`export_product`) take it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from storage.models import Buyer, Conversation, Offer, Product, Seller


@dataclass
class Sources:
    conversation: Conversation
    buyer: Buyer
    seller: Seller
    product: Product | None
    assistant_id: uuid.UUID | None  # the seller's assistant chat
    offers: list[Offer] = field(default_factory=list)
    names: dict[str, str] = field(default_factory=dict)  # "buyer"/"seller" → actor name
    warnings: list[str] = field(default_factory=list)
    sold_before: bool = False
