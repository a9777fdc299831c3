"""One router per feature; `all_routers()` gives them in the order they must be tried."""

from aiogram import Router


def all_routers() -> list[Router]:
    from bot.routers import buttons, buying, marketplace, media, selling, start

    # marketplace before buttons and selling: its button and its quoted replies come first.
    return [start.router, marketplace.router, buttons.router, media.router, selling.router,
            buying.router]
