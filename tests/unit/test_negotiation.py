"""The negotiation policy: one example per rule, then properties over whole conversations."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from agents.negotiation import (
    Decision,
    DecisionReason,
    NegotiationAction,
    NegotiationPolicy,
    decide,
    effective_floor,
    format_money,
    policy_reply,
)

D = Decimal
POLICY = NegotiationPolicy()
ACCEPT, COUNTER, DECLINE = (
    NegotiationAction.ACCEPT,
    NegotiationAction.COUNTER,
    NegotiationAction.DECLINE,
)


def run(offers: list[int | str], *, price: int | str = 650, floor: int | str = 560,
        policy: NegotiationPolicy = POLICY, final_last: bool = False) -> list[Decision]:
    """Plays offers in order, feeding counters and offers back; stops after an accept.
    final_last: the buyer calls the last offer final."""
    counters: list[Decimal] = []
    earlier: list[Decimal] = []
    decisions = []
    for number, offer in enumerate(offers):
        decision = decide(policy, price=D(price), floor=D(floor), offer=D(offer),
                          previous_counters=counters, previous_offers=earlier,
                          buyer_final=final_last and number == len(offers) - 1)
        earlier.append(D(offer))
        decisions.append(decision)
        if decision.action is COUNTER:
            assert decision.amount is not None
            counters.append(decision.amount)
        if decision.action is ACCEPT:
            break
    return decisions


# --- policy and floor ------------------------------------------------------------------------

def test_policy_defaults_match_the_settings_defaults() -> None:
    assert POLICY == NegotiationPolicy(D("0.85"), D("0.5"), 3, D("5"), D("0.2"), D("0.3"))


@pytest.mark.parametrize(
    "kwargs",
    [
        {"floor_ratio": D(0)},
        {"floor_ratio": D("1.1")},
        {"lowball_ratio": D(1)},
        {"lowball_ratio": D("-0.1")},
        {"max_rounds": -1},
        {"max_rounds": 1.5},
        {"rounding": D(0)},
        {"rounding": "abc"},
        {"first_concession": D("1.5")},
        {"reciprocity": D("-0.5")},
    ],
)
def test_policy_rejects_nonsense(kwargs: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        NegotiationPolicy(**kwargs)  # type: ignore[arg-type]


def test_policy_overrides_from_seller_json() -> None:
    policy = POLICY.with_overrides({"max_rounds": 5, "rounding": "10", "lowball_ratio": None})
    assert policy == NegotiationPolicy(D("0.85"), D("0.5"), 5, D("10"), D("0.2"), D("0.3"))
    assert POLICY.with_overrides(None) is POLICY
    with pytest.raises(ValueError, match="max_round"):
        POLICY.with_overrides({"max_round": 5})


def test_effective_floor_is_min_price_when_set() -> None:
    assert effective_floor(D(650), D(560), POLICY) == D(560)


def test_effective_floor_defaults_to_ratio_rounded_up_to_cents() -> None:
    assert effective_floor(D(650), None, POLICY) == D("552.50")
    assert effective_floor(D("9.99"), None, POLICY) == D("8.50")  # 8.4915 rounded up
    assert effective_floor(D("0.01"), None, POLICY) == D("0.01")  # never above price


@pytest.mark.parametrize(("price", "min_price"), [(0, None), (-5, None), (650, 700), (650, 0)])
def test_effective_floor_rejects_bad_input(price: int, min_price: int | None) -> None:
    with pytest.raises(ValueError):
        effective_floor(D(price), None if min_price is None else D(min_price), POLICY)


# --- input validation ------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("price", "floor", "offer", "message"),
    [
        (0, 1, 1, "price"),
        (650, 0, 400, "floor"),
        (650, 700, 400, "floor"),
        (650, 560, 0, "offer"),
        (650, 560, -10, "offer"),
        (650, 560, "NaN", "offer"),
        (650, 560, "Infinity", "offer"),
        (650, 560, True, "offer"),
    ],
)
def test_decide_rejects_bad_input(price: object, floor: object, offer: object,
                                  message: str) -> None:
    with pytest.raises(ValueError, match=message):
        decide(POLICY, price=price, floor=floor, offer=offer)  # type: ignore[arg-type]


def test_decide_rejects_non_positive_previous_counters() -> None:
    with pytest.raises(ValueError, match="counter"):
        decide(POLICY, price=D(650), floor=D(560), offer=D(500), previous_counters=[D(0)])


def test_decide_accepts_ints_and_floats_as_money() -> None:
    assert decide(POLICY, price=650, floor=560.5, offer=650.0).amount == D(650)


# --- one example per rule --------------------------------------------------------------------

def test_offer_at_price_is_accepted() -> None:
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(650))
    assert decision == Decision(ACCEPT, D(650), DecisionReason.AT_OR_ABOVE_PRICE)


def test_offer_above_price_is_accepted_at_the_price() -> None:
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(700))
    assert (decision.action, decision.amount) == (ACCEPT, D(650))


def test_offer_meeting_the_standing_counter_is_accepted_at_the_offer() -> None:
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(610),
                      previous_counters=[D(615), D(605)])
    assert decision == Decision(ACCEPT, D(610), DecisionReason.MEETS_COUNTER)


def test_lowball_is_declined_without_a_figure() -> None:
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(300))
    assert decision == Decision(DECLINE, None, DecisionReason.LOWBALL)


def test_lowball_line_never_declines_an_offer_at_or_above_the_floor() -> None:
    policy = NegotiationPolicy(lowball_ratio=D("0.9"))
    decision = decide(policy, price=D(650), floor=D(500), offer=D(520))
    assert decision.action is COUNTER


def test_first_counter_gives_a_fifth_of_the_gap_whatever_the_floor() -> None:
    # 650 - (650 - 400) / 5 = 600, with the floor at 560 as at 520: the floor does not bind.
    for floor in (560, 520):
        decision = decide(POLICY, price=D(650), floor=D(floor), offer=D(400))
        assert decision == Decision(COUNTER, D(600), DecisionReason.CONCESSION)


def test_offer_within_range_gets_the_same_kind_of_counter() -> None:
    # 650 - 70 / 5 = 636, rounded to 635: nothing says the offer was above the floor.
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(580))
    assert decision == Decision(COUNTER, D(635), DecisionReason.CONCESSION)


def test_later_counters_follow_the_buyers_moves() -> None:
    # 400 -> 600; +100 -> 30 off (570); +20 -> 6 off, rounded (565)
    decisions = run([400, 500, 520])
    assert [d.amount for d in decisions] == [D(600), D(570), D(565)]
    assert [d.final for d in decisions] == [False, False, True]


def test_when_the_floor_binds_the_counter_holds() -> None:
    # with the floor at 580, 570 would go under it: the 600 stands, the floor is not said
    decisions = run([400, 500], floor=580)
    assert decisions[1] == Decision(COUNTER, D(600), DecisionReason.BELOW_RANGE)


def test_a_buyer_inching_up_gets_no_walk_to_the_floor() -> None:
    decisions = run([400, 401, 402, 403, 404])
    assert [d.amount for d in decisions] == [D(600)] * 5


def test_a_big_move_is_met_halfway_at_most() -> None:
    decisions = run([500, 660, 860], price=1000, floor=500)
    # first 1000 - 500 / 5 = 900; then 160 * 0.3 = 48 off (852 -> 850); 860 passes it: accept
    assert [d.amount for d in decisions[:2]] == [D(900), D(850)]
    assert decisions[2] == Decision(ACCEPT, D(860), DecisionReason.MEETS_COUNTER)
    capped = run([500, 840], price=1000, floor=500)[-1]
    assert capped.amount == D(870)  # 340 * 0.3 = 102 off, but only half the 60 gap: 870


def test_a_final_offer_at_or_above_the_floor_after_rounds_is_a_deal() -> None:
    decisions = run([400, 500, 565], final_last=True)
    assert decisions[-1] == Decision(ACCEPT, D(565), DecisionReason.FINAL_OFFER)
    under = run([400, 500, 555], final_last=True)[-1]
    assert under.action is COUNTER and under.amount == D(565)  # below the floor: no deal
    early = run([400, 565], final_last=True)[-1]
    assert early.action is COUNTER  # one round is no haggle yet


def test_after_max_rounds_the_standing_counter_is_repeated_as_final() -> None:
    decisions = run([400, 500, 520, 540, 550])
    assert [d.amount for d in decisions[3:]] == [D(565), D(565)]
    assert all(d.reason is DecisionReason.MAX_ROUNDS and d.final for d in decisions[3:])


def test_after_max_rounds_the_standing_counter_can_still_be_met() -> None:
    decisions = run([400, 500, 520, 540, 565])
    assert decisions[-1] == Decision(ACCEPT, D(565), DecisionReason.MEETS_COUNTER)


def test_max_rounds_zero_means_floor_or_nothing() -> None:
    policy = NegotiationPolicy(max_rounds=0)
    assert decide(policy, price=D(650), floor=D(560), offer=D(560)).action is ACCEPT
    declined = decide(policy, price=D(650), floor=D(560), offer=D(500))
    assert declined == Decision(DECLINE, None, DecisionReason.MAX_ROUNDS)


def test_rounded_counter_not_above_offer_means_accept() -> None:
    # Halfway between 604 and the 605 counter rounds to 605: the counter stands.
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(604),
                      previous_counters=[D(605)])
    assert decision.action is COUNTER and decision.amount == D(605)
    tight = decide(POLICY, price=D(649), floor=D(560), offer=D(648))
    assert tight == Decision(ACCEPT, D(648), DecisionReason.WITHIN_RANGE)


def test_counter_is_never_the_floor_figure() -> None:
    # No multiple of 5 lies strictly between floor 560 and price 562: nothing safe to say.
    decision = decide(POLICY, price=D(562), floor=D(560), offer=D(500))
    assert decision == Decision(DECLINE, None, DecisionReason.BELOW_RANGE)


def test_when_only_the_floor_is_left_the_standing_counter_is_repeated() -> None:
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(500),
                      previous_counters=[D(563)])
    assert decision == Decision(COUNTER, D(563), DecisionReason.BELOW_RANGE)


def test_floor_equal_to_price_counters_at_the_price() -> None:
    decision = decide(POLICY, price=D(650), floor=D(650), offer=D(500))
    assert decision == Decision(COUNTER, D(650), DecisionReason.BELOW_RANGE, final=True)


def test_floor_raised_above_an_earlier_counter_never_goes_below_the_floor() -> None:
    below = decide(POLICY, price=D(650), floor=D(600), offer=D(590),
                   previous_counters=[D(580)])
    assert below == Decision(DECLINE, None, DecisionReason.BELOW_RANGE)
    at_floor = decide(POLICY, price=D(650), floor=D(600), offer=D(600),
                      previous_counters=[D(580)])
    assert at_floor == Decision(ACCEPT, D(600), DecisionReason.WITHIN_RANGE)


def test_price_lowered_below_an_earlier_counter_caps_the_counter() -> None:
    decision = decide(POLICY, price=D(600), floor=D(560), offer=D(500),
                      previous_counters=[D(620)])
    assert decision.action is COUNTER
    assert decision.amount is not None and D(560) < decision.amount <= D(600)


def test_fine_rounding_gives_cent_counters() -> None:
    policy = NegotiationPolicy(rounding=D("0.01"))
    decision = decide(policy, price=D("99.99"), floor=D("80.00"), offer=D("85.00"))
    assert decision == Decision(COUNTER, D("96.99"), DecisionReason.CONCESSION)


def test_decide_is_deterministic() -> None:
    first = decide(POLICY, price=D(650), floor=D(560), offer=D(430), previous_counters=[D(610)])
    again = decide(POLICY, price=D(650), floor=D(560), offer=D(430), previous_counters=[D(610)])
    assert first == again


# --- wording ---------------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("amount", "currency", "language", "text"),
    [
        (D(605), "EUR", "es", "605 €"),
        (D(1250), "EUR", "es", "1.250 €"),
        (D("299.99"), "EUR", "es", "299,99 €"),
        (D(605), "EUR", "en", "€605"),
        (D("1250.5"), "USD", "en", "$1,250.50"),
        (D(900), "MXN", "en", "900 MXN"),
        (D(900), "mxn", "es", "900 MXN"),
    ],
)
def test_format_money(amount: Decimal, currency: str, language: str, text: str) -> None:
    assert format_money(amount, currency, language) == text


def test_policy_reply_names_the_counter_but_never_the_floor() -> None:
    decision = decide(POLICY, price=D(650), floor=D(560), offer=D(400))
    text = policy_reply(decision, "EUR", "es")
    assert "600 €" in text and "560" not in text
    assert "€600" in policy_reply(decision, "EUR", "en")


def test_policy_reply_marks_the_final_counter() -> None:
    final = run([400, 500, 520, 540])[-1]
    assert "última" in policy_reply(final, "EUR", "es")
    assert "final" in policy_reply(final, "EUR", "en")


def test_policy_reply_for_accept_and_declines() -> None:
    accepted = decide(POLICY, price=D(650), floor=D(560), offer=D(650))
    assert "650 €" in policy_reply(accepted, "EUR", "es")
    lowball = decide(POLICY, price=D(650), floor=D(560), offer=D(100))
    assert "too low" in policy_reply(lowball, "EUR", "en")
    declined = Decision(DECLINE, None, DecisionReason.BELOW_RANGE)
    assert not any(ch.isdigit() for ch in policy_reply(declined, "EUR", "es"))


def test_policy_reply_rejects_unknown_language() -> None:
    with pytest.raises(ValueError, match="language"):
        policy_reply(Decision(DECLINE, None, DecisionReason.LOWBALL), "EUR", "fr")


# --- properties over random conversations ----------------------------------------------------

CENTS = D("0.01")


@st.composite
def markets(draw: st.DrawFn) -> tuple[NegotiationPolicy, Decimal, Decimal]:
    price = D(draw(st.integers(min_value=100, max_value=5_000_00))) * CENTS
    floor_share = draw(st.sampled_from([D("0.3"), D("0.6"), D("0.85"), D("0.95"), D("0.99"),
                                        D(1)]))
    floor = max(CENTS, (price * floor_share).quantize(CENTS))
    if draw(st.booleans()):  # an arbitrary min_price too, not only ratio-shaped ones
        floor = D(draw(st.integers(min_value=1, max_value=int(price / CENTS)))) * CENTS
    policy = NegotiationPolicy(
        lowball_ratio=draw(st.sampled_from([D(0), D("0.3"), D("0.5"), D("0.7"), D("0.95")])),
        max_rounds=draw(st.integers(min_value=0, max_value=5)),
        rounding=draw(st.sampled_from([CENTS, D(1), D(5), D(10), D(50)])),
    )
    return policy, price, floor


@st.composite
def offer_sequences(draw: st.DrawFn, price: Decimal) -> list[Decimal]:
    shares = draw(st.lists(st.integers(min_value=1, max_value=1300), min_size=1, max_size=10))
    if draw(st.booleans()):
        shares.sort()  # a buyer creeping up, the usual haggle
    return [max(CENTS, (price * share / 1000).quantize(CENTS)) for share in shares]


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_invariants_hold_over_any_conversation(data: st.DataObject) -> None:
    policy, price, floor = data.draw(markets())
    offers = data.draw(offer_sequences(price))
    counters: list[Decimal] = []
    for offer in offers:
        decision = decide(policy, price=price, floor=floor, offer=offer,
                          previous_counters=counters)
        if decision.action is ACCEPT:
            assert decision.amount is not None
            assert floor <= decision.amount <= price  # never below the floor
            assert decision.amount <= offer  # never more than the buyer said
            break
        if offer >= price or (counters and offer >= counters[-1]):
            raise AssertionError(f"{offer} meets price {price} or counter {counters}: accept")
        if decision.action is DECLINE:
            assert decision.amount is None
            if decision.reason is DecisionReason.LOWBALL:
                assert offer < price * policy.lowball_ratio and offer < floor
            continue
        amount = decision.amount
        assert amount is not None
        assert floor <= amount <= price
        assert amount > offer  # a counter always asks for more than was offered
        assert all(amount <= earlier for earlier in counters)  # counters never rise
        if floor != price:
            assert amount != floor  # saying the floor would reveal it
        if len(counters) >= policy.max_rounds:
            assert amount == counters[-1] and decision.final  # no concession past max_rounds
        if amount not in (price, *counters):
            assert amount % policy.rounding == 0  # a fresh counter is a round figure
        counters.append(amount)
    assert len(set(counters)) <= max(policy.max_rounds, 1)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_counters_do_not_depend_on_the_floor_until_it_binds(data: st.DataObject) -> None:
    """Two products with the same price and different floors get the same counters to the same
    offers, as long as each counter is above both floors: a counter tells nothing about it."""
    policy, price, floor = data.draw(markets())
    other = D(data.draw(st.integers(min_value=1, max_value=int(price / CENTS)))) * CENTS
    low, high = sorted((floor, other))
    offers = data.draw(offer_sequences(price))
    counters: list[Decimal] = []
    earlier: list[Decimal] = []
    for offer in offers:
        if offer < high:
            offer = max(offer, price * policy.lowball_ratio)  # a lowball is declined by both
        kwargs = {"price": price, "offer": offer, "previous_counters": counters,
                  "previous_offers": earlier}
        with_low, with_high = decide(policy, floor=low, **kwargs), decide(policy, floor=high,
                                                                          **kwargs)
        if with_low.action is not COUNTER or with_low.amount is None \
                or with_low.amount <= high or with_high.action is ACCEPT:
            break  # the higher floor binds here (or the deal is made): they may differ now
        assert with_high == with_low
        counters.append(with_low.amount)
        earlier.append(offer)


@settings(max_examples=300, deadline=None)
@given(data=st.data())
def test_concessions_follow_the_buyers_moves(data: st.DataObject) -> None:
    """After the first counter, the bot comes down by at most its share of the buyer's last
    move (plus half a rounding step): a buyer inching up gets inches, not the floor."""
    policy, price, floor = data.draw(markets())
    offers = sorted(data.draw(offer_sequences(price)))
    counters: list[Decimal] = []
    earlier: list[Decimal] = []
    for offer in offers:
        decision = decide(policy, price=price, floor=floor, offer=offer,
                          previous_counters=counters, previous_offers=earlier)
        if decision.action is not COUNTER:
            break
        assert decision.amount is not None
        if counters and earlier:
            moved = max(offer - earlier[-1], D(0))
            assert min(counters) - decision.amount <= moved * policy.reciprocity \
                + policy.rounding / 2
        counters.append(decision.amount)
        earlier.append(offer)


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_a_buyer_inside_the_range_is_never_declined_and_closes_by_meeting(
    data: st.DataObject,
) -> None:
    policy, price, floor = data.draw(markets())
    counters: list[Decimal] = []
    offer = floor
    for _ in range(policy.max_rounds + 2):
        decision = decide(policy, price=price, floor=floor, offer=offer,
                          previous_counters=counters)
        assert decision.action is not DECLINE  # an offer at/above the floor is always talked
        if decision.action is ACCEPT:
            return
        assert decision.amount is not None
        counters.append(decision.amount)
        offer = max(offer, ((offer + decision.amount) / 2).quantize(CENTS, ROUND_DOWN))
    met = decide(policy, price=price, floor=floor, offer=counters[-1],
                 previous_counters=counters)
    assert (met.action, met.amount) == (ACCEPT, counters[-1])  # at the counter (or the price)
