"""Playing one turn: the actor's updates go to the local Bot API server, the Dispatcher handles
them, and what the bot sent to each actor during the turn is collected from the server.

Within a turn the steps run in this order, each handled completely before the next:
`advance` (move the clock, run the jobs that fall due, send what they produced), `open`
(`/start <product ref>`), `photo` (with `caption`), `sends` (a sticker or voice note), `says`
(quoting a bot message when `quotes` is given), `taps`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aiogram import Dispatcher
from sqlalchemy import func, select

from agents.conversation.conversation_service import TurnResult
from agents.jobs.scheduled import run_due_jobs
from bot.app_runtime import AppRuntime
from bot.channel import deliver
from bot.devtools.local_api import LocalBotApi, PushResult
from bot.devtools.replay.clock import ReplayClock
from bot.devtools.replay.environment import ReplayEnvironment
from bot.devtools.replay.images import photo_bytes
from bot.devtools.replay.transcript import Turn
from storage.models import Direction, Message


@dataclass
class ActorInfo:
    name: str
    role: str  # "seller" | "buyer"
    telegram_id: int
    user: dict[str, Any]  # the Bot API User the local server plays


@dataclass
class TurnCapture:
    """What happened in one turn, as the channel saw it."""

    number: int
    turn: Turn
    messages: dict[str, list[dict[str, Any]]] = field(default_factory=dict)  # actor → views
    tools: list[str] = field(default_factory=list)
    problems: list[tuple[str, str]] = field(default_factory=list)  # (key, what went wrong)
    first_seq: int = 0  # messages.seq above which this turn's rows are

    def describe(self) -> list[str]:
        """The turn as lines: what the actor did, then what the bot sent to whom."""
        turn = self.turn
        acts = [f"{key} {value!r}" for key, value in (
            ("advance", turn.advance), ("open", turn.open), ("photo", turn.photo),
            ("caption", turn.caption), ("sends", turn.sends), ("quotes", turn.quotes),
            ("says", turn.says), ("taps", turn.taps)) if value is not None]
        lines = [f"turn {self.number}: {turn.actor} ({turn.role}) {', '.join(acts)}"]
        for actor, views in self.messages.items():
            for view in views:
                buttons = [button["text"] for row in view["buttons"] for button in row]
                extra = f" {buttons}" if buttons else ""
                lines.append(f"    bot → {actor}: {view['text']!r}{extra}")
        if self.tools:
            lines.append(f"    tools: {', '.join(self.tools)}")
        return lines

    def texts(self, actor: str) -> str:
        return "\n".join(view["text"] for view in self.messages.get(actor, []))

    def button_texts(self, actor: str) -> list[str]:
        return [button["text"] for view in self.messages.get(actor, [])
                for row in view["buttons"] for button in row]


class TurnDriver:
    def __init__(self, env: ReplayEnvironment, runtime: AppRuntime, dispatcher: Dispatcher,
                 clock: ReplayClock, actors: dict[str, ActorInfo], transcript_path: Path,
                 public_ref: Callable[[str], Any], push_script: Callable[[list[Any]], None]
                 ) -> None:
        self.env, self.runtime, self.dispatcher = env, runtime, dispatcher
        self.clock, self.actors, self.path = clock, actors, transcript_path
        self.public_ref = public_ref  # async: product name → its deep-link payload
        self.push_script = push_script
        # What the local server received from the people, in order: (chat id, the external id
        # the service must store it under). Invariant 4 compares it with the messages table.
        self.pushed: list[tuple[int, str]] = []

    @property
    def api(self) -> LocalBotApi:
        return self.env.api

    async def play(self, number: int, turn: Turn) -> TurnCapture:
        capture = TurnCapture(number, turn, first_seq=await self._last_seq())
        cursors = {name: self._cursor(actor.telegram_id) for name, actor in self.actors.items()}
        actor = self.actors[turn.actor]
        if turn.llm:
            self.push_script([item.as_script() for item in turn.llm])
        if turn.duration is not None:
            await self._advance(turn)
        if turn.open is not None:
            ref = await self.public_ref(turn.open)
            if ref is None:
                capture.problems.append(("open", f"product {turn.open!r} is not known yet"))
            else:
                await self._push(actor, self.api.push_text(actor.user, f"/start {ref}"))
        if turn.photo is not None:
            data = photo_bytes(turn.photo, self.path)
            await self._push(actor, self.api.push_photo(actor.user, data, turn.caption))
        if turn.sends == "sticker":
            await self._push(actor, self.api.push_sticker(actor.user))
        elif turn.sends == "voice":
            await self._push(actor, self.api.push_voice(actor.user))
        if turn.says is not None:
            await self._say(capture, actor, turn.says, turn.quotes)
        if turn.taps is not None:
            await self._tap(capture, actor, turn.taps)
        for name, (after, since) in cursors.items():
            views = await self.api.bot_messages(self.actors[name].telegram_id, after, since=since)
            if views:
                capture.messages[name] = views
        capture.tools = await self._tools(capture.first_seq)
        return capture

    def _cursor(self, chat_id: int) -> tuple[int, int]:
        chat = self.api.chat(chat_id)
        return (chat.next_message_id - 1, chat.seq) if chat is not None else (0, 0)

    async def _push(self, actor: ActorInfo, pushing: Awaitable[PushResult], *,
                    callback: bool = False) -> None:
        """Hand the person's action to the server, then let the bot handle it completely."""
        result = await pushing
        chat_id = actor.telegram_id
        if callback:  # stored under the callback query's id, the newest one
            self.pushed.append((chat_id, f"cb:{next(reversed(self.api.callback_queries))}"))
        else:
            self.pushed.append((chat_id, f"{chat_id}:{result.message_id}"))
        await self.env.feed(self.dispatcher)

    async def _advance(self, turn: Turn) -> None:
        assert turn.duration is not None
        now = self.clock.advance(turn.duration)
        sent = await run_due_jobs(self.runtime.session_factory, self.runtime.settings, now)
        await deliver(self.env.bot, self.runtime.service, TurnResult(None, deliveries=sent))

    async def _say(self, capture: TurnCapture, actor: ActorInfo, text: str,
                   quotes: str | None) -> None:
        if quotes is None:
            await self._push(actor, self.api.push_text(actor.user, text))
            return
        matching = [view for view in await self.api.bot_messages(actor.telegram_id, 0)
                    if quotes.lower() in view["text"].lower()]
        if not matching:
            capture.problems.append(("quotes", f"no bot message to {actor.name} contains "
                                               f"{quotes!r}"))
            return
        await self._push(actor, self.api.push_text(actor.user, text,
                                                   matching[-1]["message_id"]))

    async def _tap(self, capture: TurnCapture, actor: ActorInfo, label: str) -> None:
        wanted = label.lower()
        for view in reversed(await self.api.bot_messages(actor.telegram_id, 0)):
            for row in view["buttons"]:
                for button in row:
                    if wanted in button["text"].lower() and button["callback_data"]:
                        await self._push(actor, self.api.push_callback(
                            actor.user, view["message_id"], button["callback_data"]),
                            callback=True)
                        return
        capture.problems.append(("taps", f"no bot message to {actor.name} has a button "
                                         f"containing {label!r}"))

    async def _last_seq(self) -> int:
        async with self.runtime.session_factory() as session:
            return int(await session.scalar(select(func.max(Message.seq))) or 0)

    async def _tools(self, first_seq: int) -> list[str]:
        async with self.runtime.session_factory() as session:
            rows = await session.scalars(
                select(Message.tool_calls).where(Message.seq > first_seq,
                                                 Message.direction == Direction.OUTBOUND)
                .order_by(Message.seq))
            return [str(call.get("name")) for calls in rows for call in calls or []
                    if isinstance(call, dict)]

