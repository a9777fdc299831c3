"""Webhook mode: Telegram POSTs updates to our web server; this registers the route and the hook.

The route is aiogram's `SimpleRequestHandler` with the secret token checked (a wrong or missing
`X-Telegram-Bot-Api-Secret-Token` is 401 and nothing is processed) and the body checked next: a
body that is not an Update is 400 (webhook_body.py); an update of a kind aiogram does not know
is answered 200 and dropped, as there is nothing to handle. Telegram's POST is answered as soon
as the update is stored and its message placed in its conversation (`StoredFirstHandler`;
bot/placed_signal.py: a chat's next update then cannot overtake it), not after its turn: from
then on the update is ours to answer (the inbox and the job queue retry it), and Telegram need
not hold a connection through a model call. If the store fails the POST fails, and Telegram
redelivers. The updates still being handled count as in flight for the graceful shutdown. With
no configured secret, one is derived from the bot token, so every worker behind the same hook
agrees on it.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from urllib.parse import urlparse

import structlog
from aiogram import Bot, Dispatcher
from aiogram.types.update import UpdateTypeLookupError
from aiogram.webhook.aiohttp_server import SimpleRequestHandler
from aiohttp import web

from bot.middlewares.inbox import STORED
from bot.runners.webhook_body import BadUpdate, parse_update
from config.settings import TelegramSettings

log = structlog.get_logger(__name__)

DEFAULT_PATH = "/telegram/webhook"


def webhook_problem(telegram: TelegramSettings) -> str | None:
    """Why webhook mode cannot run with these settings (None when it can)."""
    if telegram.mode != "webhook":
        return None
    if telegram.bot_token is None:
        return ("TELEGRAM_MODE=webhook needs TELEGRAM_BOT_TOKEN (for the local Bot API server, "
                "run `python -m bot.devtools.local_api` and set TELEGRAM_API_BASE_URL to it)")
    scheme = urlparse(telegram.webhook_url or "").scheme
    if scheme == "http" and _on_this_machine(telegram.api_base_url):
        return None  # a local Bot API server delivers to plain HTTP, as telegram-bot-api --local
    if not telegram.webhook_url or scheme != "https":
        return ("TELEGRAM_MODE=webhook needs TELEGRAM_WEBHOOK_URL, an https:// address (http:// "
                "only with a Bot API server on this machine, TELEGRAM_API_BASE_URL)")
    return None


def _on_this_machine(url: str | None) -> bool:
    return urlparse(url or "").hostname in ("127.0.0.1", "localhost", "::1")


def webhook_path(telegram: TelegramSettings) -> str:
    """The path Telegram POSTs to: that of the public URL (a proxy forwards it unchanged)."""
    path = urlparse(telegram.webhook_url or "").path
    return path if path not in ("", "/") else DEFAULT_PATH


def webhook_secret(telegram: TelegramSettings, bot_token: str) -> str:
    if telegram.webhook_secret is not None:
        return telegram.webhook_secret.get_secret_value()
    return hmac.new(bot_token.encode(), b"marketbot-telegram-webhook", hashlib.sha256).hexdigest()


class StoredFirstHandler(SimpleRequestHandler):
    """aiogram's handler, with the body checked before the Dispatcher sees it, answering the
    POST once the inbox has stored the update (or once it is handled, for the kinds the inbox
    does not keep); the rest of the handling goes on in a task."""

    async def _handle_request(self, bot: Bot, request: web.Request) -> web.Response:
        try:
            update = parse_update(await request.read(), bot)
        except BadUpdate as exc:
            log.warning("webhook.bad_body", reason=str(exc))
            return web.json_response({"ok": False, "description": str(exc)}, status=400)
        try:
            update.event_type  # noqa: B018 - raises for a kind this aiogram does not know
        except UpdateTypeLookupError:
            log.info("webhook.unknown_update_kind", update_id=update.update_id)
            return web.json_response({})
        stored: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        task = asyncio.create_task(self.dispatcher.feed_update(
            bot, update, **self.data, **{STORED: stored}))
        self._background_feed_update_tasks.add(task)
        task.add_done_callback(self._finished)
        await asyncio.wait({stored, task}, return_when=asyncio.FIRST_COMPLETED)
        if stored.done():
            stored.result()  # a failed store fails the POST: Telegram redelivers
        else:
            stored.cancel()
            task.result()
        return web.json_response({}, dumps=bot.session.json_dumps)

    def _finished(self, task: asyncio.Task[Any]) -> None:
        self._background_feed_update_tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("webhook.update_failed", error=repr(task.exception()))


def add_webhook_route(app: web.Application, dispatcher: Dispatcher, bot: Bot,
                      telegram: TelegramSettings) -> None:
    handler = StoredFirstHandler(dispatcher, bot, handle_in_background=False,
                                   secret_token=webhook_secret(telegram, bot.token))
    # Not `handler.register(app)`: it closes the bot's session on shutdown, before the
    # updates in progress could send their replies; the runner closes it after draining.
    app.router.add_post(webhook_path(telegram), handler.handle)


async def run_webhook(bot: Bot, dispatcher: Dispatcher, telegram: TelegramSettings,
                      stop: asyncio.Event, *, started: Callable[[], None] | None = None) -> None:
    """Point Telegram at our web server (already serving the route), then wait for `stop`.
    `started` is called once the webhook is set."""
    url = telegram.webhook_url or ""
    await bot.set_webhook(url, secret_token=webhook_secret(telegram, bot.token),
                          allowed_updates=dispatcher.resolve_used_update_types(),
                          drop_pending_updates=False)
    log.info("webhook.set", url=url)
    if started is not None:
        started()
    await stop.wait()
