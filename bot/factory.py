"""Pure factories: the Bot (Telegram or the local Bot API server) and the Dispatcher."""

from __future__ import annotations

from aiogram import Bot, Dispatcher
from aiogram.client.default import DefaultBotProperties
from aiogram.client.session.aiohttp import AiohttpSession
from aiogram.client.telegram import TelegramAPIServer
from aiogram.enums import ParseMode
from aiogram.fsm.storage.base import DefaultKeyBuilder
from aiogram.fsm.storage.redis import RedisStorage

from bot.i18n import create_i18n
from bot.middlewares.actor import ActorMiddleware
from bot.middlewares.database import UnitOfWorkMiddleware
from bot.middlewares.locale import ActorLocaleMiddleware
from bot.middlewares.throttling import ThrottlingMiddleware
from bot.middlewares.update_context import UpdateContextMiddleware
from bot.routers import all_routers
from bot.routers.errors import router as errors_router
from bot.runtime import AppRuntime

# A token the local Bot API server accepts; Telegram's format, no meaning outside this machine.
LOCAL_TOKEN = "1000000001:local-marketbot-token-0123456789abcdef"


def create_bot(token: str, api_base_url: str | None = None) -> Bot:
    session = AiohttpSession(api=TelegramAPIServer.from_base(api_base_url)) \
        if api_base_url else AiohttpSession()
    return Bot(token, session=session,
               default=DefaultBotProperties(parse_mode=ParseMode.HTML,
                                            link_preview_is_disabled=True))


def create_dispatcher(runtime: AppRuntime) -> Dispatcher:
    storage = RedisStorage(runtime.redis,
                           key_builder=DefaultKeyBuilder(prefix=runtime.keys.fsm_prefix))
    dispatcher = Dispatcher(storage=storage, runtime=runtime)
    dispatcher.update.outer_middleware(UpdateContextMiddleware(runtime.redis, runtime.keys))
    i18n = create_i18n(runtime.media_dir.parent / "locales",
                       runtime.settings.telegram.default_language)
    for observer in (dispatcher.message, dispatcher.callback_query):
        # Outer: they run before the filters, which read the role they resolve.
        observer.outer_middleware(ActorMiddleware(runtime))
        observer.outer_middleware(ActorLocaleMiddleware(i18n))
        observer.outer_middleware(ThrottlingMiddleware(runtime))
        observer.middleware(UnitOfWorkMiddleware(runtime.session_factory))
    dispatcher.include_routers(*all_routers(), errors_router)
    return dispatcher
