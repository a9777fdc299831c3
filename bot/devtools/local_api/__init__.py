"""A local Telegram Bot API server (aiohttp) with a chat page, so the real aiogram `Bot` and
`Dispatcher` run without Telegram: in tests, in the replay runner and in the embedded default.

Point aiogram at it with
`Bot(token, session=AiohttpSession(api=TelegramAPIServer.from_base(base_url)))`.
"""

from bot.devtools.local_api.chats import InputError, LocalUser, PushResult
from bot.devtools.local_api.server import create_local_api_app, start_local_api
from bot.devtools.local_api.state import LocalBotApi, LoggedRequest

__all__ = [
    "InputError",
    "LocalBotApi",
    "LocalUser",
    "LoggedRequest",
    "PushResult",
    "create_local_api_app",
    "start_local_api",
]
