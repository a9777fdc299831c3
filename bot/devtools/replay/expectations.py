"""Checking a turn's `expect:` (and the file's `final:`) against what the channel saw and what
the database holds. Each check that does not hold becomes a `Failure` saying what differed.

Text checks read the bot's messages to the turn's actor during the turn (case-insensitive
for the `*_contains`, `buttons` and `notifies` keys; `reply_matches` is a plain `re.search`).
`listing` is about the product the same `expect` names with `ref`/`as`, else the product in focus.
"""

from __future__ import annotations

import re
import uuid
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.devtools.replay.driver import TurnCapture
from bot.devtools.replay.expectations_schema import (
    NONE,
    Expect,
    FinalChecks,
    ListingChecks,
    OfferChecks,
    ProductChecks,
    ProductFields,
)
from bot.devtools.replay.report import Failure
from bot.devtools.replay.scene import Scene, SceneError
from storage.models import Listing, Offer, OfferParty, Product

QUOTE_LIMIT = 400


def quoted(text: str) -> str:
    text = " ".join(text.split())
    return repr(text if len(text) <= QUOTE_LIMIT else text[: QUOTE_LIMIT - 1] + "…")


class TurnChecker:
    """The failures of one turn's expectations."""

    def __init__(self, scene: Scene, capture: TurnCapture) -> None:
        self.scene, self.capture = scene, capture
        self.actor = capture.turn.actor
        self.failures: list[Failure] = [Failure(capture.number, key, message)
                                        for key, message in capture.problems]

    def fail(self, key: str, message: str) -> None:
        self.failures.append(Failure(self.capture.number, key, message))

    async def run(self) -> list[Failure]:
        expect = self.capture.turn.expect
        if expect is None:
            return self.failures
        self._texts(expect)
        self._buttons_and_tools(expect)
        async with self.scene.session_factory() as session:
            product_id = await self._product(session, expect.product)
            if expect.listing is not None:
                await self._listing(session, expect.listing, product_id)
            if expect.offer is not None:
                await self._offer(session, expect.offer)
            await self._seller_rows(session, expect)
        return self.failures

    # --- what the bot said ------------------------------------------------------------------
    def _texts(self, expect: Expect) -> None:
        said = self.capture.texts(self.actor)
        heard = f"the bot's messages to {self.actor} were {quoted(said)}" if said else \
            f"the bot sent {self.actor} nothing in this turn"
        for wanted in expect.reply_contains or []:
            if wanted.lower() not in said.lower():
                self.fail("reply_contains", f"{wanted!r} not found; {heard}")
        for unwanted in expect.reply_not_contains or []:
            if unwanted.lower() in said.lower():
                self.fail("reply_not_contains", f"{unwanted!r} found; {heard}")
        if expect.reply_matches is not None and not re.search(expect.reply_matches, said):
            self.fail("reply_matches", f"/{expect.reply_matches}/ does not match; {heard}")
        if expect.no_reply is True and self.capture.messages.get(self.actor):
            self.fail("no_reply", f"expected no reply; {heard}")
        if expect.no_reply is False and not self.capture.messages.get(self.actor):
            self.fail("no_reply", f"expected a reply; {heard}")
        for name, strings in (expect.notifies or {}).items():
            told = self.capture.texts(name)
            missing = [s for s in strings if s.lower() not in told.lower()]
            if not told:
                self.fail(f"notifies.{name}", f"the bot sent {name} nothing in this turn")
            elif missing:
                self.fail(f"notifies.{name}", f"{', '.join(map(repr, missing))} not found; the "
                                              f"bot's messages to {name} were {quoted(told)}")

    def _buttons_and_tools(self, expect: Expect) -> None:
        labels = self.capture.button_texts(self.actor)
        for wanted in expect.buttons or []:
            if not any(wanted.lower() in label.lower() for label in labels):
                self.fail("buttons", f"no button containing {wanted!r}; buttons were "
                                     f"{labels or 'none'}")
        for tool in expect.tools or []:
            if tool not in self.capture.tools:
                self.fail("tools", f"{tool!r} was not called; tools called in this turn: "
                                   f"{self.capture.tools or 'none'}")

    # --- what the database holds -------------------------------------------------------------
    async def _product(self, session: AsyncSession, checks: ProductChecks | None
                       ) -> uuid.UUID | None:
        try:
            if checks is not None and checks.as_ is not None:
                product_id = await self.scene.bind(session, self.actor, checks.as_)
            elif checks is not None and checks.ref is not None:
                product_id = self.scene.named(checks.ref)
            else:
                product_id = await self.scene.focus(session, self.actor)
        except SceneError as error:
            if checks is not None:
                self.fail("product", str(error))
            return None
        if checks is not None:
            label = checks.as_ or checks.ref or "the product in focus"
            for key, message in await product_differences(session, product_id, checks):
                self.fail(f"product.{key}", f"{label}: {message}")
        return product_id

    async def _seller_rows(self, session: AsyncSession, expect: Expect) -> None:
        """`is_seller` / `products_count`: whether the actor has become a seller, and how many
        products it has as one (0 when it is none)."""
        if expect.is_seller is None and expect.products_count is None:
            return
        seller_id = await self.scene.seller_id(session, self.actor)
        if expect.is_seller is not None and (seller_id is not None) != expect.is_seller:
            self.fail("is_seller", f"{self.actor} is {'' if seller_id else 'not '}a seller")
        if expect.products_count is not None:
            count = 0 if seller_id is None else await session.scalar(
                select(func.count()).select_from(Product).where(Product.seller_id == seller_id))
            if count != expect.products_count:
                self.fail("products_count", f"{self.actor} has {count} products, expected "
                                            f"{expect.products_count}")

    async def _listing(self, session: AsyncSession, checks: ListingChecks,
                       product_id: uuid.UUID | None) -> None:
        if product_id is None:
            if self.capture.turn.expect and self.capture.turn.expect.product is None:
                self.fail("listing", f"{self.actor} has no product in focus")
            return
        listing = await session.scalar(select(Listing).where(Listing.product_id == product_id,
                                                             Listing.is_active))
        if listing is None:
            self.fail("listing", "the product has no active listing")
            return
        if checks.title_matches and not re.search(checks.title_matches, listing.title):
            self.fail("listing.title_matches",
                      f"/{checks.title_matches}/ does not match the title {listing.title!r}")
        minimum = checks.min_description_length
        if minimum is not None and len(listing.description) < minimum:
            self.fail("listing.min_description_length",
                      f"the description has {len(listing.description)} characters, fewer than "
                      f"{minimum}: {quoted(listing.description)}")
        category = " ".join(filter(None, [listing.category_name, listing.category_id]))
        if checks.category_matches and not re.search(checks.category_matches, category):
            self.fail("listing.category_matches",
                      f"/{checks.category_matches}/ does not match the category {category!r}")
        if checks.confidence_at_least is not None and \
                float(listing.confidence) < checks.confidence_at_least:
            self.fail("listing.confidence_at_least",
                      f"confidence is {float(listing.confidence):.2f}, below "
                      f"{checks.confidence_at_least}")

    async def _offer(self, session: AsyncSession, checks: OfferChecks) -> None:
        try:
            product_id = await self.scene.focus(session, self.actor)
        except SceneError as error:
            self.fail("offer", str(error))
            return
        conversations = await self.scene.buyer_conversations(session, self.actor, product_id)
        offer = await session.scalar(
            select(Offer).where(Offer.conversation_id.in_(conversations),
                                Offer.made_by == OfferParty(checks.by))
            .order_by(Offer.created_at.desc(), Offer.updated_at.desc()).limit(1)
        ) if conversations else None
        by = f"by {checks.by}"
        if checks.amount == NONE:
            if offer is not None:
                self.fail("offer.amount", f"expected no offer {by}; the latest is "
                                          f"{_money(offer.amount)} ({offer.status.value})")
            return
        if offer is None:
            self.fail("offer", f"no offer {by} in {self.actor}'s conversation on this product")
            return
        if checks.amount is not None and offer.amount != checks.amount:
            self.fail("offer.amount", f"the latest offer {by} is {_money(offer.amount)}, "
                                      f"not {_money(checks.amount)} ({offer.status.value})")
        if checks.status is not None and offer.status.value != checks.status:
            self.fail("offer.status", f"the latest offer {by} ({_money(offer.amount)}) is "
                                      f"{offer.status.value}, not {checks.status}")


async def product_differences(session: AsyncSession, product_id: uuid.UUID,
                              checks: ProductFields) -> list[tuple[str, str]]:
    product = await session.get(Product, product_id, populate_existing=True)
    if product is None:
        return [("ref", "the product no longer exists")]
    found: list[tuple[str, str]] = []
    for key, wanted in checks.checked().items():
        actual: Any = getattr(product, key)
        actual = actual.value if hasattr(actual, "value") else actual
        if wanted == NONE:
            if actual is not None:
                found.append((key, f"expected none, found {_money(actual)}"))
        elif isinstance(wanted, Decimal):
            if actual is None or Decimal(actual) != wanted:
                found.append((key, f"expected {_money(wanted)}, found {_money(actual)}"))
        elif actual != wanted:
            found.append((key, f"expected {wanted!r}, found {actual!r}"))
    return found


async def check_final(scene: Scene, final: FinalChecks | None) -> list[Failure]:
    if final is None:
        return []
    failures: list[Failure] = []
    async with scene.session_factory() as session:
        for name, checks in final.products.items():
            try:
                product_id = scene.named(name)
            except SceneError as error:
                failures.append(Failure(None, f"final.products.{name}", str(error)))
                continue
            for key, message in await product_differences(session, product_id, checks):
                failures.append(Failure(None, f"final.products.{name}.{key}", message))
    return failures


def _money(amount: object) -> str:
    if amount is None:
        return "none"
    value = Decimal(str(amount))
    return str(value.quantize(Decimal(1))) if value == value.to_integral_value() else str(value)
