"""The simulated buyer: a rule-based haggler in the manner of CraigslistBargain's.

It opens below its target (a share of the list price), concedes part of the way toward the
bot's last price at each turn, never offers more than its private bottomline, accepts a price
at or under its bottomline once the bot stops moving or the price is close, says its bottomline
as a final offer when it gets there, and walks away when even that is refused. Pure: it reads
the bot's price and says the next line; phrasing is varied, Spanish and English.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

OPEN_BELOW_TARGET = Decimal("0.1")  # the opening offer undershoots the target by this share
CLOSE_ENOUGH = Decimal("0.04")  # a bot price this close to the buyer's (share of list) is taken

_OFFER = {
    "es": ("Te doy {x}", "¿Me lo dejarías en {x}?", "Puedo llegar a {x}", "{x} y lo recojo hoy",
           "¿Qué tal {x}?", "Te ofrezco {x}", "¿Aceptarías {x}?", "Y si te doy {x}?"),
    "en": ("I can do {x}", "How about {x}?", "Would you take {x}?", "I'll give you {x}",
           "{x} and I pick it up today", "Could you do {x}?", "My offer is {x}", "What about {x}?"),
}
_FINAL = {
    "es": ("Venga, {x} última oferta", "{x} es lo máximo que puedo", "Mi última oferta: {x}",
           "{x} y no puedo más"),
    "en": ("Final offer {x}", "{x} is my last offer", "{x}, that's the most I can do",
           "Last offer: {x}"),
}
_ACCEPT = {
    "es": ("Vale, acepto", "Trato hecho", "Vale, me lo quedo", "De acuerdo, lo compro"),
    "en": ("Deal", "OK, I'll take it", "Sounds good, deal", "Agreed"),
}


def money_text(amount: Decimal, currency: str, language: str) -> str:
    whole = f"{amount:.0f}" if amount == amount.to_integral_value() else f"{amount:.2f}"
    symbol = {"EUR": "€", "GBP": "£", "USD": "$"}.get(currency, "")
    if language == "es":
        return f"{whole.replace('.', ',')}{symbol or ' ' + currency}"
    return f"{symbol}{whole}" if symbol else f"{whole} {currency}"


@dataclass
class Move:
    """What the buyer does next: say an offer, accept, or walk away (text None)."""

    kind: str  # offer | final | accept | quit
    text: str | None
    amount: Decimal | None = None


@dataclass
class SimulatedBuyer:
    list_price: Decimal
    target_ratio: Decimal
    bottomline: Decimal
    language: str
    currency: str
    rng: random.Random
    step: Decimal = Decimal("5")
    offers: list[Decimal] = field(default_factory=list)
    said_final: bool = False

    @property
    def target(self) -> Decimal:
        return self.list_price * self.target_ratio

    def _round(self, amount: Decimal) -> Decimal:
        return max(self.step, (amount / self.step).to_integral_value(ROUND_FLOOR) * self.step)

    def _say(self, table: dict[str, tuple[str, ...]], amount: Decimal | None = None) -> str:
        line = self.rng.choice(table[self.language])
        return line.format(x=money_text(amount, self.currency, self.language)) if amount else line

    def opening(self) -> Move:
        amount = min(self._round(self.target * (1 - OPEN_BELOW_TARGET)), self.bottomline)
        return self._offer(amount)

    def _offer(self, amount: Decimal) -> Move:
        self.offers.append(amount)
        return Move("offer", self._say(_OFFER, amount), amount)

    def _final(self) -> Move:
        self.said_final = True
        self.offers.append(self.bottomline)
        return Move("final", self._say(_FINAL, self.bottomline), self.bottomline)

    def respond(self, bot_price: Decimal | None, bot_final: bool, accepted: bool) -> Move:
        """The next move, given the bot's price (its counter; the list price after a decline;
        None when it named none), whether the bot called it final, and whether it closed."""
        if accepted:
            return Move("quit", None)
        mine = self.offers[-1]
        price = bot_price if bot_price is not None else self.list_price
        if price <= self.bottomline and (
            price - mine <= self.list_price * CLOSE_ENOUGH or bot_final or self.said_final
            or price <= self.target
        ):
            return Move("accept", self._say(_ACCEPT), price)
        if self.said_final:
            return Move("quit", None)
        share = Decimal(str(self.rng.choice((0.3, 0.4, 0.5))))
        amount = self._round(mine + (price - mine) * share)
        if amount >= self.bottomline or (bot_final and price > self.bottomline):
            return self._final()
        if amount <= mine:
            amount = mine + self.step
        if amount >= price:
            return Move("accept", self._say(_ACCEPT), price) if price <= self.bottomline \
                else self._final()
        return self._offer(amount)
