"""MercadoLibre webhook notifications: validate the body, acknowledge at once, process later.

MercadoLibre expects a 200 within 500 ms and otherwise retries the notification and, after
repeated failures, disables the topic for the app. So the handler only validates and answers; the
work (fetching the question, asking the agent) runs in a background task the receiver keeps a
reference to, because asyncio holds only weak references to tasks and could drop one mid-flight.
A notification carries no data beyond the resource path: the callback fetches the resource with
the seller's token, so a forged notification cannot inject content.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from collections.abc import Awaitable, Callable, Iterable
from datetime import datetime

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

logger = logging.getLogger(__name__)

HANDLED_TOPICS: frozenset[str] = frozenset({"questions", "items"})
MAX_BODY_BYTES = 16 * 1024  # real notifications are a few hundred bytes

_QUESTION_RESOURCE = re.compile(r"^/questions/(\d+)/?$")
_ITEM_RESOURCE = re.compile(r"^/items/([A-Z]{3}\d+)/?$")


class InvalidNotification(ValueError):
    """The body is not a MercadoLibre notification; the message says which fields are wrong."""


class Notification(BaseModel):
    """One notification: which `resource` of which seller (`user_id`) changed, and its `topic`."""

    model_config = ConfigDict(extra="ignore", frozen=True, populate_by_name=True)

    id: str | None = Field(default=None, alias="_id")
    resource: str = Field(min_length=2)
    user_id: int
    topic: str = Field(min_length=1)
    application_id: int
    attempts: int = Field(ge=1)
    sent: datetime
    received: datetime

    @field_validator("resource")
    @classmethod
    def _resource_is_a_path(cls, value: str) -> str:
        if not value.startswith("/"):
            raise ValueError("must be a path such as /questions/123")
        return value


def parse_notification(body: bytes | str) -> Notification:
    """Validate a raw body; InvalidNotification lists what is wrong, field by field."""
    try:
        data = json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidNotification("body is not JSON") from exc
    if not isinstance(data, dict):
        raise InvalidNotification("body must be a JSON object")
    try:
        return Notification.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in error['loc']) or 'body'}: {error['msg']}"
            for error in exc.errors()
        )
        raise InvalidNotification(problems) from None


def question_id_from_resource(resource: str) -> str:
    """ "/questions/123" -> "123"; ValueError for anything else."""
    match = _QUESTION_RESOURCE.match(resource)
    if not match:
        raise ValueError(f"not a question resource: {resource!r}")
    return match.group(1)


def item_id_from_resource(resource: str) -> str:
    """ "/items/MLA686791111" -> "MLA686791111"; ValueError for anything else."""
    match = _ITEM_RESOURCE.match(resource)
    if not match:
        raise ValueError(f"not an item resource: {resource!r}")
    return match.group(1)


class NotificationReceiver:
    """The webhook endpoint: `handle` is the aiohttp handler, `drain` waits for pending work."""

    def __init__(
        self,
        on_notification: Callable[[Notification], Awaitable[None]],
        *,
        topics: Iterable[str] = HANDLED_TOPICS,
        application_id: int | None = None,
    ) -> None:
        self._on_notification = on_notification
        self._topics = frozenset(topics)
        self._application_id = application_id
        self._tasks: set[asyncio.Task[None]] = set()

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def handle(self, request: web.Request) -> web.Response:
        body = await request.content.read(MAX_BODY_BYTES + 1)
        if len(body) > MAX_BODY_BYTES:
            return _bad_request("body too large")
        try:
            notification = parse_notification(body)
        except InvalidNotification as exc:
            logger.warning("invalid MercadoLibre notification: %s", exc)
            return _bad_request(str(exc))
        if self._application_id is not None and notification.application_id != (
            self._application_id
        ):
            return _bad_request("notification for another application")
        if notification.topic in self._topics:
            task = asyncio.create_task(
                self._process(notification), name=f"ml-notification:{notification.resource}"
            )
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)
        else:
            logger.debug("ignored MercadoLibre topic %s", notification.topic)
        return web.json_response({"status": "ok"})

    async def _process(self, notification: Notification) -> None:
        try:
            await self._on_notification(notification)
        except asyncio.CancelledError:
            raise
        except Exception:
            # MercadoLibre already has its 200; the log is the only trace of this failure.
            logger.exception(
                "processing MercadoLibre notification failed: topic=%s resource=%s user_id=%s",
                notification.topic,
                notification.resource,
                notification.user_id,
            )

    async def drain(self, grace_seconds: float | None = None) -> None:
        """Wait for notifications in progress (on shutdown); cancel those still running after."""
        if not self._tasks:
            return
        tasks = set(self._tasks)
        _done, still_running = await asyncio.wait(tasks, timeout=grace_seconds)
        for task in still_running:
            task.cancel()
        if still_running:
            await asyncio.gather(*still_running, return_exceptions=True)


def _bad_request(reason: str) -> web.Response:
    return web.json_response({"error": "invalid notification", "detail": reason}, status=400)


def notification_handler(
    on_notification: Callable[[Notification], Awaitable[None]],
    *,
    topics: Iterable[str] = HANDLED_TOPICS,
    application_id: int | None = None,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """An aiohttp handler for the notifications URL.

    Build a `NotificationReceiver` yourself instead when shutdown should `drain()` pending work.
    """
    receiver = NotificationReceiver(on_notification, topics=topics, application_id=application_id)
    return receiver.handle
