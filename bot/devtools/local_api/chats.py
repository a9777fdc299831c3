"""Private chats of the local server: the people, their messages (user's and bot's share one
message_id sequence per chat, like Telegram) and a per-chat event sequence for edits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

TYPING_SECONDS = 5.0  # Telegram shows a chat action for 5 s or until the next message


class InputError(ValueError):
    """Bad input to the user-activity API; `key` names the offending field."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.message = message


@dataclass(frozen=True)
class LocalUser:
    """A person chatting with the bot. Their private chat's id is their user id."""

    id: int
    first_name: str
    language_code: str | None = None
    last_name: str | None = None
    username: str | None = None

    @classmethod
    def coerce(cls, value: LocalUser | Mapping[str, Any], key: str = "user") -> LocalUser:
        """A LocalUser from itself or a {"id", "first_name", "language_code", ...} mapping."""
        if isinstance(value, LocalUser):
            return value
        if not isinstance(value, Mapping):
            raise InputError(key, "must be an object with id and first_name")
        user_id = value.get("id")
        if isinstance(user_id, str) and user_id.strip().isdigit():
            user_id = int(user_id)
        if not isinstance(user_id, int) or isinstance(user_id, bool) or not 0 < user_id < 2**52:
            raise InputError(f"{key}.id", "must be a positive integer")
        first_name = value.get("first_name")
        if not isinstance(first_name, str) or not first_name.strip() or len(first_name) > 64:
            raise InputError(f"{key}.first_name", "must be a non-empty string (at most 64)")
        optional: dict[str, str | None] = {}
        for name in ("language_code", "last_name", "username"):
            item = value.get(name)
            if item is not None and (not isinstance(item, str) or len(item) > 64):
                raise InputError(f"{key}.{name}", "must be a string")
            optional[name] = item or None
        return cls(id=user_id, first_name=first_name.strip(), **optional)

    def as_user(self) -> dict[str, Any]:
        """The Bot API User object."""
        user: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for name in ("last_name", "username", "language_code"):
            if getattr(self, name):
                user[name] = getattr(self, name)
        return user


@dataclass(frozen=True)
class PushResult:
    """What injecting a user action produced. `cursor` is the chat's event sequence then."""

    update_id: int
    message_id: int
    cursor: int


@dataclass
class StoredMessage:
    """A message in a chat: its Bot API body plus what the local API needs to report it."""

    chat_id: int
    message_id: int
    from_bot: bool
    body: dict[str, Any]
    created_seq: int
    seq: int  # the chat's event sequence at the message's last change
    edited: bool = False
    deleted: bool = False
    reply_keyboard: list[list[str]] | None = None  # a ReplyKeyboardMarkup is not in the body


@dataclass
class PrivateChat:
    """One private chat between a person and the bot."""

    user: LocalUser
    messages: dict[int, StoredMessage] = field(default_factory=dict)
    next_message_id: int = 1
    seq: int = 0
    actions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def id(self) -> int:
        return self.user.id

    def as_chat(self) -> dict[str, Any]:
        """The Bot API Chat object."""
        chat: dict[str, Any] = {
            "id": self.id,
            "type": "private",
            "first_name": self.user.first_name,
        }
        if self.user.last_name:
            chat["last_name"] = self.user.last_name
        if self.user.username:
            chat["username"] = self.user.username
        return chat

    def bump(self) -> int:
        self.seq += 1
        return self.seq

    def add(self, body: dict[str, Any], *, from_bot: bool) -> StoredMessage:
        """Give `body` the next message_id and store it."""
        message_id = self.next_message_id
        self.next_message_id += 1
        seq = self.bump()
        stored = StoredMessage(
            chat_id=self.id,
            message_id=message_id,
            from_bot=from_bot,
            body={"message_id": message_id, **body},
            created_seq=seq,
            seq=seq,
        )
        self.messages[message_id] = stored
        return stored

    def live(self, message_id: int) -> StoredMessage | None:
        stored = self.messages.get(message_id)
        return None if stored is None or stored.deleted else stored

    def select(
        self, after: int, since: int | None, *, include_user: bool = False
    ) -> list[StoredMessage]:
        """Messages newer than `after`, plus older ones edited after event `since`.

        `since` defaults to the moment message `after` was stored, so "what happened after the
        message I just sent" needs no cursor.
        """
        if since is None:
            since = self._created_seq_at_or_before(after)
        return [
            stored
            for stored in sorted(self.messages.values(), key=lambda item: item.message_id)
            if not stored.deleted
            and (stored.from_bot or include_user)
            and (stored.message_id > after or (stored.edited and stored.seq > since))
        ]

    def _created_seq_at_or_before(self, message_id: int) -> int:
        earlier = [m.created_seq for m in self.messages.values() if m.message_id <= message_id]
        return max(earlier, default=0)

    def active_action(self, now: float) -> str | None:
        """The chat action still shown: sent in the last 5 s and no bot message since."""
        if not self.actions:
            return None
        last = self.actions[-1]
        bot_message_since = any(
            m.from_bot and m.created_seq > last["seq"] for m in self.messages.values()
        )
        if bot_message_since or now - last["at"] > TYPING_SECONDS:
            return None
        return str(last["action"])
