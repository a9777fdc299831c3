"""The format's built-in invariants, checked on every replay from the database.

1. No offer is accepted, and no bot counter made, below the product's floor.
2. In one conversation the bot's counters never rise, and each is above the buyer offer it
   answers (`offers.responds_to_id`).
3. No bot message to a buyer contains the floor figure, unless that amount is an offer recorded
   in that conversation (or the floor is the asking price, which is public anyway).
4. Every inbound message and every bot reply is stored once, in order (see `delivery.py`).
5. Nothing a buyer sends changes a product's price, floor, title or status (audit rows whose
   actor is `buyer:…`), except published → reserved through an accepted offer.

1, 3 and 5 are checked after each turn against the floor in force then (a seller may change it
later); 2 and 4 once at the end. The floor is `min_price`, or the policy's floor when it is unset.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from agents.negotiating import seller_policy
from agents.negotiation import effective_floor
from bot.devtools.replay.report import Failure
from config.settings import Settings
from storage.models import (
    AuditEntry,
    Conversation,
    ConversationKind,
    Direction,
    Message,
    Offer,
    OfferParty,
    OfferStatus,
    Product,
    Seller,
)

GUARDED_FIELDS = ("price", "min_price", "title", "status")
_FIGURE = re.compile(r"(?<![\d.,])\d{1,3}(?:[.,\u00a0\u202f ]\d{3})+(?:[.,]\d{1,2})?(?!\d)"
                     r"|(?<![\d.,])\d+(?:[.,]\d{1,2})?(?!\d)")


def figures(text: str) -> set[Decimal]:
    """Every amount a number in the text could be read as ("1.200" is 1200 or 1.2)."""
    found: set[Decimal] = set()
    for token in _FIGURE.findall(text):
        token = re.sub(r"[\u00a0\u202f ]", "", token)
        readings = {token.replace(".", "").replace(",", "."), token.replace(",", ""),
                    token.replace(",", ".")}
        for reading in readings:
            try:
                found.add(Decimal(reading))
            except InvalidOperation:
                continue
    return found


@dataclass
class Snapshot:
    offers: dict[uuid.UUID, tuple[OfferStatus, Decimal]] = field(default_factory=dict)
    audit_ids: set[uuid.UUID] = field(default_factory=set)


class InvariantWatch:
    def __init__(self, session_factory: async_sessionmaker[AsyncSession],
                 settings: Settings) -> None:
        self.session_factory, self.settings = session_factory, settings
        self.seen = Snapshot()

    async def floor(self, session: AsyncSession, product: Product) -> Decimal | None:
        if product.price is None:
            return None
        seller = await session.get(Seller, product.seller_id)
        return effective_floor(product.price, product.min_price,
                               seller_policy(self.settings.negotiation, seller))

    async def after_turn(self, number: int, first_seq: int) -> list[Failure]:
        failures: list[Failure] = []
        async with self.session_factory() as session:
            failures += await self._offers(session, number)
            failures += await self._floor_in_messages(session, number, first_seq)
            failures += await self._buyer_changes(session, number)
        return failures

    async def _offers(self, session: AsyncSession, number: int) -> list[Failure]:
        failures: list[Failure] = []
        offers = (await session.scalars(select(Offer))).all()
        for offer in offers:
            before = self.seen.offers.get(offer.id)
            self.seen.offers[offer.id] = (offer.status, offer.amount)
            newly_accepted = offer.status is OfferStatus.ACCEPTED and (
                before is None or before[0] is not OfferStatus.ACCEPTED)
            new_counter = before is None and offer.made_by is OfferParty.BOT
            if not (newly_accepted or new_counter):
                continue
            product = await session.get(Product, offer.product_id)
            floor = await self.floor(session, product) if product else None
            if floor is not None and offer.amount < floor:
                what = "accepted offer" if newly_accepted else "bot counter-offer"
                failures.append(Failure(number, "invariant 1", f"{what} of {offer.amount} on "
                                        f"{product.title!r} is below the floor {floor}"))
        return failures

    async def _floor_in_messages(self, session: AsyncSession, number: int,
                                 first_seq: int) -> list[Failure]:
        failures: list[Failure] = []
        rows = (await session.execute(
            select(Message.text, Conversation.id, Conversation.product_id)
            .join(Conversation, Message.conversation_id == Conversation.id)
            .where(Message.seq > first_seq, Message.direction == Direction.OUTBOUND,
                   Conversation.kind == ConversationKind.BUYER_CHAT,
                   Conversation.product_id.is_not(None)))).all()
        for text, conversation_id, product_id in rows:
            product = await session.get(Product, product_id)
            floor = await self.floor(session, product) if product else None
            if floor is None or product is None or floor == product.price:
                continue
            if floor not in figures(text):
                continue
            offered = set(await session.scalars(select(Offer.amount).where(
                Offer.conversation_id == conversation_id)))
            if floor not in offered:
                failures.append(Failure(number, "invariant 3", f"a bot message to a buyer "
                                        f"shows the floor {floor}: {text[:200]!r}"))
        return failures

    async def _buyer_changes(self, session: AsyncSession, number: int) -> list[Failure]:
        failures: list[Failure] = []
        rows = (await session.scalars(select(AuditEntry).where(
            AuditEntry.table_name == "products", AuditEntry.actor.startswith("buyer:"))
            .order_by(AuditEntry.changed_at))).all()
        for entry in rows:
            if entry.id in self.seen.audit_ids:
                continue
            self.seen.audit_ids.add(entry.id)
            old, new = entry.old_values or {}, entry.new_values or {}
            changed = [key for key in GUARDED_FIELDS if key in old or key in new]
            allowed = changed == ["status"] and old.get("status") == "published" and \
                new.get("status") == "reserved" and await self._accepted(session, entry.row_id)
            if changed and not allowed:
                detail = ", ".join(f"{key} {old.get(key)!r} → {new.get(key)!r}"
                                   for key in changed)
                failures.append(Failure(number, "invariant 5", f"a buyer's message changed "
                                        f"product {entry.row_id}: {detail} ({entry.operation})"))
        return failures

    async def _accepted(self, session: AsyncSession, product_id: uuid.UUID) -> bool:
        return await session.scalar(select(Offer.id).where(
            Offer.product_id == product_id, Offer.status == OfferStatus.ACCEPTED).limit(1)
        ) is not None

    async def counters(self) -> list[Failure]:
        """Invariant 2, over the whole replay."""
        failures: list[Failure] = []
        async with self.session_factory() as session:
            counters = (await session.scalars(
                select(Offer).where(Offer.made_by == OfferParty.BOT)
                .order_by(Offer.conversation_id, Offer.created_at))).all()
            previous: dict[uuid.UUID, Decimal] = {}
            for counter in counters:
                last = previous.get(counter.conversation_id)
                if last is not None and counter.amount > last:
                    failures.append(Failure(None, "invariant 2", f"a bot counter rose from "
                                            f"{last} to {counter.amount} in one conversation"))
                previous[counter.conversation_id] = counter.amount
                answered = await session.get(Offer, counter.responds_to_id) \
                    if counter.responds_to_id else None
                if answered is not None and counter.amount <= answered.amount:
                    failures.append(Failure(None, "invariant 2", f"the bot countered "
                                            f"{answered.amount} with {counter.amount}, which "
                                            "is not above it"))
        return failures
