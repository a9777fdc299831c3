"""Every table of DESIGN.md as typed SQLAlchemy models."""

from storage.models.accounts import AuditEntry, MarketplaceCredential
from storage.models.actors import Buyer, Seller
from storage.models.base import (
    ActorKind,
    Author,
    Base,
    Channel,
    Condition,
    ConversationKind,
    ConversationState,
    ConversationStatus,
    Direction,
    Marketplace,
    MessageType,
    OfferParty,
    OfferStatus,
)
from storage.models.catalog import Listing, Product, ProductImage, Publication
from storage.models.conversations import BotSession, Conversation, Message, Offer
from storage.models.inbox import InboxUpdate
from storage.models.turns import TurnEffect, TurnLease
from storage.product_status import ProductStatus

__all__ = [
    "ActorKind", "AuditEntry", "Author", "Base", "BotSession", "Buyer", "Channel", "Condition",
    "Conversation", "ConversationKind", "ConversationState", "ConversationStatus", "Direction",
    "InboxUpdate",
    "Listing", "Marketplace", "MarketplaceCredential", "Message", "MessageType", "Offer",
    "OfferParty", "OfferStatus", "Product", "ProductImage", "ProductStatus", "Publication",
    "Seller", "TurnEffect", "TurnLease",
]
