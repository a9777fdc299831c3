"""`LocalBotApi`: everything the local Bot API server knows (chats, messages, the update queue,
files, callback queries, chat actions, commands, webhook, a request log) and the in-process API
tests and scripts use to play the people in the chats."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from typing import Any

from bot.devtools.local_api import user_activity
from bot.devtools.local_api.change_signal import ChangeSignal
from bot.devtools.local_api.chats import LocalUser, PrivateChat, PushResult, StoredMessage
from bot.devtools.local_api.errors import BotApiError, bad_request
from bot.devtools.local_api.files import FileStore
from bot.devtools.local_api.request_log import LoggedRequest, RequestLog
from bot.devtools.local_api.update_queue import UpdateQueue
from bot.devtools.local_api.views import message_view
from bot.devtools.local_api.webhook_delivery import WebhookDelivery

UserLike = LocalUser | Mapping[str, Any]


class LocalBotApi:
    """The state of the local Bot API server, shared by the HTTP app and in-process callers."""

    def __init__(
        self,
        *,
        bot_username: str = "marketbot_local_bot",
        bot_first_name: str = "Marketbot",
        clock: Callable[[], float] = time.time,
        allow_unknown_chats: bool = True,
        request_log_size: int = 5000,
        id_base: int = 0,
        webhook_timeout: float = 60.0,
    ) -> None:
        # id_base > 0 keeps update and message ids above those of earlier runs, as Telegram's
        # never restart: a database that outlives this process then sees no reused ids.
        self.bot_username = bot_username
        self.bot_first_name = bot_first_name
        self.clock = clock
        # Telegram refuses to message someone who never wrote to the bot; locally a seller
        # created by fixtures must still be reachable, so unknown ids become chats by default.
        self.allow_unknown_chats = allow_unknown_chats
        self.files = FileStore()
        self.signal = ChangeSignal()
        self._requests = RequestLog(request_log_size)
        self.updates = UpdateQueue(self.signal, id_base)
        # POSTs the updates while a webhook is set (`webhook_timeout`: how long an answer may take)
        self.webhook_delivery = WebhookDelivery(self.updates, clock, timeout=webhook_timeout)
        self._id_base = id_base
        self._callback_counter = 0  # callback query ids never restart either
        self._last_activity = time.monotonic()
        # The bot's own configuration survives a reset, as a running bot would expect
        self.webhook: dict[str, Any] = {}
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self._clear()

    def _clear(self) -> None:
        self._chats: dict[int, PrivateChat] = {}
        self.updates.clear()
        self.callback_queries: dict[str, dict[str, Any]] = {}
        self.callback_answers: list[dict[str, Any]] = []
        self.files.clear()

    def reset(self) -> None:
        """Forget every chat, message, update, callback query, file and logged request (between
        replays). The bot's configuration (webhook, commands, allowed_updates) and the id
        counters of updates and callback queries are kept."""
        self._clear()
        self._requests.clear()
        self.signal.notify()

    def now(self) -> int:
        return int(self.clock())

    def bot_user(self, bot_id: int) -> dict[str, Any]:
        """The Bot API User of the bot (its id is the token's numeric part)."""
        return {
            "id": bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
            "can_join_groups": False,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    # chats -----------------------------------------------------------------------------

    def register_user(self, user: UserLike) -> PrivateChat:
        """The person's chat, created on first contact; their name/language are refreshed."""
        person = LocalUser.coerce(user)
        chat = self._chats.get(person.id)
        if chat is None:
            chat = self._chats[person.id] = PrivateChat(
                user=person, next_message_id=self._id_base + 1
            )
        else:
            chat.user = person
        return chat

    def chat(self, chat_id: int) -> PrivateChat | None:
        return self._chats.get(chat_id)

    def chats(self) -> list[PrivateChat]:
        return list(self._chats.values())

    def chat_for_bot(self, chat_id: int | str) -> PrivateChat:
        """The chat a Bot API call names, or Telegram's error."""
        if isinstance(chat_id, str):
            wanted = chat_id.removeprefix("@").lower()
            for chat in self._chats.values():
                if (chat.user.username or "").lower() == wanted:
                    return chat
            raise bad_request("chat not found")
        chat = self._chats.get(chat_id)
        if chat is not None:
            return chat
        if chat_id <= 0:
            raise bad_request("chat not found")
        if not self.allow_unknown_chats:
            raise BotApiError(403, "Forbidden: bot can't initiate conversation with a user")
        return self.register_user({"id": chat_id, "first_name": f"User {chat_id}"})

    # messages --------------------------------------------------------------------------

    def add_bot_message(
        self,
        chat: PrivateChat,
        content: dict[str, Any],
        bot_id: int,
        *,
        reply_keyboard: list[list[str]] | None = None,
    ) -> StoredMessage:
        # as on Telegram, a message's sender carries only the basic User fields
        sender = {
            "id": bot_id,
            "is_bot": True,
            "first_name": self.bot_first_name,
            "username": self.bot_username,
        }
        body = {"from": sender, "chat": chat.as_chat(), "date": self.now()}
        stored = chat.add({**body, **content}, from_bot=True)
        stored.reply_keyboard = reply_keyboard
        self.signal.notify()
        return stored

    def add_user_message(self, chat: PrivateChat, content: dict[str, Any]) -> StoredMessage:
        body = {"from": chat.user.as_user(), "chat": chat.as_chat(), "date": self.now()}
        stored = chat.add({**body, **content}, from_bot=False)
        self.signal.notify()
        return stored

    def mark_edited(self, chat: PrivateChat, stored: StoredMessage) -> None:
        stored.edited = True
        stored.seq = chat.bump()
        stored.body["edit_date"] = self.now()
        self.signal.notify()

    def mark_deleted(self, chat: PrivateChat, stored: StoredMessage) -> None:
        stored.deleted = True
        stored.seq = chat.bump()
        self.signal.notify()

    def record_action(self, chat: PrivateChat, action: str) -> None:
        chat.actions.append(
            {"action": action, "date": self.now(), "at": self.clock(), "seq": chat.seq}
        )
        self.signal.notify()

    # updates ---------------------------------------------------------------------------

    def queue_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Append an Update of `kind` ("message", "callback_query", ...); returns its id."""
        return self.updates.put(kind, payload)

    def pending_updates(self) -> list[dict[str, Any]]:
        return self.updates.pending()

    def drop_pending_updates(self) -> None:
        self.updates.clear()

    async def get_updates(
        self, offset: int | None, limit: int, wait_seconds: float, allowed: list[str] | None
    ) -> list[dict[str, Any]]:
        """getUpdates: confirm below `offset`, then wait up to `wait_seconds` for updates."""
        updates = await self.updates.get(offset, limit, wait_seconds, allowed)
        if updates:
            self._last_activity = time.monotonic()
        return updates

    # callback queries ------------------------------------------------------------------

    def new_callback_query_id(self) -> str:
        self._callback_counter += 1
        # Above an earlier run's too: the bot's inbox keeps a pressed button's id as its dedupe
        # key, so a restarted local server reusing ids had its first presses dropped as seen.
        return str(4_000_000_000_000_000_000 + self._id_base + self._callback_counter)

    # request log -----------------------------------------------------------------------

    def log_request(
        self, method: str, params: dict[str, Any], status: int, response: dict[str, Any]
    ) -> None:
        self._requests.add(method, params, status, response)
        if method != "getUpdates":
            self._last_activity = time.monotonic()

    def requests(self, method: str | None = None) -> list[LoggedRequest]:
        """Logged Bot API calls, oldest first; only `method`'s when given."""
        return self._requests.select(method)

    # `timeout` bounds a wait that reports its outcome instead of raising, hence the noqa
    async def wait_idle(self, quiet: float = 0.3, timeout: float = 10.0) -> bool:  # noqa: ASYNC109
        """Wait until every queued update was fetched and the bot made no call for `quiet`
        seconds (a heuristic for "the bot finished handling"); False on timeout."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while loop.time() < deadline:
            if self.updates.all_fetched() and time.monotonic() - self._last_activity >= quiet:
                return True
            await asyncio.sleep(min(0.05, quiet))
        return False

    # reading chats (JSON API and tests) -------------------------------------------------

    def cursor(self, chat_id: int) -> int:
        chat = self._chats.get(chat_id)
        return chat.seq if chat else 0

    async def bot_messages(
        self, chat_id: int, after: int = 0, *, since: int | None = None, include_user: bool = False
    ) -> list[dict[str, Any]]:
        """Views (see views.message_view) of the bot's messages in the chat newer than
        message `after`, plus earlier ones edited since event `since`."""
        chat = self._chats.get(chat_id)
        if chat is None:
            return []
        return [message_view(m) for m in chat.select(after, since, include_user=include_user)]

    async def wait_for_messages(
        self,
        chat_id: int,
        after: int = 0,
        timeout: float = 10.0,  # noqa: ASYNC109 - returns what arrived, never raises
        *,
        since: int | None = None,
        include_user: bool = False,
    ) -> list[dict[str, Any]]:
        """Like bot_messages, waiting up to `timeout` seconds for at least one."""

        def ready() -> list[dict[str, Any]]:
            chat = self._chats.get(chat_id)
            if chat is None:
                return []
            return [message_view(m) for m in chat.select(after, since, include_user=include_user)]

        return await self.signal.wait_for(ready, timeout)

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        """The Bot API Message body as stored (None when unknown or deleted)."""
        chat = self._chats.get(chat_id)
        stored = chat.live(message_id) if chat else None
        return stored.body if stored else None

    # playing the people (in-process API) ------------------------------------------------

    async def push_text(self, user: UserLike, text: str,
                        reply_to_message_id: int | None = None) -> PushResult:
        return user_activity.push_text(self, user, text, reply_to_message_id)

    async def push_callback(self, user: UserLike, message_id: int, data: str) -> PushResult:
        return user_activity.push_callback(self, user, message_id, data)

    async def push_photo(
        self, user: UserLike, image_bytes: bytes, caption: str | None = None
    ) -> PushResult:
        return user_activity.push_photo(self, user, image_bytes, caption)

    async def push_sticker(self, user: UserLike) -> PushResult:
        return user_activity.push_sticker(self, user)

    async def push_voice(self, user: UserLike, duration: int = 2) -> PushResult:
        return user_activity.push_voice(self, user, duration)

    async def push_document(
        self, user: UserLike, data: bytes, file_name: str, caption: str | None = None
    ) -> PushResult:
        return user_activity.push_document(self, user, data, file_name, caption)
