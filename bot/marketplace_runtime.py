"""The marketplace features of a running bot, wired across the layers and closed at stop.

Marketplace services (integrations: registry, accounts, OAuth states), the questions desk
(agents: questions answered through the conversation service) and Telegram delivery (this
layer) meet here: the web routes get their callbacks (an account connected, a notification), the
scheduler's jobs get their dependencies, and the routers find it all with `attached(runtime)`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import structlog
from aiogram import Bot
from aiogram.exceptions import TelegramAPIError

from agents.conversation.outbox import OutboundMessage
from agents.jobs.deps import JobDeps
from agents.jobs.job_notices import notify_seller
from agents.jobs.marketplace_jobs import sync_publications
from agents.jobs.marketplace_questions import MarketplaceQuestions
from bot.app_runtime import AppRuntime
from bot.web_server import WebSetup
from integrations.marketplaces import (
    MarketplaceServices,
    build_marketplace_services,
    install_registry,
)
from integrations.mercadolibre.accounts import ConnectedAccount
from integrations.mercadolibre.notifications import Notification, item_id_from_resource
from integrations.mercadolibre.questions import QuestionDesk
from integrations.mercadolibre.web_routes import MercadoLibreRoutes
from storage.database import unit_of_work
from storage.models import Channel

log = structlog.get_logger(__name__)


@dataclass
class MarketplaceRuntime:
    runtime: AppRuntime
    bot: Bot
    services: MarketplaceServices
    questions: MarketplaceQuestions | None
    routes: MercadoLibreRoutes | None = None  # set once built: its callbacks are our methods

    def job_deps(self) -> JobDeps:
        return JobDeps(marketplaces=self.services, questions=self.questions,
                       engine=self.runtime.engine)

    async def deliver(self, messages: Iterable[OutboundMessage]) -> None:
        """Send stored messages whatever their channel; a failed one stays undelivered."""
        from bot.channel import send_outbound

        answers = []
        for out in messages:
            if out.channel is Channel.MERCADOLIBRE:
                answers.append(out.message_id)
                continue
            try:
                await send_outbound(self.bot, self.runtime.service, out)
            except TelegramAPIError as exc:
                log.warning("send.failed", chat_id=out.chat_id, error=str(exc))
        if answers and self.questions is not None:
            await self.questions.desk.post_pending(message_ids=answers)

    async def on_notification(self, notification: Notification) -> None:
        """The webhook's background work: a question answered, an item's status synced."""
        if notification.topic == "questions" and self.questions is not None:
            outcome = await self.questions.on_notification(notification)
            if outcome is not None:
                await self.deliver(outcome.deliveries)
        elif notification.topic == "items":
            runtime = self.runtime
            await self.deliver(await sync_publications(
                runtime.session_factory, runtime.settings, runtime.clock(), self.job_deps(),
                item_ids=[item_id_from_resource(notification.resource)]))

    async def on_connected(self, account: ConnectedAccount) -> None:
        async with unit_of_work(self.runtime.session_factory) as session:
            out = await notify_seller(session, account.seller_id, "ml_connected",
                                      now=self.runtime.clock(),
                                      name=account.nickname or account.user_id)
        await self.deliver([out] if out else [])

    async def close(self) -> None:
        if self.routes is not None:
            await self.routes.receiver.drain(5.0)
        await self.services.close()


_attached: dict[int, MarketplaceRuntime] = {}


def attached(runtime: AppRuntime) -> MarketplaceRuntime | None:
    """The marketplace features of this runtime, when the bot started them."""
    return _attached.get(id(runtime))


async def _deep_link_base(bot: Bot) -> str | None:
    try:
        me = await bot.get_me()
    except TelegramAPIError:
        return None
    return f"https://t.me/{me.username}?start=" if me.username else None


async def build_marketplace_runtime(runtime: AppRuntime, bot: Bot) -> MarketplaceRuntime:
    services = build_marketplace_services(
        runtime.settings, session_factory=runtime.session_factory, redis=runtime.redis,
        keys=runtime.keys, lock=runtime.service.lock,  # type: ignore[arg-type]
        clock=runtime.clock, deep_link_base=await _deep_link_base(bot))
    questions = None
    if services.accounts is not None:
        desk = QuestionDesk(services.accounts, runtime.session_factory, runtime.clock)
        questions = MarketplaceQuestions(runtime.service, desk)
    features = MarketplaceRuntime(runtime, bot, services, questions)
    features.routes = MercadoLibreRoutes(
        authorizations=services.authorizations, accounts=services.accounts,
        on_connected=features.on_connected, on_notification=features.on_notification)
    return features


@asynccontextmanager
async def marketplace_features(runtime: AppRuntime, bot: Bot) -> AsyncIterator[list[WebSetup]]:
    """Start the marketplaces and the scheduler; yields the web setups to add to the server."""
    from bot.scheduling import JobRunner, start_scheduler, stop_scheduler
    from storage.job_runs import JobRuns

    features = await build_marketplace_runtime(runtime, bot)
    install_registry(features.services.registry)
    _attached[id(runtime)] = features
    scheduler = None
    try:
        if runtime.settings.scheduler.enabled:
            runner = JobRunner(factory=runtime.session_factory, settings=runtime.settings,
                               runs=JobRuns(runtime.redis, runtime.keys),
                               deliver=features.deliver, deps=features.job_deps(),
                               clock=runtime.clock)
            scheduler = await start_scheduler(runner, runtime.settings.scheduler)
        assert features.routes is not None
        yield [features.routes.setup]
    finally:
        if scheduler is not None:
            stop_scheduler(scheduler)
        _attached.pop(id(runtime), None)
        await features.close()
