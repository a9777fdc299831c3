"""Scam signals: labelled sentences both ways, the trust penalty and the safe decline."""

from __future__ import annotations

from decimal import Decimal

import pytest

from agents.domain.fraud_signals import (
    PENALTIES,
    STRONG_KINDS,
    FraudKind,
    FraudSignal,
    apply_trust_penalty,
    detect_fraud_signals,
    safe_decline_text,
)

K = FraudKind

POSITIVES = [
    # advance payment and untraceable methods (strong)
    ("Te pago por Western Union, ¿vale?", K.ADVANCE_PAYMENT),
    ("I can send the money by MoneyGram", K.ADVANCE_PAYMENT),
    ("Te hago un bizum por adelantado y me lo guardas", K.ADVANCE_PAYMENT),
    ("I'll pay you upfront by bank transfer", K.ADVANCE_PAYMENT),
    ("Tienes que pagar una señal por adelantado al transportista", K.ADVANCE_PAYMENT),
    ("Can I pay with a gift card?", K.ADVANCE_PAYMENT),
    ("Te pago en bitcoin", K.ADVANCE_PAYMENT),
    # off-platform payment (soft)
    ("Te pago con PayPal amigos y familia", K.OFF_PLATFORM_PAYMENT),
    ("I'll pay via PayPal friends and family", K.OFF_PLATFORM_PAYMENT),
    ("paypal F&F only", K.OFF_PLATFORM_PAYMENT),
    ("Send it as friends and family so there are no fees", K.OFF_PLATFORM_PAYMENT),
    ("Te hago una transferencia fuera de la plataforma, sin comisiones", K.OFF_PLATFORM_PAYMENT),
    ("Can we do the payment outside the app?", K.OFF_PLATFORM_PAYMENT),
    # plain links (soft) and phishing links (strong)
    ("Mira las fotos en https://bit.ly/3xYz", K.EXTERNAL_LINK),
    ("Escríbeme a wa.me/34600111222", K.EXTERNAL_LINK),
    ("is it like this one? www.ikea.com/es/kallax", K.EXTERNAL_LINK),
    ("Entra en www.pago-seguro-envios.com y confirma", K.PHISHING_LINK),
    ("Confirm the shipment at secure-delivery.info", K.PHISHING_LINK),
    ("Rellena el formulario en envios-rapidos.es/confirmar", K.PHISHING_LINK),
    ("pay the deposit here http://bit.ly/desk-deposit", K.PHISHING_LINK),
    ("Para cobrar pulsa en https://tinyurl.com/abc123", K.PHISHING_LINK),
    # identity documents
    ("Envíame una foto de tu DNI para el envío", K.ASKS_IDENTITY_DOCUMENT),
    ("Send me a photo of your ID please", K.ASKS_IDENTITY_DOCUMENT),
    ("I need a copy of your passport", K.ASKS_IDENTITY_DOCUMENT),
    ("Mándame tu pasaporte escaneado", K.ASKS_IDENTITY_DOCUMENT),
    ("necesito el documento de identidad del vendedor", K.ASKS_IDENTITY_DOCUMENT),
    # phone
    ("¿Me pasas tu número?", K.ASKS_PHONE),
    ("¿Me pasas tu numero de telefono?", K.ASKS_PHONE),
    ("What's your phone number?", K.ASKS_PHONE),
    ("Hablamos mejor por WhatsApp", K.ASKS_PHONE),
    ("Llámame al 612 345 678", K.ASKS_PHONE),
    ("text me at +34 612-345-678", K.ASKS_PHONE),
    # bank details (soft) and card details or codes (strong)
    ("Pásame tu IBAN y te transfiero", K.ASKS_BANK_DETAILS),
    ("I need your bank account details to send the money", K.ASKS_BANK_DETAILS),
    ("¿Cuál es tu cuenta bancaria?", K.ASKS_BANK_DETAILS),
    ("Ingresa en ES91 2100 0418 4502 0005 1332", K.ASKS_BANK_DETAILS),
    ("Dame el número de tu tarjeta y el CVV", K.CARD_DETAILS),
    ("What's the card number and expiry date?", K.CARD_DETAILS),
    ("Dime el código que te ha llegado por SMS", K.CARD_DETAILS),
    ("send me the verification code you got", K.CARD_DETAILS),
    ("read me the code you received so I can pay", K.CARD_DETAILS),
    # courier pickup
    ("Mi mensajero lo recoge mañana", K.COURIER_PICKUP),
    ("My courier will pick it up tomorrow", K.COURIER_PICKUP),
    ("I'll send a shipping agent to your house", K.COURIER_PICKUP),
    ("Enviaré un mensajero a tu casa", K.COURIER_PICKUP),
    ("Un transportista pasará a recogerlo", K.COURIER_PICKUP),
    # overseas urgency
    ("Estoy en el extranjero y lo necesito urgente", K.OVERSEAS_URGENCY),
    ("estoy en el extranjero, es urgente", K.OVERSEAS_URGENCY),
    ("I'm abroad right now, I need it urgently", K.OVERSEAS_URGENCY),
    ("I'm overseas, please ship it to another country asap", K.OVERSEAS_URGENCY),
    ("Necesito que lo envíes a otro país hoy mismo", K.OVERSEAS_URGENCY),
]

NEGATIVES = [
    "¿Sigue disponible?",
    "¿Haces envíos?",
    "¿Envías por Correos?",
    "Can I pay cash on pickup?",
    "¿Aceptas bizum cuando quedemos?",
    "¿Puedo pagar con PayPal?",
    "¿Tengo que pagar por adelantado?",
    "¿El envío se paga aparte?",
    "Te doy 400 y lo recojo hoy",
    "Lo recojo yo mañana por la tarde",
    "Can I pick it up tomorrow?",
    "Can you ship it with DHL?",
    "¿Envías al extranjero?",
    "I'm abroad until May, can you hold it?",
    "¿Necesitas mi DNI para el envío?",
    "¿Tiene factura? ¿Cuántos años tiene?",
    "iPhone 13 Pro 128GB, batería al 89%",
    "The battery is at 89%, right?",
    "Hola.es posible verlo hoy?",
    "Tengo una tv55 pulgadas casi nueva",
    "¿Me lo reservas hasta el sábado?",
    "Pago seguro por la plataforma, ¿vale?",
    "Is the price negotiable? Would you take 550?",
    "¿Cuál es el número de serie?",
    "What's the tracking number once you ship?",
    "¿Es urgente la venta? ¿Por qué lo vendes?",
    "Te ofrezco 1.250 € por las dos bicis",
    "Quedamos a las 17:30 en la estación",
    "Es un regalo para amigos y familia",
    "¿Qué código postal es? Es para saber si me pilla cerca",
    "What's the model code on the box?",
]


@pytest.mark.parametrize(("text", "kind"), POSITIVES)
def test_scam_sentences_raise_their_signal(text: str, kind: FraudKind) -> None:
    kinds = [signal.kind for signal in detect_fraud_signals(text)]
    assert kind in kinds


@pytest.mark.parametrize("text", NEGATIVES)
def test_ordinary_sentences_raise_nothing(text: str) -> None:
    assert detect_fraud_signals(text) == []


def test_every_kind_has_labelled_examples_and_there_are_enough() -> None:
    assert {kind for _, kind in POSITIVES} == set(FraudKind)
    assert len(POSITIVES) + len(NEGATIVES) >= 30


def test_matched_text_is_the_buyers_own_words() -> None:
    [signal] = detect_fraud_signals("Envíame una FOTO de tu DNI, porfa")
    assert signal == FraudSignal(K.ASKS_IDENTITY_DOCUMENT, "Envíame una FOTO de tu DNI")


def test_accents_are_optional() -> None:
    with_accents = detect_fraud_signals("¿Me pasas tu número de teléfono?")
    without = detect_fraud_signals("me pasas tu numero de telefono")
    assert [s.kind for s in with_accents] == [s.kind for s in without] == [K.ASKS_PHONE]


def test_signals_come_once_per_kind_in_order_of_appearance() -> None:
    signals = detect_fraud_signals(
        "Mándame tu IBAN, luego tu WhatsApp y tu IBAN otra vez; mira https://x.co/a"
    )
    assert [s.kind for s in signals] == [K.ASKS_BANK_DETAILS, K.ASKS_PHONE, K.EXTERNAL_LINK]


def test_a_link_is_phishing_by_what_is_said_near_it_not_anywhere() -> None:
    far = ("¿Haces envíos a Sevilla? Pregunto porque me interesa mucho, y otra cosa: "
           "¿es como este? www.ikea.com/es/kallax")
    assert [s.kind for s in detect_fraud_signals(far)] == [K.EXTERNAL_LINK]


def test_being_abroad_needs_a_rush_to_count() -> None:
    assert detect_fraud_signals("Estoy en el extranjero") == []
    assert [s.kind for s in detect_fraud_signals("Estoy en el extranjero, urge: ¡hoy!")] == [
        K.OVERSEAS_URGENCY
    ]


# --- trust ---------------------------------------------------------------------------------

def _signal(kind: FraudKind) -> FraudSignal:
    return FraudSignal(kind, "x")


def test_penalty_drops_per_signal() -> None:
    signals = [_signal(K.ASKS_PHONE), _signal(K.EXTERNAL_LINK)]
    assert apply_trust_penalty(Decimal("0.5"), signals) == 0.35
    assert apply_trust_penalty(0.9, [_signal(K.CARD_DETAILS)]) == 0.55
    assert apply_trust_penalty(0.5, []) == 0.5


def test_penalty_is_clamped_to_zero_and_one() -> None:
    every_kind = [_signal(kind) for kind in FraudKind]
    assert apply_trust_penalty(0.5, every_kind) == 0.0
    assert apply_trust_penalty(1.5, []) == 1.0
    assert apply_trust_penalty(-1, []) == 0.0


def test_every_kind_has_a_penalty() -> None:
    assert set(PENALTIES) == set(FraudKind)
    assert all(Decimal(0) < penalty < Decimal(1) for penalty in PENALTIES.values())


def test_strong_signals_cost_more_than_soft_ones() -> None:
    strong = min(PENALTIES[kind] for kind in STRONG_KINDS)
    soft = max(PENALTIES[kind] for kind in set(FraudKind) - STRONG_KINDS)
    assert strong > soft


def test_bad_scores_raise() -> None:
    with pytest.raises(ValueError):
        apply_trust_penalty(float("nan"), [])
    with pytest.raises(ValueError):
        apply_trust_penalty("0.5", [])  # type: ignore[arg-type]


@pytest.mark.parametrize("language", ["es", "en"])
def test_safe_decline_keeps_everything_on_the_platform(language: str) -> None:
    text = safe_decline_text(language).lower()
    assert ("plataforma" if language == "es" else "platform") in text
    assert not detect_fraud_signals(text)  # the bot itself never sounds like a scam
    assert not any(ch.isdigit() for ch in text)


def test_safe_decline_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        safe_decline_text("fr")


@pytest.mark.parametrize(("text", "kinds"), [
    ("I can pay now, just send me your card number and the code on the back",
     {FraudKind.CARD_DETAILS}),
    ("send me the tracking number when it ships", set()),
    ("could you give me your order number?", set()),
    ("send me your number and we talk", {FraudKind.ASKS_PHONE}),
])
def test_a_card_or_tracking_number_is_not_a_phone_request(text: str,
                                                         kinds: set[FraudKind]) -> None:
    """The seller was told a card-number scammer "wants to go on by phone or WhatsApp"."""
    assert {signal.kind for signal in detect_fraud_signals(text)} == kinds
