"""The intent reader against the labelled sentences, plus the amount and field rules."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from agents.domain.intents import fold, guess_role, read_message
from agents.domain.intents_amounts import find_amounts
from agents.domain.intents_language import detect_language, reply_language

SENTENCES = Path(__file__).resolve().parent.parent / "data" / "offline_sentences.jsonl"


def _labelled() -> list[dict]:
    lines = SENTENCES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


LABELLED = _labelled()


def test_the_labelled_file_is_large_and_balanced() -> None:
    languages = [row["language"] for row in LABELLED]
    assert len(LABELLED) >= 160
    assert 0.4 <= languages.count("es") / len(languages) <= 0.6
    assert {row["role"] for row in LABELLED} == {"buyer", "seller"}


@pytest.mark.parametrize("row", LABELLED, ids=[row["text"][:50] for row in LABELLED])
def test_labelled_sentence(row: dict) -> None:
    parsed = read_message(row["text"], row.get("hint"), role=row["role"])
    expected_amounts = [Decimal(str(amount)) for amount in row["amounts"]]
    assert (parsed.intent, parsed.amounts, parsed.language) == (
        row["intent"],
        expected_amounts,
        row["language"],
    )
    for key, value in row.get("fields", {}).items():
        got = parsed.fields.get(key)
        assert (str(got) if isinstance(got, Decimal) else got) == value, key


@pytest.mark.parametrize(("text", "amounts", "currency"), [
    ("400€", ["400"], "EUR"),
    ("€400", ["400"], "EUR"),
    ("$400", ["400"], "USD"),
    ("400 pesos", ["400"], "MXN"),
    ("1.200,50 €", ["1200.50"], "EUR"),
    ("1,200.50", ["1200.50"], None),
    ("400e", ["400"], "EUR"),
    ("iPhone 13 Pro 128GB talla 42 a las 18:00 el 15/06 al 89%", [], None),
    ("2 mandos, 20x30 cm, del 2019, versión 1.2.3, S21", [], None),
    ("entre 300 y 400", ["300", "400"], None),
    ("te llamo al 612345678", [], None),
])
def test_amount_reading(text: str, amounts: list[str], currency: str | None) -> None:
    found, money = find_amounts(text, fold(text))
    assert (found, money) == ([Decimal(a) for a in amounts], currency)


def test_fold_keeps_positions_and_drops_accents() -> None:
    text = "Envío a CORUÑA, ¿sí?"
    assert fold(text) == "envio a coruna, ¿si?" and len(fold(text)) == len(text)


def test_language_hint_only_breaks_ties() -> None:
    assert detect_language("420", "en") == "en"
    assert detect_language("420", "es") == "es"
    assert detect_language("Is it still available?", "es") == "en"
    assert detect_language("¿Sigue disponible?", "en") == "es"


def test_role_is_guessed_from_seller_only_commands() -> None:
    assert read_message("publícalo").intent == "publish"
    assert read_message("Vendo bici Trek, 350€").intent == "sell"
    assert read_message("te doy 300").intent == "offer"
    assert read_message("¿está vendido?").intent == "availability"



@pytest.mark.parametrize("text", [
    "hi, any shelves for sale under 70?", "te doy 150 por la canon", "anyone selling a bike?",
    "¿alguien vende una bici de niño?", "asdf qwerty 123 zzz", "lorem ipsum dolor sit amet 99",
    "<script>alert(1)</script> 50€ barato", "precio 20 por 3 cosas raras", "Kallax 4x4, 60€",
    "I have a question about the bike for sale", "do you have a bike for sale?",
    "me interesa la mesa en venta",
])
def test_a_newcomer_who_asks_offers_or_types_anything_is_a_buyer(text: str) -> None:
    assert guess_role(text) == "buyer"


@pytest.mark.parametrize("text", [
    "Vendo bici Trek talla M, 350€", "I'm selling my old Kindle for 60",
    "Kallax shelf for sale, 50€", "pongo a la venta mi sofá por 200",
    "hey, got an old Kindle Paperwhite to sell, 40 quid ono", "looking to sell my PS4, 90",
    "tengo una bici de montaña para vender, 200€", "me deshago de mi microondas, 20€",
])
def test_a_newcomer_with_a_clear_selling_sentence_is_a_seller(text: str) -> None:
    assert guess_role(text) == "seller"


def test_photos_marker_is_read_and_removed() -> None:
    parsed = read_message("Bici Trek talla M, 350€\n[photos: 3]", role="seller")
    assert (parsed.intent, parsed.amounts, parsed.fields["photos"]) == ("sell", [Decimal(350)], 3)


@pytest.mark.parametrize(("text", "kind"), [
    ("is the price firm?", "firm"), ("open to offers?", "firm"), ("any wiggle room?", "firm"),
    ("¿el precio es negociable?", "firm"), ("¿aceptas ofertas?", "firm"),
    ("¿hay algo de margen?", "firm"), ("¿es fijo el precio?", "firm"),
    ("what's the lowest you'd go?", "lowest"), ("cuánto es lo mínimo?", "lowest"),
    ("can you do any better?", "lowest"), ("¿me lo dejas más barato?", "lowest"),
    ("what's the best deal you can do?", "lowest"), ("¿cuál es tu último precio?", "lowest"),
    ("how much is it?", None),
])
def test_a_price_question_says_what_it_asks(text: str, kind: str | None) -> None:
    parsed = read_message(text, role="buyer")
    assert (parsed.intent, parsed.fields.get("price_kind")) == ("price_question", kind)


@pytest.mark.parametrize("text", ["is the mattress firm?", "has it been fixed?",
                                  "¿está cerrado el cajón?"])
def test_firm_about_the_thing_is_no_price_question(text: str) -> None:
    assert read_message(text, role="buyer").intent != "price_question"


@pytest.mark.parametrize(("text", "intent"), [
    ("hola! tiene funda?", "question_other"), ("hi! does it come with a case?", "question_other"),
    ("hola tiene funda", "question_other"), ("Hello, is it still available?", "availability"),
    ("hola", "greeting"), ("hola ana", "greeting"), ("hola, ¿qué tal?", "greeting"),
    ("hi there, how are you?", "greeting"), ("buenas tardes", "greeting"),
])
def test_a_greeting_with_a_question_is_read_as_the_question(text: str, intent: str) -> None:
    assert read_message(text, role="buyer").intent == intent


@pytest.mark.parametrize(("text", "setting", "language"), [
    ("would you take 250 for it?", "es", "en"), ("¿me lo dejas en 180?", "en", "es"),
    ("ok", "es", "es"), ("ok", "en", "en"), (None, "es", "es"),
    # a deep link's random payload can spell English marker words: a command keeps the setting
    ("/start pQ9go7so2me", "es", "es"), ("/start pQ9go7so2me", "en", "en"),
])
def test_a_buyer_is_answered_in_the_language_they_write(text: str | None, setting: str,
                                                       language: str) -> None:
    assert reply_language(text, setting) == language
