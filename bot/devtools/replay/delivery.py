"""Invariant 4: every inbound message and every bot reply is stored in `messages`, once, in order.

Compared: what the local Bot API server saw (the people's messages and button presses pushed
to it; the bot's successful send*/edit* calls) with the messages table (inbound rows under
`chat:message_id` or `cb:<query id>`, outbound rows under their delivered `chat:message_id`).
A stored reply longer than one Telegram message was sent in parts; the parts after the first
are accounted to it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.channel import split_text
from bot.devtools.local_api import LocalBotApi
from bot.devtools.replay.report import Failure
from storage.models import Channel, Conversation, Direction, Message

KEY = "invariant 4"
_EDITS = ("editMessageText", "editMessageCaption", "editMessageReplyMarkup", "editMessageMedia")


def bot_sent(api: LocalBotApi) -> list[tuple[int, int, str]]:
    """(chat id, message id, text) of every message the bot created, in order."""
    sent = []
    for request in api.requests():
        if request.status != 200 or not request.method.startswith(("send", "copy", "forward")):
            continue
        results = request.result if isinstance(request.result, list) else [request.result]
        for message in results:
            if isinstance(message, dict) and "message_id" in message:
                text = message.get("text") or message.get("caption") or ""
                sent.append((int(message["chat"]["id"]), int(message["message_id"]), text))
    return sent


def bot_edited(api: LocalBotApi) -> list[tuple[int, int]]:
    edited = []
    for request in api.requests():
        if request.status == 200 and request.method in _EDITS:
            params = request.params
            if "chat_id" in params and "message_id" in params:
                edited.append((int(params["chat_id"]), int(params["message_id"])))
    return edited


async def check_delivery(session_factory: async_sessionmaker[AsyncSession], api: LocalBotApi,
                         pushed: list[tuple[int, str]]) -> list[Failure]:
    async with session_factory() as session:
        inbound, outbound = await _stored(session)
    failures = _check_inbound(inbound, pushed)
    failures += _check_outbound(outbound, bot_sent(api), bot_edited(api))
    return failures


async def _stored(session: AsyncSession
                  ) -> tuple[list[tuple[str, str]], list[tuple[str, str | None, str]]]:
    rows = (await session.execute(
        select(Message.direction, Message.external_message_id, Message.text,
               Conversation.external_chat_id)
        .join(Conversation, Message.conversation_id == Conversation.id)
        .where(Message.channel == Channel.TELEGRAM).order_by(Message.seq))).all()
    inbound = [(chat, external or "") for direction, external, _, chat in rows
               if direction is Direction.INBOUND]
    outbound = [(chat, external, text) for direction, external, text, chat in rows
                if direction is Direction.OUTBOUND]
    return inbound, outbound


def _check_inbound(inbound: list[tuple[str, str]], pushed: list[tuple[int, str]]
                   ) -> list[Failure]:
    failures: list[Failure] = []
    stored_ids = [external for _, external in inbound]
    for chat_id, external in pushed:
        count = stored_ids.count(external)
        if count != 1:
            failures.append(Failure(None, KEY, f"inbound {external} (chat {chat_id}) is stored "
                                    f"{count} times, not once"))
    expected = {external for _, external in pushed}
    for chat, external in inbound:
        if external not in expected:
            failures.append(Failure(None, KEY, f"inbound {external} (chat {chat}) is stored "
                                    "but the server never received it"))
    order = [external for external in stored_ids if external in expected]
    wanted = [external for _, external in pushed if external in order]
    if order != wanted and not failures:
        failures.append(Failure(None, KEY, f"inbound messages are stored in another order: "
                                f"{order} instead of {wanted}"))
    return failures


def _check_outbound(outbound: list[tuple[str, str | None, str]],
                    sent: list[tuple[int, int, str]], edited: list[tuple[int, int]]
                    ) -> list[Failure]:
    failures: list[Failure] = []
    accounted: set[str] = set()
    last_id: dict[str, int] = {}
    for chat, external, text in outbound:
        if not external:
            failures.append(Failure(None, KEY, f"a bot reply to chat {chat} is stored but was "
                                    f"never sent: {text[:120]!r}"))
            continue
        if external in accounted:
            failures.append(Failure(None, KEY, f"two stored replies claim message {external}"))
        first = int(external.split(":")[1])
        parts = max(1, len(split_text(text)))
        accounted.update(f"{chat}:{first + part}" for part in range(parts))
        if first < last_id.get(chat, 0):
            failures.append(Failure(None, KEY, f"bot reply {external} is stored after a "
                                    "later message of the same chat"))
        last_id[chat] = first
    sent_ids = {f"{chat}:{message_id}" for chat, message_id, _ in sent}
    for chat, message_id, text in sent:
        if f"{chat}:{message_id}" not in accounted:
            failures.append(Failure(None, KEY, f"the bot sent message {chat}:{message_id} that "
                                    f"is not stored: {text[:120]!r}"))
    for chat, external, _ in outbound:
        if external and external not in sent_ids:
            failures.append(Failure(None, KEY, f"stored reply {external} (chat {chat}) is not a "
                                    "message the bot sent"))
    for chat, message_id in edited:
        if f"{chat}:{message_id}" not in accounted:
            failures.append(Failure(None, KEY, f"the bot edited message {chat}:{message_id}, "
                                    "which no stored reply accounts for"))
    return failures
