"""The buyer-side negotiation policy: what the bot answers to an offer.

Pure and deterministic: the same price, floor, offers and counter history always give the same
decision. Counters follow the buyer: the first gives a share of the gap between the offer and the
price, each later one a share of the buyer's own last move. The floor (the seller's min_price)
plays no part in a counter until the counter would reach it; it is never a counter figure unless
it equals the list price, so a buyer cannot read it from the bot's answers.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum

MoneyInput = Decimal | int | float | str


class NegotiationAction(StrEnum):
    ACCEPT = "accept"
    COUNTER = "counter"
    DECLINE = "decline"


class DecisionReason(StrEnum):
    AT_OR_ABOVE_PRICE = "at_or_above_price"  # accept: the offer meets the list price
    MEETS_COUNTER = "meets_counter"  # accept: the offer meets the standing counter
    WITHIN_RANGE = "within_range"  # accept: offer between floor and standing counter
    CONCESSION = "concession"  # counter: the floor does not bind (whatever the offer)
    BELOW_RANGE = "below_range"  # counter or decline: the floor binds
    LOWBALL = "lowball"  # decline: far too low to discuss
    MAX_ROUNDS = "max_rounds"  # counter (repeated, final) or decline: no more concessions
    FINAL_OFFER = "final_offer"  # accept: the buyer's last word, at or above the floor


@dataclass(frozen=True)
class NegotiationPolicy:
    """How one seller haggles. Defaults mirror config's NegotiationSettings."""

    floor_ratio: Decimal = Decimal("0.85")  # floor as a share of price when min_price is unset
    lowball_ratio: Decimal = Decimal("0.5")  # offers under price * this (and the floor) decline
    max_rounds: int = 3  # counters per conversation; after that the standing one is final
    rounding: Decimal = Decimal("5")  # counters are multiples of this
    first_concession: Decimal = Decimal("0.2")  # share of the gap the first counter gives
    reciprocity: Decimal = Decimal("0.3")  # share of the buyer's last move the bot matches

    def __post_init__(self) -> None:
        # Frozen: coerce through object.__setattr__ so ints/strings from JSON overrides work.
        for name in ("floor_ratio", "lowball_ratio", "rounding", "first_concession",
                     "reciprocity"):
            object.__setattr__(self, name, _to_decimal(name, getattr(self, name)))
        if not Decimal(0) < self.floor_ratio <= Decimal(1):
            raise ValueError(f"floor_ratio must be in (0, 1], got {self.floor_ratio}")
        if not Decimal(0) <= self.lowball_ratio < Decimal(1):
            raise ValueError(f"lowball_ratio must be in [0, 1), got {self.lowball_ratio}")
        if isinstance(self.max_rounds, bool) or not isinstance(self.max_rounds, int):
            raise ValueError(f"max_rounds must be an integer, got {self.max_rounds!r}")
        if self.max_rounds < 0:
            raise ValueError(f"max_rounds must be >= 0, got {self.max_rounds}")
        if self.rounding <= 0:
            raise ValueError(f"rounding must be > 0, got {self.rounding}")
        for name in ("first_concession", "reciprocity"):
            if not Decimal(0) <= getattr(self, name) <= Decimal(1):
                raise ValueError(f"{name} must be in [0, 1], got {getattr(self, name)}")

    def with_overrides(self, overrides: Mapping[str, object] | None) -> NegotiationPolicy:
        """This policy with a seller's overrides (the sellers.negotiation JSON) applied.

        None values are ignored; an unknown key is a ValueError so a typo never passes silently.
        """
        if not overrides:
            return self
        known = {f.name for f in fields(self)}
        unknown = sorted(set(overrides) - known)
        if unknown:
            raise ValueError(f"unknown negotiation settings: {', '.join(unknown)}")
        changes = {key: value for key, value in overrides.items() if value is not None}
        return replace(self, **changes)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Decision:
    """What the bot does with one offer.

    amount is the deal amount for accept, the counter for counter, None for decline.
    final is True when the counter is the last concession the policy will make.
    """

    action: NegotiationAction
    amount: Decimal | None
    reason: DecisionReason
    final: bool = False


def _to_decimal(name: str, value: object) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, Decimal | int | float | str):
        raise ValueError(f"{name} must be a number, got {value!r}")
    try:
        # repr of a float is its shortest round-trip text: 0.1 stays 0.1, not 0.1000000000000000055
        number = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    except InvalidOperation:
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if not number.is_finite():
        raise ValueError(f"{name} must be a finite number, got {value!r}")
    return number


def effective_floor(
    price: MoneyInput, min_price: MoneyInput | None, policy: NegotiationPolicy
) -> Decimal:
    """The lowest amount the bot may agree to: min_price, or price * floor_ratio (up to cents)."""
    price_d = _to_decimal("price", price)
    if price_d <= 0:
        raise ValueError(f"price must be > 0, got {price_d}")
    if min_price is not None:
        floor = _to_decimal("min_price", min_price)
        if not Decimal(0) < floor <= price_d:
            raise ValueError(f"min_price must be in (0, price={price_d}], got {floor}")
        return floor
    # Rounded up, so the floor is never under the seller's ratio; capped at price.
    floor = (price_d * policy.floor_ratio).quantize(Decimal("0.01"), rounding=ROUND_CEILING)
    return min(floor, price_d)


def _multiple_between(
    target: Decimal, low_exclusive: Decimal, high_inclusive: Decimal, step: Decimal
) -> Decimal | None:
    """The multiple of step nearest to target inside (low, high], or None when there is none."""
    candidate = (target / step).to_integral_value(ROUND_HALF_UP) * step
    if candidate > high_inclusive:
        candidate = (high_inclusive / step).to_integral_value(ROUND_FLOOR) * step
    if candidate <= low_exclusive:
        candidate = ((low_exclusive / step).to_integral_value(ROUND_FLOOR) + 1) * step
    return candidate if low_exclusive < candidate <= high_inclusive else None


def _concession(policy: NegotiationPolicy, ceiling: Decimal, offer: Decimal,
                previous_offers: Sequence[Decimal], has_counters: bool) -> Decimal:
    """How far the next counter comes down from the ceiling: a share of the gap at the first
    counter, then a share of the buyer's own last move (no move, no concession). Never more
    than half the gap, and never a function of the floor."""
    gap = ceiling - offer
    if not has_counters:
        return gap * policy.first_concession
    moved = offer - previous_offers[-1] if previous_offers else gap
    return min(max(moved, Decimal(0)) * policy.reciprocity, gap / 2)


def decide(
    policy: NegotiationPolicy,
    *,
    price: MoneyInput,
    floor: MoneyInput,
    offer: MoneyInput,
    previous_counters: Sequence[MoneyInput] = (),
    previous_offers: Sequence[MoneyInput] = (),
    buyer_final: bool = False,
) -> Decision:
    """Answer a buyer's offer, given the bot's earlier counters and the buyer's earlier offers
    in this conversation.

    previous_counters are every counter the bot made to this buyer on this product (repeats
    included: they count as rounds); previous_offers the buyer's offers before this one, in
    order. buyer_final says the buyer called this offer their last. A counter is computed from
    the price, the offers and the earlier counters only; the floor decides nothing until the
    counter would reach it (it binds), so a buyer cannot compute it from the counters. Bad
    input (price <= 0, floor outside (0, price], offer <= 0, a counter <= 0, NaN) raises
    ValueError.
    """
    price_d = _to_decimal("price", price)
    floor_d = _to_decimal("floor", floor)
    offer_d = _to_decimal("offer", offer)
    if price_d <= 0:
        raise ValueError(f"price must be > 0, got {price_d}")
    if not Decimal(0) < floor_d <= price_d:
        raise ValueError(f"floor must be in (0, price={price_d}], got {floor_d}")
    if offer_d <= 0:
        raise ValueError(f"offer must be > 0, got {offer_d}")
    counters = [_to_decimal("previous counter", c) for c in previous_counters]
    if any(c <= 0 for c in counters):
        raise ValueError(f"previous counters must be > 0, got {counters}")
    offers = [_to_decimal("previous offer", o) for o in previous_offers]

    def accept(amount: Decimal, reason: DecisionReason) -> Decision:
        return Decision(NegotiationAction.ACCEPT, amount, reason)

    def counter(amount: Decimal, reason: DecisionReason, final: bool = False) -> Decision:
        final = final or len(counters) + 1 >= policy.max_rounds
        return Decision(NegotiationAction.COUNTER, amount, reason, final)

    def decline(reason: DecisionReason) -> Decision:
        return Decision(NegotiationAction.DECLINE, None, reason)

    if offer_d >= price_d:
        # The deal is never more than the list price, even if the buyer offered more.
        return accept(price_d, DecisionReason.AT_OR_ABOVE_PRICE)

    # min(), not the last one: counters must never rise above ANY earlier counter.
    standing = min(counters) if counters else None
    if standing is not None and standing < floor_d:
        # The seller raised the floor above a counter already made: a new counter would have to
        # rise (or go under the floor), so only an offer at/above the new floor can close.
        if offer_d >= floor_d:
            return accept(offer_d, DecisionReason.WITHIN_RANGE)
        return decline(DecisionReason.BELOW_RANGE)
    if standing is not None and offer_d >= standing:
        return accept(offer_d, DecisionReason.MEETS_COUNTER)

    if offer_d < floor_d and offer_d < price_d * policy.lowball_ratio:
        return decline(DecisionReason.LOWBALL)

    if offer_d >= floor_d and buyer_final and len(counters) >= min(2, policy.max_rounds):
        # After rounds of haggling, the buyer's last word at or above the floor closes it.
        return accept(offer_d, DecisionReason.FINAL_OFFER)

    if len(counters) >= policy.max_rounds:
        if standing is not None:
            return counter(min(standing, price_d), DecisionReason.MAX_ROUNDS, final=True)
        # max_rounds == 0: the seller does not haggle; the floor is what they accept.
        if offer_d >= floor_d:
            return accept(offer_d, DecisionReason.WITHIN_RANGE)
        return decline(DecisionReason.MAX_ROUNDS)

    # Price may have been lowered below an earlier counter: never counter above the price.
    ceiling = price_d if standing is None else min(standing, price_d)
    target = ceiling - _concession(policy, ceiling, offer_d, offers, bool(counters))
    amount = _multiple_between(target, offer_d, ceiling, policy.rounding)
    if amount is not None and amount > floor_d:
        return counter(amount, DecisionReason.CONCESSION)
    if amount is None and offer_d >= floor_d:
        # No rounded figure lies strictly between the offer and the ceiling: the offer is as
        # good as any counter could be, and safe.
        return accept(offer_d, DecisionReason.WITHIN_RANGE)

    # The floor binds: the counter would reach it. Hold the standing counter (no concession
    # this round; the buyer may still move, or call an offer at/above the floor final).
    if standing is not None:
        return counter(ceiling, DecisionReason.BELOW_RANGE)
    if floor_d == price_d:
        # No room at all: the only legal counter is the (public) price.
        return counter(price_d, DecisionReason.BELOW_RANGE, final=True)
    # The first counter already binds: halfway between the floor and the price, strictly above
    # the floor, so the floor figure itself is never said.
    amount = _multiple_between((floor_d + ceiling) / 2, floor_d, ceiling, policy.rounding)
    if amount is not None:
        return counter(amount, DecisionReason.BELOW_RANGE)
    return decline(DecisionReason.BELOW_RANGE)


_SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£"}


def format_money(amount: Decimal, currency: str, language: str) -> str:
    """An amount as a buyer reads it: es "1.250 €", "299,99 €"; en "€1,250", "€299.99"."""
    amount = _to_decimal("amount", amount)
    whole = amount == amount.to_integral_value()
    text = f"{amount:,.0f}" if whole else f"{amount:,.2f}"
    if language == "es":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    code = currency.upper()
    symbol = _SYMBOLS.get(code)
    if language == "es":
        return f"{text} {symbol or code}"
    return f"{symbol}{text}" if symbol else f"{text} {code}"


_REPLIES = {
    "es": {
        "accept": "¡Trato hecho! Te lo dejo en {amount}.",
        "counter": "No puedo llegar a eso, pero te lo puedo dejar en {amount}.",
        "counter_final": "Lo máximo que puedo hacer es {amount}; es mi última oferta.",
        "decline_lowball": "Lo siento, esa oferta es demasiado baja para este artículo.",
        "decline": "Lo siento, no puedo aceptar esa oferta.",
    },
    "en": {
        "accept": "Deal! It's yours for {amount}.",
        "counter": "I can't go that low, but I can do {amount}.",
        "counter_final": "The best I can do is {amount}; that's my final offer.",
        "decline_lowball": "Sorry, that offer is too low for this item.",
        "decline": "Sorry, I can't accept that offer.",
    },
}


def public_reason(decision: Decision) -> str:
    """The decision's reason as the model may see it: nothing that tells whether the offer
    was above the floor when the decision does not show it anyway."""
    if decision.action is NegotiationAction.COUNTER:
        return "max_rounds" if decision.reason is DecisionReason.MAX_ROUNDS else "counter"
    if decision.action is NegotiationAction.DECLINE and (
            decision.reason is DecisionReason.BELOW_RANGE):
        return "declined"
    return decision.reason.value


def policy_reply(decision: Decision, currency: str, language: str) -> str:
    """The plain wording of a decision, used when the model's own phrasing is refused.

    Names only the decision's amount (the deal or the counter), never the floor.
    """
    texts = _REPLIES.get(language)
    if texts is None:
        raise ValueError(f"language must be 'es' or 'en', got {language!r}")
    if decision.action is NegotiationAction.DECLINE:
        key = "decline_lowball" if decision.reason is DecisionReason.LOWBALL else "decline"
        return texts[key]
    if decision.amount is None:
        raise ValueError(f"a {decision.action} decision needs an amount")
    amount = format_money(decision.amount, currency, language)
    if decision.action is NegotiationAction.ACCEPT:
        return texts["accept"].format(amount=amount)
    return texts["counter_final" if decision.final else "counter"].format(amount=amount)
