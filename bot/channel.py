"""The Telegram side of the conversation service: updates in, stored replies out.

Inbound: a Message or CallbackQuery becomes an `InboundEvent`. Outbound: each stored reply or
notification is sent (split at 4096 characters, escaped, with its inline keyboard on the last
part) and marked delivered with its Telegram message id.
"""

from __future__ import annotations

import html
from pathlib import Path
from typing import TYPE_CHECKING

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError
from aiogram.types import (
    CallbackQuery,
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Message,
    User,
)
from aiogram.utils.chat_action import ChatActionSender

from agents.conversation.conversation_service import (
    ChatBusy,
    ConversationService,
    InboundEvent,
    Sender,
    TurnResult,
)
from agents.conversation.outbox import OutboundMessage
from agents.turn_context import Button, PhotoRef
from bot import placed_signal
from bot.i18n import pick_language
from bot.job_handoff import RETRY_SEND_AFTER_SECONDS, defer_answer, defer_send
from bot.metrics import note_send_failed, note_sent
from storage.models import Channel, MessageType

if TYPE_CHECKING:
    from bot.app_runtime import AppRuntime

log = structlog.get_logger(__name__)

TELEGRAM_LIMIT = 4096
# Only a slow turn (a hosted model thinking) shows "typing…": a reply that comes sooner would
# hide it at once, and the request would cost as much as the reply.
TYPING_AFTER_SECONDS = 1.0
TYPING_EVERY_SECONDS = 4.5  # Telegram shows the action for five seconds
BUSY_RETRY_SECONDS = 1.0  # the queue's first try at a message whose chat was busy


def sender_of(user: User) -> Sender:
    name = " ".join(filter(None, [user.first_name, user.last_name])) or user.username or "?"
    return Sender(name=name, telegram_id=user.id, language=pick_language(user.language_code))


def message_type_of(message: Message) -> MessageType:
    if message.photo:
        return MessageType.PHOTO
    if message.sticker:
        return MessageType.STICKER
    if message.voice or message.audio or message.video_note:
        return MessageType.VOICE
    if message.document or message.video or message.animation:
        return MessageType.DOCUMENT
    if message.text and message.text.startswith("/"):
        return MessageType.COMMAND
    return MessageType.TEXT


def event_from_message(message: Message, role: str, *, text: str | None = None,
                       photos: list[PhotoRef] | None = None, open_ref: str | None = None,
                       relay_to: str | None = None) -> InboundEvent:
    if message.from_user is None:  # the Dispatcher's root filter keeps these out
        raise ValueError("a message without a sender is not part of a conversation")
    event = InboundEvent(
        channel=Channel.TELEGRAM, chat_id=str(message.chat.id),
        external_message_id=f"{message.chat.id}:{message.message_id}", role=role,
        sender=sender_of(message.from_user),
        text=text if text is not None else (message.text or message.caption or ""),
        message_type=message_type_of(message), photos=photos or [], open_product_ref=open_ref,
        relay_to=relay_to,
    )
    return event


def event_from_callback(query: CallbackQuery, role: str) -> InboundEvent:
    chat_id = query.message.chat.id if query.message else query.from_user.id
    label = _button_label(query)
    return InboundEvent(
        channel=Channel.TELEGRAM, chat_id=str(chat_id), external_message_id=f"cb:{query.id}",
        role=role, sender=sender_of(query.from_user), text=f"[{label}]",
        message_type=MessageType.CALLBACK, callback_data=query.data or "",
    )


async def acknowledge(query: CallbackQuery, text: str | None = None) -> None:
    """Answer the callback query (it stops the button's spinner). A refusal (answered too late,
    a network error) is logged, never raised: the press is acted on all the same."""
    try:
        await query.answer(text)
    except TelegramAPIError as exc:
        log.warning("callback.answer_failed", error=str(exc))


def _button_label(query: CallbackQuery) -> str:
    markup = getattr(query.message, "reply_markup", None)
    for row in getattr(markup, "inline_keyboard", None) or []:
        for button in row:
            if button.callback_data == query.data:
                return button.text
    return query.data or "button"


async def photos_of(bot: Bot, message: Message, media_dir: Path) -> list[PhotoRef]:
    """The largest size of the message's photo, saved under the media folder."""
    if not message.photo:
        return []
    largest = message.photo[-1]
    target = media_dir / f"{largest.file_unique_id}.jpg"
    data: bytes | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        await bot.download(largest, destination=target)
        data = target.read_bytes()
    except (TelegramAPIError, OSError) as exc:
        log.warning("photo.download_failed", error=str(exc))
    return [PhotoRef(telegram_file_id=largest.file_id,
                     storage_key=target.relative_to(media_dir).as_posix() if data else None,
                     width=largest.width, height=largest.height,
                     size_bytes=largest.file_size or (len(data) if data else None),
                     format="jpg", data=data)]


def split_text(text: str, limit: int = TELEGRAM_LIMIT) -> list[str]:
    """Split at line or word boundaries so each part fits one Telegram message."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        if cut < limit // 2:
            cut = text.rfind(" ", 0, limit)
        if cut < limit // 2:
            cut = limit
        parts.append(text[:cut])
        text = text[cut:].lstrip()
    parts.append(text)
    return [p for p in parts if p]


def keyboard(buttons: list[list[Button]]) -> InlineKeyboardMarkup | None:
    if not buttons:
        return None
    return InlineKeyboardMarkup(inline_keyboard=[
        [InlineKeyboardButton(text=b.text, callback_data=b.callback_data) for b in row]
        for row in buttons])


async def send_outbound(bot: Bot, service: ConversationService, out: OutboundMessage) -> None:
    sent = await _send(bot, out)
    if sent is not None:
        await service.mark_delivered(out.message_id, sent)
        note_sent(out.recipient)


async def _send(bot: Bot, out: OutboundMessage) -> str | None:
    """Send one stored message; its external id (chat:message), or None for another channel."""
    if out.channel is not Channel.TELEGRAM:
        return None  # other channels deliver their own messages
    parts = split_text(out.text) or [""]
    sent_id: int | None = None
    for index, part in enumerate(parts):
        last = index == len(parts) - 1
        sent = await bot.send_message(int(out.chat_id), html.escape(part, quote=False),
                                      reply_markup=keyboard(out.buttons) if last else None)
        sent_id = sent_id or sent.message_id
    return f"{out.chat_id}:{sent_id}"


async def deliver(bot: Bot, service: ConversationService, result: TurnResult, *,
                  jobs_of: AppRuntime | None = None) -> None:
    """Send replies first, then messages to other actors; a failed send stays undelivered
    and, given the runtime (`jobs_of`), goes to the job queue's sender at once (at Telegram's
    `retry_after` for a 429); otherwise the queue's sweep finds it.

    What was sent is marked delivered in one statement at the end (also when a send fails
    on the way): at least once, as with one mark per message, for one round trip.
    """
    sent: list[tuple[OutboundMessage, str]] = []
    failed: list[tuple[OutboundMessage, float]] = []
    try:
        for out in [*result.replies, *result.deliveries]:
            try:
                external_id = await _send(bot, out)
            except TelegramAPIError as exc:
                log.warning("send.failed", chat_id=out.chat_id, error=str(exc))
                note_send_failed()
                failed.append((out, float(getattr(exc, "retry_after", 0) or 0)))
                continue
            if external_id is not None:
                sent.append((out, external_id))
    finally:
        if sent:
            await service.mark_delivered_many([(out.message_id, ext) for out, ext in sent])
            for out, _ in sent:
                note_sent(out.recipient)
        if failed and jobs_of is not None:
            await _hand_to_sender(jobs_of, failed)


async def _hand_to_sender(runtime: AppRuntime, failed: list[tuple[OutboundMessage, float]]
                          ) -> None:
    for out, retry_after in failed:
        try:
            await defer_send(runtime, out.message_id, out.chat_id,
                             delay=max(retry_after, RETRY_SEND_AFTER_SECONDS))
        except Exception as exc:  # the sweep will find it
            log.warning("send.hand_off_failed", message_id=str(out.message_id),
                        error=repr(exc))


async def answer(bot: Bot, runtime: AppRuntime, chat_id: int, event: InboundEvent, *,
                 queue_when_busy: bool = True) -> TurnResult:
    """Run the service for one event with "typing…" shown, then send what it stored.

    When another turn holds the chat past the lock's wait, the stored message's answer goes to
    the job queue (`queue_when_busy`, in the chat's order) and this returns a result with no
    replies; otherwise `ChatBusy` is raised (the inbox hands the whole update on)."""
    try:
        async with typing_when_slow(bot, chat_id):
            result = await runtime.service.handle(event, on_stored=placed_signal.fire)
    except ChatBusy as busy:
        if not queue_when_busy:
            raise
        log.info("turn.chat_busy_queued", inbound_id=str(busy.inbound_id))
        await defer_answer(runtime, busy.inbound_id, chat_id, delay=BUSY_RETRY_SECONDS)
        return TurnResult(busy.inbound_id, conversation_id=busy.conversation_id)
    await deliver(bot, runtime.service, result, jobs_of=runtime)
    return result


class _Typing(ChatActionSender):
    """aiogram's sender, quiet when Telegram refuses the action (a blocked bot, a gone chat):
    the turn goes on, and no task ends with an exception nobody retrieves."""

    async def _worker(self) -> None:
        try:
            await super()._worker()
        except TelegramAPIError as exc:
            log.info("typing.refused", chat_id=self.chat_id, error=str(exc))


def typing_when_slow(bot: Bot, chat_id: int) -> ChatActionSender:
    """Show "typing…" while the block runs, once it has run for TYPING_AFTER_SECONDS."""
    return _Typing(bot=bot, chat_id=chat_id, action="typing", interval=TYPING_EVERY_SECONDS,
                   initial_sleep=TYPING_AFTER_SECONDS)

