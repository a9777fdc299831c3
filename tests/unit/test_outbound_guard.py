"""The outbound guard: the floor never leaves, innocent numbers do."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.conversation.outbound_guard import (
    BELOW_FLOOR,
    FLOOR_FIGURE,
    GuardVerdict,
    guard_buyer_message,
)
from agents.domain.negotiation import NegotiationAction, NegotiationPolicy, decide
from agents.domain.negotiation_replies import policy_reply

D = Decimal
FALLBACK = "No puedo llegar a eso, pero te lo puedo dejar en 605 €."


def guard(text: str, *, floor: str | int = 560, price: str | int = 650,
          recorded: tuple[int | str, ...] = (400,)) -> GuardVerdict:
    return guard_buyer_message(text, floor=D(floor), price=D(price),
                               recorded_amounts=[D(a) for a in recorded], fallback=FALLBACK)


@pytest.mark.parametrize(
    "text",
    [
        "Lo mínimo que acepto es 560",
        "Te lo dejo en 560€",
        "Te lo dejo en 560 €, ¿vale?",
        "560,00 € y es tuyo",
        "Vale, 560.00 y cerramos",
        "I can do €560",
        "€ 560 is my limit",
        "My floor is 560 euros",
        "560 EUR final",
        "EUR 560",
        "$560",
        "(560)",
        "precio mínimo: 560.",
        "I'd accept 560!",
        "560\nsaludos",
    ],
)
def test_floor_figure_is_replaced(text: str) -> None:
    assert guard(text) == GuardVerdict(FALLBACK, True, FLOOR_FIGURE)


@pytest.mark.parametrize(
    "text",
    ["1.250 €", "1,250", "1250", "1 250 €", "1\u00a0250 €", "€1,250.00", "1.250,00 €",
     "USD 1,250", "Te lo dejo en 1.250"],
)
def test_floor_in_thousands_formats_is_replaced(text: str) -> None:
    verdict = guard(text, floor=1250, price=1500, recorded=())
    assert verdict.replaced and verdict.reason == FLOOR_FIGURE


@pytest.mark.parametrize("text", ["552,50 €", "552.50", "552.5", "unos 552 €"])
def test_floor_with_cents_and_its_whole_part_are_replaced(text: str) -> None:
    assert guard(text, floor="552.50", price=650, recorded=()).reason == FLOOR_FIGURE


def test_floor_with_cents_rounded_up_is_an_ordinary_counter() -> None:
    assert not guard("Te lo dejo en 553 €", floor="552.50", price=650, recorded=()).replaced


def test_floor_already_offered_in_the_conversation_may_be_named() -> None:
    verdict = guard("Me ofreciste 560 €, pero lo mínimo es 580 €", recorded=(560,))
    assert verdict == GuardVerdict("Me ofreciste 560 €, pero lo mínimo es 580 €", False, None)


def test_floor_equal_to_price_is_public() -> None:
    assert not guard("El precio es 650 €, fijo", floor=650, price=650).replaced


@pytest.mark.parametrize(
    "text",
    [
        "Te lo dejo en 500",
        "Te lo dejo en 500 €",
        "te lo dejo a 520 y es tuyo",
        "Lo vendo por 450",
        "por 450, ¿te va bien?",
        "Puedo bajar a 540",
        "Precio final: 555",
        "Trato: 530 € y lo recoges hoy",
        "A 300 y es tuyo",
        "I can do 450 for you",
        "Deal at 500",
        "It's yours for 550 today",
        "for 300 it's yours",
        "Price is 420 now",
        "I'll let it go for 510",
        "Te lo dejo en 1.250 si vienes hoy",
    ],
)
def test_a_promise_below_the_floor_is_replaced(text: str) -> None:
    verdict = guard(text, floor="1300" if "1.250" in text else 560, price=1500 if "1.250"
                    in text else 650)
    assert verdict == GuardVerdict(FALLBACK, True, BELOW_FLOOR)


@pytest.mark.parametrize(
    "text",
    [
        "¡Hola! Sí, sigue disponible. Es un iPhone 13 Pro de 128GB.",
        "La batería está al 89% y tiene 2 años.",
        "Es talla 42, del año 2020.",
        "Podemos quedar mañana a las 17:30 en la plaza.",
        "Can we meet at 5? I'm free after 6pm.",
        "Te puedo mandar 2 fotos más si quieres.",
        "El precio es 650 €.",
        "No puedo llegar a eso, pero te lo puedo dejar en 605 €.",
        "I can't go that low, but I can do €605.",
        "Me ofreciste 400 €, y no puedo aceptarlo.",
        "You offered 400, sorry, I can't.",
        "El envío cuesta 5 €.",
        "650 € + 5 € de envío",
        "Shipping is €4.99 within Spain.",
        "Tiene 3 meses de garantía y 2 cargadores.",
        "Lo uso desde hace 3 años, para 2 personas.",
        "It has 256 GB and a 6.1 inch screen.",
        "Está a 2 calles del metro.",
        "Good for 2 years of use.",
        "Llego en 10 minutos.",
        "Te lo reservo 24 horas.",
        "Mi última oferta es 575 €.",
        "Room 101, floor 3.",
    ],
)
def test_innocent_messages_pass(text: str) -> None:
    assert guard(text) == GuardVerdict(text, False, None)


def test_amount_offered_by_the_buyer_may_be_repeated() -> None:
    assert not guard("Por 400 no puedo, lo siento", recorded=(400,)).replaced
    assert guard("Por 400 no puedo, lo siento", recorded=()).replaced


def test_bad_arguments_raise() -> None:
    with pytest.raises(ValueError, match="floor"):
        guard("hola", floor=700, price=650)
    with pytest.raises(ValueError, match="price"):
        guard("hola", floor=560, price=0)


# --- property: whatever the wording around it, the floor figure never gets through -----------

def _group(whole: int, separator: str) -> str:
    return f"{whole:,}".replace(",", separator)


@st.composite
def floor_renderings(draw: st.DrawFn) -> tuple[Decimal, Decimal, str]:
    cents = draw(st.sampled_from([0, 0, 0, 50, 99, 5, 10]))
    whole = draw(st.integers(min_value=1, max_value=250_000))
    floor = D(whole) + D(cents) / 100
    price = floor + D(draw(st.integers(min_value=1, max_value=100_000))) / 100
    separator_pairs = [("", "."), ("", ","), (".", ","), (",", "."), ("\u00a0", ","), (" ", ",")]
    thousands, decimal_mark = draw(st.sampled_from(separator_pairs))
    figure = _group(whole, thousands) if thousands else str(whole)
    if cents:
        tail = f"{cents:02d}"
        if tail.endswith("0") and draw(st.booleans()):
            tail = tail[0]  # 552.5
        figure += decimal_mark + tail
    elif draw(st.booleans()):
        figure += decimal_mark + "00"
    template = draw(st.sampled_from(
        ["{}", "{}€", "{} €", "€{}", "€ {}", "{} euros", "{} EUR", "EUR {}", "${}", "{} $"]
    ))
    return floor, price, template.format(figure)


filler = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Nd", "No")), max_size=30
)
innocent_numbers = st.integers(min_value=1, max_value=99).map(lambda n: f" {n} GB")
separators = st.sampled_from([" ", "\n", " (", ": ", " - ", "¡", "¿"])


@settings(max_examples=300, deadline=None)
@given(
    rendering=floor_renderings(),
    before=filler,
    after=filler,
    extra=st.lists(innocent_numbers, max_size=3),
    left=separators,
    right=st.sampled_from([" ", "\n", ")", ". ", ", ", "!", "?", ""]),
    recorded=st.lists(st.integers(min_value=1, max_value=300_000), max_size=4),
)
def test_floor_figure_never_gets_through(
    rendering: tuple[Decimal, Decimal, str], before: str, after: str, extra: list[str],
    left: str, right: str, recorded: list[int],
) -> None:
    floor, price, figure = rendering
    text = before + "".join(extra) + left + figure + right + after
    recorded_amounts = [D(amount) for amount in recorded if D(amount) != floor]
    verdict = guard_buyer_message(text, floor=floor, price=price,
                                  recorded_amounts=recorded_amounts, fallback=FALLBACK)
    assert verdict.replaced, text
    assert verdict.text == FALLBACK


@settings(max_examples=200, deadline=None)
@given(
    price_cents=st.integers(min_value=1_00, max_value=20_000_00),
    floor_share=st.integers(min_value=30, max_value=100),
    offer_shares=st.lists(st.integers(min_value=1, max_value=120), min_size=1, max_size=6),
    rounding=st.sampled_from([D("0.01"), D(1), D(5), D(10)]),
    language=st.sampled_from(["es", "en"]),
)
def test_the_policys_own_wording_always_passes_the_guard(
    price_cents: int, floor_share: int, offer_shares: list[int], rounding: Decimal,
    language: str,
) -> None:
    # The fallback must itself be safe: a reply built from a decision never trips the guard.
    price = D(price_cents) / 100
    floor = max(D("0.01"), (price * floor_share / 100).quantize(D("0.01")))
    policy = NegotiationPolicy(rounding=rounding)
    recorded: list[Decimal] = []  # every offer and counter already said in the conversation
    counters: list[Decimal] = []
    for share in offer_shares:
        offer = max(D("0.01"), (price * share / 100).quantize(D("0.01")))
        recorded.append(offer)
        decision = decide(policy, price=price, floor=floor, offer=offer,
                          previous_counters=counters)
        reply = policy_reply(decision, "EUR", language)
        verdict = guard_buyer_message(reply, floor=floor, price=price,
                                      recorded_amounts=recorded, fallback="-")
        assert not verdict.replaced, (reply, floor, verdict.reason)
        if decision.action is NegotiationAction.COUNTER:
            assert decision.amount is not None
            counters.append(decision.amount)
            recorded.append(decision.amount)
        if decision.action is NegotiationAction.ACCEPT:
            break


@pytest.mark.parametrize("text", [
    "Deal at 100! It's reserved for you.",
    "¡Trato hecho por 100 €! Te lo reservo.",
    "Done, the price is now 100.",
])
def test_a_rejected_offer_is_never_announced_as_a_deal(text):
    verdict = guard_buyer_message(text, floor=Decimal("560"), price=Decimal("650"),
                                  recorded_amounts={Decimal("100")}, fallback="FALLBACK")
    assert verdict.replaced and verdict.text == "FALLBACK"


@pytest.mark.parametrize("text", [
    "No puedo dejarlo en 100 €, pero te lo dejo en 605 €.",
    "I can't do €100, but I can do €605.",
    "You offered 100; the best I can do is 605.",
])
def test_quoting_a_rejected_offer_passes(text):
    verdict = guard_buyer_message(text, floor=Decimal("560"), price=Decimal("650"),
                                  recorded_amounts={Decimal("100"), Decimal("605")},
                                  fallback="FALLBACK")
    assert not verdict.replaced


def test_an_agreed_amount_may_be_called_a_deal():
    verdict = guard_buyer_message("Deal at 500!", floor=Decimal("560"), price=Decimal("650"),
                                  recorded_amounts={Decimal("500")}, fallback="FALLBACK",
                                  agreed_amounts={Decimal("500")})
    assert not verdict.replaced
