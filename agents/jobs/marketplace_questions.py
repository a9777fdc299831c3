"""MercadoLibre questions answered by the agent, through the conversation service.

A question is one buyer message on the `mercadolibre` channel (chat `<item>:<buyer>`, external
id the question id), handled like any chat turn: facts from the stored product, the outbound
guard, the negotiation rules. The stored reply is posted as the answer. When the agent cannot
answer from the facts it forwards the question to the seller on Telegram (`ask_seller`); its own
reply is then withheld and the seller's quoted reply becomes the answer (`post_seller_reply`).

A notification delivered twice, or a question found by the poll after its webhook, is the same
inbound message: the service answers it once, so MercadoLibre gets one answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

import structlog

from agents.conversation.conversation_service import ConversationService, InboundEvent, Sender
from agents.conversation.outbox import OutboundMessage
from agents.jobs.job_notices import notify_seller
from integrations.marketplace import BuyerQuestion, MarketplaceError
from integrations.mercadolibre.errors import InvalidGrant
from integrations.mercadolibre.notifications import Notification, question_id_from_resource
from integrations.mercadolibre.questions import UNANSWERED, QuestionDesk
from storage.database import unit_of_work
from storage.models import Channel

log = structlog.get_logger(__name__)

Status = Literal["answered", "forwarded", "duplicate", "ignored", "pending"]


@dataclass
class QuestionOutcome:
    """What became of one question; `deliveries` are Telegram messages still to send."""

    question_id: str
    status: Status
    deliveries: list[OutboundMessage] = field(default_factory=list)


class MarketplaceQuestions:
    def __init__(self, service: ConversationService, desk: QuestionDesk) -> None:
        self.service = service
        self.desk = desk

    async def on_notification(self, notification: Notification) -> QuestionOutcome | None:
        """A `questions` notification: fetch the question with the seller's token, answer it."""
        if notification.topic != "questions":
            return None
        seller_id = await self.desk.accounts.seller_for_user(notification.user_id)
        if seller_id is None:
            log.info("mercadolibre.notification_unknown_user", user_id=notification.user_id)
            return None
        question_id = question_id_from_resource(notification.resource)
        try:
            question = await self.desk.question(seller_id, question_id)
        except InvalidGrant:
            return QuestionOutcome(question_id, "pending", await self._reconnect(seller_id))
        return await self.handle(question, seller_id=seller_id)

    async def handle(self, question: BuyerQuestion, *, seller_id: uuid.UUID | None = None
                     ) -> QuestionOutcome:
        if question.status != UNANSWERED:
            return QuestionOutcome(question.id, "ignored")
        target = await self.desk.locate(question)
        if target is None or (seller_id is not None and target.seller_id != seller_id):
            log.info("mercadolibre.question_not_ours", item_id=question.item_id)
            return QuestionOutcome(question.id, "ignored")
        result = await self.service.handle(InboundEvent(
            channel=Channel.MERCADOLIBRE, chat_id=target.chat_id,
            external_message_id=question.id, role="buyer",
            # Questions carry no buyer name; the greeting reads naturally with this one.
            sender=Sender(name="Comprador", language="es",
                          marketplace_user_id=question.from_user_id),
            text=question.text, open_product_ref=target.public_ref))
        if result.duplicate:
            return QuestionOutcome(question.id, "duplicate")
        mine = [out.message_id for out in [*result.replies, *result.deliveries]
                if out.channel is Channel.MERCADOLIBRE]
        posted = await self.desk.post_pending(message_ids=mine) if mine else 0
        telegram = [out for out in result.deliveries if out.channel is Channel.TELEGRAM]
        if "ask_seller" in result.tools:
            status: Status = "forwarded"
        else:
            status = "answered" if posted else "pending"
        return QuestionOutcome(question.id, status, telegram)

    async def poll(self) -> list[QuestionOutcome]:
        """The webhook's fallback: replies an earlier failed post left behind, then every
        connected seller's unanswered questions."""
        await self.desk.post_pending()
        outcomes: list[QuestionOutcome] = []
        for seller_id in await self.desk.accounts.connected_sellers():
            try:
                questions = await self.desk.unanswered(seller_id)
            except InvalidGrant:
                outcomes.append(QuestionOutcome("", "pending", await self._reconnect(seller_id)))
                continue
            except MarketplaceError as exc:
                log.warning("mercadolibre.poll_failed", seller_id=str(seller_id),
                            reason=exc.reason)
                continue
            for question in questions:
                outcomes.append(await self.handle(question, seller_id=seller_id))
        return outcomes

    async def post_seller_reply(self, deliveries: Sequence[OutboundMessage]) -> int:
        """Post the seller's reply among `deliveries` as the question's answer: stored for
        MercadoLibre, it is the seller's own words (agents/conversation/outbox.py)."""
        ids = [out.message_id for out in deliveries if out.channel is Channel.MERCADOLIBRE]
        if not ids:
            return 0
        posted = 0
        for pending in await self.desk.pending_answers(message_ids=ids):
            posted += await self.desk.post(pending)
        return posted

    async def _reconnect(self, seller_id: uuid.UUID) -> list[OutboundMessage]:
        async with unit_of_work(self.service.session_factory) as session:
            out = await notify_seller(session, seller_id, "ml_reconnect",
                                      now=self.service.clock())
        return [out] if out else []
