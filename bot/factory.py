"""Pure factories: the Bot (Telegram or the local Bot API server) and the Dispatcher."""

from __future__ import annotations

from typing import Any

from aiogram import Bot, Dispatcher, F, Router
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.methods import TelegramMethod
from aiogram.methods.base import Response

from bot.app_runtime import AppRuntime
from bot.fsm_storage import DataOnlyRedisStorage
from bot.i18n import create_i18n
from bot.middlewares.actor import ActorMiddleware
from bot.middlewares.inbox import InboxMiddleware, install_inbox
from bot.middlewares.locale import ActorLocaleMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.middlewares.update_context import UpdateContextMiddleware
from bot.routers import all_routers
from bot.routers.errors import router as errors_router

# A token the local Bot API server accepts; Telegram's format, no meaning outside this machine.
LOCAL_TOKEN = "1000000001:local-marketbot-token-0123456789abcdef"


def create_bot(token: str, api_base_url: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base_url)) \
        if api_base_url else AiohttpSession()
    session.middleware(keep_response_types)
    return Bot(token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML,
                                            link_preview_is_disabled=True))


_RESPONSE_TYPES: dict[Any, type] = {}


async def keep_response_types(make_request: Any, bot: Bot, method: TelegramMethod[Any]) -> Any:
    """Keep each `Response[T]` aiogram parses answers with alive.

    aiogram builds `Response[method.__returning__]` for every answer, and pydantic caches such
    generic classes only weakly: once the garbage collector takes one, the next answer builds
    it again (3-8 ms each; under load about once per message for sendMessage and getUpdates).
    """
    returning = method.__returning__
    if returning not in _RESPONSE_TYPES:
        _RESPONSE_TYPES[returning] = Response[returning]  # type: ignore[index]
    return await make_request(bot, method)


def create_dispatcher(runtime: AppRuntime) -> Dispatcher:
    storage = DataOnlyRedisStorage(runtime.redis,
                                   key_builder=DefaultKeyBuilder(prefix=runtime.keys.fsm_prefix))
    dispatcher = Dispatcher(storage=storage, runtime=runtime)
    dispatcher.update.outer_middleware(UpdateContextMiddleware(runtime.redis, runtime.keys))
    # First of all (before aiogram's own): the update is stored before anything can fail.
    install_inbox(dispatcher, InboxMiddleware(
        runtime, persistent=runtime.settings.telegram.mode != "webhook"))
    i18n = create_i18n(runtime.media_dir.parent / "locales",
                       runtime.settings.telegram.default_language)
    for observer in (dispatcher.message, dispatcher.callback_query):
        # Outer: they run before the filters, which read the role they resolve.
        observer.outer_middleware(ActorMiddleware(runtime))
        observer.outer_middleware(ActorLocaleMiddleware(i18n))
        observer.outer_middleware(ThrottlingMiddleware(runtime))
    # A message with no person behind it (an anonymous group admin, a channel's voice) is no
    # conversation: ignored before any router, as channel posts are by having no handler.
    dispatcher.message.filter(F.from_user)
    dispatcher.include_routers(*_released([*all_routers(), errors_router]))
    return dispatcher


def _released(routers: list[Router]) -> list[Router]:
    """The routers, detached from an earlier Dispatcher of this process.

    Routers are module-level objects and aiogram attaches a router to one parent only; a process
    that builds a Dispatcher per run (the replay runner: one per transcript; tests) hands them
    over to the newest one.
    """
    for router in routers:
        parent = router.parent_router
        if parent is not None:
            parent.sub_routers.remove(router)
            router._parent_router = None  # aiogram has no public way to detach a router
    return routers
