"""The running bot, wired as the entry point wires it (marketplace features around `run_bot`),
with MercadoLibre mocked: a seller connects an account with /connect and the OAuth callback,
publishes in the catalog and, with the button, on MercadoLibre; a buyer's question arriving by
webhook is answered from the facts; one the facts cannot answer reaches the seller on Telegram,
and the seller's quoted reply is posted as the answer."""

from __future__ import annotations

import asyncio
import contextlib
import re
import socket
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import pytest
from aiogram.types import Update
from aioresponses import aioresponses
from sqlalchemy import select

from bot.app_runtime import AppRuntime
from bot.devtools.local_api import LocalBotApi, start_local_api
from bot.factory import LOCAL_TOKEN, create_bot
from bot.marketplace_runtime import marketplace_features
from bot.runners import RunningBot, run_bot
from bot.runtime import build_runtime
from integrations.marketplaces import MarketplaceRegistry, install_registry
from storage.models import Condition, Product, ProductStatus, Seller
from tests.marketplaces.ml_api import (
    ANSWERS,
    API,
    ATTRIBUTES,
    CATEGORY_ATTRIBUTES,
    CREATED_ITEM,
    DESCRIPTION_SAVED,
    DISCOVERY,
    ITEM_ID,
    ITEMS,
    NO_ITEMS,
    PREDICTION,
    SKU_SEARCH,
    TOKEN_URL,
    USERS_ME,
    answered,
    notification,
    question,
    requests_to,
    token_response,
    with_mercadolibre,
)

ANA = {"id": 730001, "first_name": "Ana", "language_code": "es"}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def bot_says(state: LocalBotApi, after: int, pattern: str, timeout: float = 10.0  # noqa: ASYNC109
                   ) -> dict[str, Any]:
    """The first bot message in Ana's chat after `after` whose text matches `pattern`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    checked = after
    while loop.time() < deadline:
        # Past the messages already looked at: waiting on them again would not yield.
        for message in await state.wait_for_messages(ANA["id"], checked, timeout=0.5):
            if re.search(pattern, message["text"]):
                return message
            checked = max(checked, message["message_id"])
    seen = [m["text"] for m in await state.bot_messages(ANA["id"], after)]
    raise AssertionError(f"no bot message matching {pattern!r} after {after}: {seen}")


async def eventually(check: Any, timeout: float = 10.0) -> None:  # noqa: ASYNC109
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not check():
        assert loop.time() < deadline, "timed out"
        await asyncio.sleep(0.05)


@pytest.fixture
async def running(fresh_database: str, settings, redis_url: str, redis_prefix: str,
                  tmp_path: Path) -> AsyncIterator[tuple[RunningBot, LocalBotApi, str]]:
    configured = with_mercadolibre(settings)
    configured = configured.model_copy(update={"telegram": configured.telegram.model_copy(
        update={"webhook_port": free_port()})})
    runner, base_url, state = await start_local_api(port=0)
    runtime: AppRuntime = await build_runtime(configured, database_url=fresh_database,
                                              redis_url=redis_url, key_prefix=redis_prefix)
    runtime.media_dir = tmp_path / "media"
    bot = create_bot(LOCAL_TOKEN, base_url)
    stop = asyncio.Event()
    try:
        async with marketplace_features(runtime, bot) as setups:
            ready: asyncio.Future[RunningBot] = asyncio.get_running_loop().create_future()
            task = asyncio.create_task(run_bot(runtime, bot, stop, extra_setups=setups,
                                               ready=ready, drain_seconds=3,
                                               polling_timeout=1))
            await asyncio.wait({ready, task}, timeout=15, return_when=asyncio.FIRST_COMPLETED)
            if task.done():
                task.result()
            web = f"http://127.0.0.1:{configured.telegram.webhook_port}"
            yield ready.result(), state, web
            stop.set()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.wait_for(task, 15)
    finally:
        install_registry(MarketplaceRegistry())
        await bot.session.close()  # run_bot leaves the bot's session to its owner
        await runtime.close()
        await runner.cleanup()


async def ready_product(runtime: AppRuntime) -> Product:
    async with runtime.session_factory() as session, session.begin():
        seller = await session.scalar(select(Seller).where(Seller.telegram_id == ANA["id"]))
        assert seller is not None
        product = Product(
            seller_id=seller.id, status=ProductStatus.READY,
            title="Bicicleta Trek Marlin 5 Rodado 29", prompt_text="Vendo bici Trek",
            description="Bicicleta Trek Marlin 5 rodado 29, talle M, poco uso. "
                        "Incluye luces delanteras.",
            price=Decimal("350000"), currency="ARS", condition=Condition.USED,
            attributes={"BRAND": "Trek", "MODEL": "Marlin 5", "BICYCLE_TYPE": "Montaña"})
        session.add(product)
    return product


async def test_connect_publish_and_answer_questions_through_the_running_bot(running) -> None:
    bot_running, state, web = running
    runtime = bot_running.runtime
    with aioresponses(passthrough=["http://127.0.0.1"]) as mocked:
        # Connect: /connect gives the authorization URL; the callback stores the account.
        asked = await state.push_text(ANA, "/connect")
        link = await bot_says(state, asked.message_id, r"https://auth\.mercadolibre")
        url = re.search(r"https://\S+", link["text"]).group(0)
        auth = parse_qs(urlsplit(url).query)
        assert auth["code_challenge_method"] == ["S256"]
        mocked.post(TOKEN_URL, payload=token_response("APP_USR-access-1", "TG-refresh-1"))
        mocked.get(f"{API}/users/me", payload=USERS_ME)
        async with aiohttp.ClientSession() as http:
            page = await http.get(f"{web}/oauth/mercadolibre/callback",
                                  params={"code": "TG-code", "state": auth["state"][0]})
            assert page.status == 200
        await bot_says(state, link["message_id"], "conectada: TIENDATREK")

        # Publish: the catalog first, then MercadoLibre with the button it offers.
        product = await ready_product(runtime)
        catalog = await state.push_text(ANA, "publícalo")
        offer = await bot_says(state, catalog.message_id, "Publicado")
        data = [b["callback_data"] for row in offer["buttons"] for b in row]
        assert data == [f"ml:publish:{product.id}"]
        mocked.get(SKU_SEARCH, payload=NO_ITEMS)
        mocked.get(DISCOVERY, payload=PREDICTION)
        mocked.get(CATEGORY_ATTRIBUTES, payload=ATTRIBUTES)
        mocked.post(ITEMS, status=201, payload=CREATED_ITEM)
        mocked.post(f"{ITEMS}/{ITEM_ID}/description", status=201, payload=DESCRIPTION_SAVED)
        await state.push_callback(ANA, offer["message_id"], data[0])
        await bot_says(state, offer["message_id"], "Publicado en MercadoLibre")
        assert len(requests_to(mocked, "POST", ITEMS)) == 1

        # A question the listing answers: acknowledged, answered through POST /answers.
        mocked.get(f"{API}/questions/801?api_version=4", payload=question(801, "¿Incluye luces?"))
        mocked.post(ANSWERS, payload=answered(801))
        async with aiohttp.ClientSession() as http:
            hook = await http.post(f"{web}/webhooks/mercadolibre",
                                   json=notification("/questions/801"))
            assert hook.status == 200
        await eventually(lambda: requests_to(mocked, "POST", ANSWERS))
        assert "luces" in requests_to(mocked, "POST", ANSWERS)[0].kwargs["json"]["text"].lower()

        # A question it does not: the seller is asked on Telegram and her reply is the answer.
        seen = (await state.bot_messages(ANA["id"]))[-1]["message_id"]
        mocked.get(f"{API}/questions/802?api_version=4",
                   payload=question(802, "¿Tiene garantía?", buyer=1200999999))
        mocked.post(ANSWERS, payload=answered(802))
        async with aiohttp.ClientSession() as http:
            await http.post(f"{web}/webhooks/mercadolibre", json=notification("/questions/802"))
        forwarded = await bot_says(state, seen, "garantía")
        assert len(requests_to(mocked, "POST", ANSWERS)) == 1
        quoted = state.message(ANA["id"], forwarded["message_id"])
        reply = Update.model_validate({"update_id": 990001, "message": {
            "message_id": 990001, "date": 1_790_000_000, "text": "Sí, 6 meses de garantía.",
            "chat": {"id": ANA["id"], "type": "private", "first_name": "Ana"},
            "from": {"id": ANA["id"], "is_bot": False, "first_name": "Ana",
                     "language_code": "es"},
            "reply_to_message": quoted}})
        await bot_running.dispatcher.feed_update(bot_running.bot, reply)
        await eventually(lambda: len(requests_to(mocked, "POST", ANSWERS)) == 2)
        assert requests_to(mocked, "POST", ANSWERS)[1].kwargs["json"] == {
            "question_id": 802, "text": "Sí, 6 meses de garantía."}

        # Another the seller answers with a plain message, quoting nothing: the one question
        # waiting gets it, in her own words.
        seen = (await state.bot_messages(ANA["id"]))[-1]["message_id"]
        mocked.get(f"{API}/questions/803?api_version=4",
                   payload=question(803, "¿Tienes la factura de compra?", buyer=1200999998))
        mocked.post(ANSWERS, payload=answered(803))
        async with aiohttp.ClientSession() as http:
            await http.post(f"{web}/webhooks/mercadolibre", json=notification("/questions/803"))
        await bot_says(state, seen, "factura")
        plain = await state.push_text(ANA, "Sí, la guardo, te la doy con la bici.")
        await eventually(lambda: len(requests_to(mocked, "POST", ANSWERS)) == 3)
        assert requests_to(mocked, "POST", ANSWERS)[2].kwargs["json"] == {
            "question_id": 803, "text": "Sí, la guardo, te la doy con la bici."}
        await bot_says(state, plain.message_id, "Comprador")

        # Two questions waiting: a plain message asks which buyer it is for, and the chosen
        # one is posted on MercadoLibre in her words (not as "El vendedor: …").
        seen = (await state.bot_messages(ANA["id"]))[-1]["message_id"]
        for number, text, buyer in ((804, "¿Hacen envíos a Córdoba?", 1200999997),
                                    (805, "¿El cuadro tiene golpes?", 1200999996)):
            mocked.get(f"{API}/questions/{number}?api_version=4",
                       payload=question(number, text, buyer=buyer), repeat=True)
            async with aiohttp.ClientSession() as http:
                await http.post(f"{web}/webhooks/mercadolibre",
                                json=notification(f"/questions/{number}"))
            await bot_says(state, seen, text.split()[1])
        mocked.post(ANSWERS, payload=answered(805))
        plain = await state.push_text(ANA, "Ningún golpe, el cuadro está perfecto.")
        which = await bot_says(state, plain.message_id, "comprador|Comprador")
        choice = next(b for row in which["buttons"] for b in row if "golpes" in b["text"])
        await state.push_callback(ANA, which["message_id"], choice["callback_data"])
        await eventually(lambda: len(requests_to(mocked, "POST", ANSWERS)) == 4)
        assert requests_to(mocked, "POST", ANSWERS)[3].kwargs["json"] == {
            "question_id": 805, "text": "Ningún golpe, el cuadro está perfecto."}
