"""Graded fraud handling: warn on a soft signal, close on a strong or repeated one, pass
contact requests on once there is a deal; and the seller's notice in words."""

from __future__ import annotations

import pytest

from agents.fraud_notices import reasons
from agents.fraud_policy import UNBLOCKED, fraud_verdict, soft_signals_on_record
from agents.fraud_signals import STRONG_KINDS, FraudKind, detect_fraud_signals

K = FraudKind


def _verdict(text: str, recorded: list[str] | None = None, has_deal: bool = False) -> str:
    signals = detect_fraud_signals(text)
    assert signals, text
    return fraud_verdict(signals, recorded=recorded or [], has_deal=has_deal).action


@pytest.mark.parametrize("text", [
    "I'll pay via PayPal friends and family",
    "¿me pasas tu número y lo hablamos?",
    "mira las fotos que encontré: https://bit.ly/3xYz",
    "Pásame tu IBAN y te hago la transferencia cuando lo recoja",
])
def test_a_soft_signal_gets_a_warning(text: str) -> None:
    assert _verdict(text) == "warn"


@pytest.mark.parametrize("text", [
    "Dame el número de tu tarjeta y el código de detrás",
    "Envíame una foto de tu DNI para reservarlo",
    "I'll pay upfront by Western Union",
    "My courier will collect it tomorrow",
    "confirm the payment here http://secure-pay-item.com/confirm",
    "Dime el código que te ha llegado por SMS",
])
def test_a_strong_signal_closes_the_chat_at_once(text: str) -> None:
    assert _verdict(text) == "block"


def test_soft_signals_repeated_after_warnings_close_the_chat() -> None:
    first = "paypal friends and family ok?"
    assert _verdict(first) == "warn"
    assert _verdict("dame tu whatsapp", ["off_platform_payment"]) == "last_warning"
    assert _verdict("send me your number", ["off_platform_payment", "asks_phone"]) == "block"


def test_an_unblock_starts_the_count_again() -> None:
    recorded = ["off_platform_payment", "asks_phone", "asks_phone", UNBLOCKED]
    assert soft_signals_on_record(recorded) == 0
    assert _verdict("dame tu whatsapp", recorded) == "warn"
    assert soft_signals_on_record(["card_details", "asks_phone", "an_old_rule"]) == 1


@pytest.mark.parametrize("text", ["dame tu whatsapp y lo hablamos",
                                  "what's your phone number so we can meet?",
                                  "Llámame al 612 345 678 cuando llegues"])
def test_with_a_deal_contact_goes_to_the_seller(text: str) -> None:
    assert _verdict(text, has_deal=True) == "pass_to_seller"
    assert _verdict(text, has_deal=False) == "warn"


def test_with_a_deal_a_strong_signal_still_closes_the_chat() -> None:
    verdict = fraud_verdict(detect_fraud_signals("dame tu whatsapp y el número de tu tarjeta"),
                            recorded=[], has_deal=True)
    assert verdict.action == "block" and verdict.kinds == [K.CARD_DETAILS.value]


def test_every_kind_is_told_in_words_with_the_buyers_own() -> None:
    for kind in FraudKind:
        words = reasons([type("S", (), {"kind": kind, "matched": "xyz"})()])  # type: ignore
        assert "xyz" in words["es"] and "xyz" in words["en"]
        assert kind.value not in words["es"] + words["en"]
    told = reasons(detect_fraud_signals("Te pago con PayPal amigos y familia"))
    assert told["en"].startswith("wants to pay outside the platform")
    assert "PayPal amigos y familia" in told["es"]
    assert STRONG_KINDS < set(FraudKind)
