"""One router per feature; `all_routers()` gives them in the order they must be tried."""

from aiogram import Router


def all_routers() -> list[Router]:
    from bot.routers import buttons, buying, media, selling, start

    return [start.router, buttons.router, media.router, selling.router, buying.router]
