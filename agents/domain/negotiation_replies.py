"""How a negotiation decision reads to a buyer: money as the buyer writes it, the plain wording
of a decision, and the reason the model may see. Pure; split from negotiation.py (the policy).
"""

from __future__ import annotations

from decimal import Decimal

from agents.domain.negotiation import Decision, DecisionReason, NegotiationAction, _to_decimal

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
