"""The channel marks what it sent as delivered (in one go), and what failed stays undelivered."""

from __future__ import annotations

from types import SimpleNamespace

from aiogram.exceptions import TelegramNetworkError
from aiogram.methods import SendMessage
from sqlalchemy import select

from bot import channel
from storage.models import Direction, Message
from tests.agents.conftest import Chat


class FlakyBot:
    """Telegram as the channel sees it: every send works except to the chats listed."""

    def __init__(self, failing_chats: set[int]) -> None:
        self.failing_chats = failing_chats
        self.next_id = 500

    async def send_message(self, chat_id: int, text: str, **_: object) -> SimpleNamespace:
        if chat_id in self.failing_chats:
            raise TelegramNetworkError(SendMessage(chat_id=chat_id, text=text), "unreachable")
        self.next_id += 1
        return SimpleNamespace(message_id=self.next_id)


async def test_sent_messages_are_marked_and_a_failed_one_stays_undelivered(
        make_service, published_product, session) -> None:
    service = make_service()
    product = await published_product(telegram_id=1001)
    chat = Chat(service)
    await chat.send("buyer", 2001, f"/start {product.public_ref}", open_ref=product.public_ref)
    # A question the facts cannot answer: a reply to the buyer and a question to the seller.
    result = await chat.send("buyer", 2001, "¿Dónde se puede recoger?")
    assert len(result.replies) == 1 and len(result.deliveries) == 1

    await channel.deliver(FlakyBot(failing_chats={1001}), service, result)  # type: ignore[arg-type]

    rows = {row.id: row for row in (await session.scalars(
        select(Message).where(Message.direction == Direction.OUTBOUND)
        .execution_options(populate_existing=True))).all()}
    reply, question = rows[result.replies[0].message_id], rows[result.deliveries[0].message_id]
    assert reply.delivered_at is not None and reply.external_message_id == "2001:501"
    assert question.delivered_at is None and question.external_message_id is None
