"""Buyer questions on MercadoLibre, the marketplace side: where a question belongs, what answers it.

A question becomes a buyer conversation on the `mercadolibre` channel: the chat is the item and
the buyer (`<item id>:<buyer id>`), the inbound message's external id is the question id, so a
notification delivered twice stores the question once. A reply stored in that conversation is
posted as the answer (`POST /answers`) to the question it replies to, or, for a reply relayed
from the seller, to the conversation's latest unanswered question. Once posted, the reply's
external id becomes `answer:<question id>`: MercadoLibre takes one answer per question, and the
unique (channel, external id) index makes a second one impossible to record.

A reply whose turn forwarded the question to the seller (`ask_seller`) is withheld: the seller's
own answer is the one MercadoLibre gets.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import structlog
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from integrations.marketplace import BuyerQuestion, MarketplaceError
from integrations.mercadolibre.accounts import MercadoLibreAccounts
from integrations.mercadolibre.client import MAX_ANSWER_LENGTH
from integrations.mercadolibre.oauth import NotConnected, utc_now
from storage.database import unit_of_work
from storage.models import (
    Channel,
    Conversation,
    Direction,
    Marketplace,
    Message,
    Product,
    ProductStatus,
    Publication,
)
from storage.repositories import conversations as conversations_repo

log = structlog.get_logger(__name__)

UNANSWERED = "UNANSWERED"
ANSWER_PREFIX = "answer:"
WITHHELD_PREFIX = "withheld:"
FORWARDING_TOOLS = frozenset({"ask_seller"})


def question_chat_id(item_id: str, buyer_user_id: str) -> str:
    return f"{item_id}:{buyer_user_id}"


def fit_answer(text: str) -> str:
    """The text within MercadoLibre's 2000 characters, cut at a word."""
    text = text.strip()
    if len(text) <= MAX_ANSWER_LENGTH:
        return text
    cut = text.rfind(" ", 0, MAX_ANSWER_LENGTH - 1)
    return text[: cut if cut > MAX_ANSWER_LENGTH // 2 else MAX_ANSWER_LENGTH - 1] + "…"


@dataclass(frozen=True)
class QuestionTarget:
    """A question on one of our publications: whose product, which chat."""

    question: BuyerQuestion
    seller_id: uuid.UUID
    product_id: uuid.UUID
    public_ref: str

    @property
    def chat_id(self) -> str:
        return question_chat_id(self.question.item_id, self.question.from_user_id)


@dataclass(frozen=True)
class PendingAnswer:
    """A reply stored in a MercadoLibre conversation and not posted yet."""

    message_id: uuid.UUID
    seller_id: uuid.UUID
    question_id: str | None  # None: no unanswered question left to attach it to
    text: str
    withheld: bool


def _forwarded(message: Message) -> bool:
    return any(isinstance(call, dict) and call.get("name") in FORWARDING_TOOLS
               for call in message.tool_calls or [])


class QuestionDesk:
    """Reads questions with the seller's token and posts the stored replies as answers."""

    def __init__(self, accounts: MercadoLibreAccounts,
                 session_factory: async_sessionmaker[AsyncSession],
                 clock: Callable[[], datetime] = utc_now) -> None:
        self.accounts = accounts
        self._factory = session_factory
        self._clock = clock

    async def question(self, seller_id: uuid.UUID, question_id: str) -> BuyerQuestion:
        return await self.accounts.client(seller_id).get_question(question_id)

    async def locate(self, question: BuyerQuestion) -> QuestionTarget | None:
        """The product published as the question's item; None for an item we did not publish."""
        async with self._factory() as session:
            row = (await session.execute(
                select(Product.id, Product.seller_id, Product.public_ref)
                .join(Publication, Publication.product_id == Product.id)
                .where(Publication.marketplace == Marketplace.MERCADOLIBRE,
                       Publication.external_id == question.item_id))).first()
        if row is None:
            return None
        return QuestionTarget(question=question, product_id=row.id, seller_id=row.seller_id,
                              public_ref=row.public_ref)

    async def unanswered(self, seller_id: uuid.UUID) -> list[BuyerQuestion]:
        """Unanswered questions on the seller's listings still on sale (the webhook fallback)."""
        async with self._factory() as session:
            items = (await session.scalars(
                select(Publication.external_id)
                .join(Product, Product.id == Publication.product_id)
                .where(Product.seller_id == seller_id,
                       Publication.marketplace == Marketplace.MERCADOLIBRE,
                       Publication.external_id.is_not(None),
                       Product.status.in_([ProductStatus.PUBLISHED, ProductStatus.RESERVED])))
            ).all()
        if not items:
            return []
        # One seller-wide search instead of one per listing; questions on listings we do not
        # hold (sold, another app's) are not ours to answer.
        ours = set(items)
        found = await self.accounts.client(seller_id).unanswered_questions()
        return [q for q in found if q.item_id in ours and q.status == UNANSWERED]

    async def pending_answers(self, limit: int = 50,
                              message_ids: list[uuid.UUID] | None = None) -> list[PendingAnswer]:
        """Replies of MercadoLibre conversations not posted yet, oldest first."""
        query = (select(Message, Conversation)
                 .join(Conversation, Conversation.id == Message.conversation_id)
                 .where(Message.channel == Channel.MERCADOLIBRE,
                        Message.direction == Direction.OUTBOUND,
                        Message.delivered_at.is_(None))
                 .order_by(Message.seq).limit(limit))
        if message_ids is not None:
            query = query.where(Message.id.in_(message_ids))
        pending: list[PendingAnswer] = []
        async with self._factory() as session:
            for message, conversation in (await session.execute(query)).all():
                if conversation.seller_id is None:
                    continue
                question_id = await self._question_answered_by(session, message)
                pending.append(PendingAnswer(message.id, conversation.seller_id, question_id,
                                             message.text, _forwarded(message)))
        return pending

    async def _question_answered_by(self, session: AsyncSession, message: Message
                                    ) -> str | None:
        answered = set((await session.scalars(
            select(Message.external_message_id).where(
                Message.conversation_id == message.conversation_id,
                Message.direction == Direction.OUTBOUND,
                Message.external_message_id.like(f"{ANSWER_PREFIX}%")))).all())
        if message.reply_to_id is not None:
            asked = await session.get(Message, message.reply_to_id)
            if asked is not None and asked.direction is Direction.INBOUND \
                    and asked.external_message_id:
                question_id = asked.external_message_id
                return None if f"{ANSWER_PREFIX}{question_id}" in answered else question_id
        questions = (await session.scalars(
            select(Message.external_message_id).where(
                Message.conversation_id == message.conversation_id,
                Message.direction == Direction.INBOUND,
                Message.external_message_id.is_not(None))
            .order_by(Message.seq.desc()))).all()
        return next((q for q in questions if f"{ANSWER_PREFIX}{q}" not in answered), None)

    async def post(self, pending: PendingAnswer) -> bool:
        """Post one reply as its question's answer; True when MercadoLibre has it now.

        Withheld replies and replies with no question left are set aside (not retried); a
        failure that may pass (network, 429, 5xx, account to reconnect) is retried next run.
        """
        if pending.withheld or pending.question_id is None:
            await self._mark(pending.message_id, f"{WITHHELD_PREFIX}{pending.message_id}")
            return False
        try:
            await self.accounts.client(pending.seller_id).answer_question(
                pending.question_id, fit_answer(pending.text))
        except NotConnected:
            return False
        except MarketplaceError as exc:
            if exc.retryable or exc.code == "invalid_grant" or exc.status == 401:
                log.warning("mercadolibre.answer_later", question_id=pending.question_id,
                            reason=exc.reason)
                return False
            # Deleted, banned or already answered elsewhere: posting again cannot help.
            log.warning("mercadolibre.answer_refused", question_id=pending.question_id,
                        code=exc.code, reason=exc.reason)
            await self._mark(pending.message_id, f"{WITHHELD_PREFIX}{pending.message_id}")
            return False
        await self._mark(pending.message_id, f"{ANSWER_PREFIX}{pending.question_id}")
        log.info("mercadolibre.answered", question_id=pending.question_id)
        return True

    async def post_pending(self, limit: int = 50, **filters: Any) -> int:
        """Post every pending reply; returns how many MercadoLibre accepted."""
        posted = 0
        for pending in await self.pending_answers(limit, **filters):
            posted += await self.post(pending)
        return posted

    async def _mark(self, message_id: uuid.UUID, external_id: str) -> None:
        async with unit_of_work(self._factory) as session:
            await conversations_repo.mark_delivered(session, message_id, external_id,
                                                    self._clock())
