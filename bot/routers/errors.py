"""The error handler: log the update id, and apologise to the user instead of silence."""

from __future__ import annotations

import structlog
from aiogram import Bot, Router
from aiogram.exceptions import TelegramAPIError
from aiogram.types import ErrorEvent
from aiogram.utils.i18n import gettext as _

log = structlog.get_logger(__name__)
router = Router(name=__name__)


@router.errors()
async def on_error(event: ErrorEvent, bot: Bot) -> bool:
    update = event.update
    log.error("update.failed", update_id=update.update_id,
              error=type(event.exception).__name__, exc_info=event.exception)
    chat = update.message.chat if update.message else (
        update.callback_query.message.chat
        if update.callback_query and update.callback_query.message else None)
    if chat is not None:
        try:
            await bot.send_message(chat.id, _("error_apology"))
        except LookupError:  # no i18n context (the failure came before the middleware)
            await bot.send_message(chat.id, "Perdona, algo ha fallado. / Sorry, something "
                                            "went wrong.")
        except TelegramAPIError:
            pass
    return True
