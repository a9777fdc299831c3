"""The offline model: which tool it calls for each intent, and how it phrases each result."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage, ToolMessage
from langchain_core.tools import tool

from agents.models import OfflineChatModel
from agents.models.offline_turn import parse_context

# The model reads only the names of the bound tools, so plain schemas stand in for them.
BUYER_TOOL_NAMES = ["search_products", "product_details", "check_availability", "make_offer",
                    "accept_counter", "propose_meeting", "ask_seller"]
SELLER_TOOL_NAMES = ["create_product", "regenerate_listing", "revert_listing", "update_product",
                     "publish_product", "list_my_products", "pause_product",
                     "reactivate_product", "mark_sold", "show_conversation",
                     "take_over_conversation", "hand_back_conversation"]


def schemas(names: list[str]) -> list[dict[str, Any]]:
    return [{"type": "function", "function": {"name": name, "description": name,
                                              "parameters": {"type": "object", "properties": {}}}}
            for name in names]


BUYER_TOOLS, SELLER_TOOLS = schemas(BUYER_TOOL_NAMES), schemas(SELLER_TOOL_NAMES)


@tool
def make_offer(amount: float) -> dict:
    """Offer an amount for the product in focus (a real tool, converted by bind_tools)."""
    return {}


BUYER_CONTEXT = {"role": "buyer", "language": "es", "speaker_name": "Luis",
                 "product_title": "iPhone 13 Pro 128GB", "product_price": "650",
                 "currency": "EUR", "product_status": "available",
                 "conversation_state": "negotiating"}
SELLER_CONTEXT = {"role": "seller", "language": "es", "speaker_name": "Ana",
                  "conversation_state": "active"}
PRODUCT = {"title": "iPhone 13 Pro 128GB", "price": "650", "currency": "EUR",
           "description": "Muy buen estado, batería al 89%. Con caja y cargador original.",
           "condition": "used", "category": "Celulares", "status": "available",
           "attributes": {"envío": "Correos o entrega en mano"}}


def system(context: dict[str, str]) -> SystemMessage:
    block = "\n".join(f"{key}: {value}" for key, value in context.items())
    return SystemMessage(f"You are marketbot.\n\n## Context\n{block}\n\n## Summary\nnothing yet")


def ask(text: str, *, context: dict[str, str] | None = None,
        tools: list[Any] | None = None) -> AIMessage:
    """The model's first answer to one human message."""
    context = context or BUYER_CONTEXT
    if tools is None:
        tools = SELLER_TOOLS if context.get("role") == "seller" else BUYER_TOOLS
    model = OfflineChatModel().bind_tools(tools)
    return model.invoke([system(context), HumanMessage(text)])


def after(text: str, tool_name: str, result: dict[str, Any], args: dict[str, Any] | None = None,
          *, context: dict[str, str] | None = None) -> AIMessage:
    """The model's answer once one tool result for the human message is back."""
    context = context or BUYER_CONTEXT
    tools = SELLER_TOOLS if context.get("role") == "seller" else BUYER_TOOLS
    messages: list[BaseMessage] = [
        system(context), HumanMessage(text),
        AIMessage("", tool_calls=[{"name": tool_name, "args": args or {}, "id": "t1"}]),
        ToolMessage(json.dumps(result), tool_call_id="t1", name=tool_name),
    ]
    return OfflineChatModel().bind_tools(tools).invoke(messages)


def only_call(reply: AIMessage) -> tuple[str, dict[str, Any]]:
    assert len(reply.tool_calls) == 1, reply
    return reply.tool_calls[0]["name"], reply.tool_calls[0]["args"]


def numbers(text: str) -> set[Decimal]:
    found = re.findall(r"\d+(?:[.,]\d+)?", text)
    return {Decimal(n.replace(",", ".")).normalize() for n in found}


# ----------------------------------------------------------------------------- tool choice
@pytest.mark.parametrize(("text", "name", "args"), [
    ("Hola! Sigue disponible?", "check_availability", {}),
    ("Hi, is it still available?", "check_availability", {}),
    ("Te doy 400 y lo recojo hoy", "make_offer", {"amount": 400}),
    ("my best is 1.200", "make_offer", {"amount": 1200}),
    ("would you accept 275.50?", "make_offer", {"amount": 275.5}),
    ("¿En qué estado está la batería?", "product_details", {}),
    ("Do you ship to Lisbon?", "product_details", {}),
    ("how much?", "product_details", {}),
    ("quedamos en la Plaza Mayor mañana a las 18:00", "propose_meeting",
     {"place": "Plaza Mayor", "time": "mañana a las 18:00"}),
    ("can we meet at the station at 5pm?", "propose_meeting", {"place": "station", "time": "5pm"}),
    ("busco una bici por menos de 200€", "search_products", {"query": "bici", "max_price": 200.0}),
    ("do you have phones?", "search_products", {"query": "phones"}),
    ("I'll take it", "make_offer", {"amount": 650}),
])
def test_buyer_intent_calls_its_tool(text: str, name: str, args: dict[str, Any]) -> None:
    assert only_call(ask(text)) == (name, args)


@pytest.mark.parametrize("text", ["acepto", "ok deal", "vale", "OK"])
def test_accepting_a_standing_counter_calls_accept_counter(text: str) -> None:
    context = {**BUYER_CONTEXT, "standing_counter": "600"}
    assert only_call(ask(text, context=context)) == ("accept_counter", {})


@pytest.mark.parametrize(("text", "name", "args"), [
    ("Vendo bici Trek Marlin 5 talla M, 350€, poco uso\n[photos: 2]", "create_product",
     {"text": "Vendo bici Trek Marlin 5 talla M, 350€, poco uso"}),
    ("Selling my iPhone 13, 600 euros", "create_product",
     {"text": "Selling my iPhone 13, 600 euros"}),
    ("cambia el precio a 300", "update_product", {"price": 300}),
    ("set the price to 299.99", "update_product", {"price": 299.99}),
    ("precio mínimo 250", "update_product", {"min_price": 250}),
    ("change price to 250 and minimum to 200", "update_product",
     {"price": 250, "min_price": 200}),
    ("título: Bicicleta Trek Marlin 5", "update_product", {"title": "Bicicleta Trek Marlin 5"}),
    ("description: Barely used, always indoors.", "update_product",
     {"description": "Barely used, always indoors."}),
    ("estado: usado", "update_product", {"condition": "used"}),
    ("publícalo", "publish_product", {}),
    ("Publish it on MercadoLibre", "publish_product", {"marketplace": "mercadolibre"}),
    ("mis productos", "list_my_products", {}),
    ("show my sold items", "list_my_products", {"status": "sold"}),
    ("pausa el anuncio", "pause_product", {}),
    ("reactivate", "reactivate_product", {}),
    ("marcar como vendido por 300", "mark_sold", {"price": 300}),
    ("sold", "mark_sold", {}),
    ("otra descripción", "regenerate_listing", {}),
    ("revert to version 1", "revert_listing", {"version": 1}),
    ("me encargo yo de la conversación 7f3c2a10", "take_over_conversation",
     {"conversation_id": "7f3c2a10"}),
    ("hand back conversation 4b1d9e2a", "hand_back_conversation",
     {"conversation_id": "4b1d9e2a"}),
    ("show conversation 4b1d9e2a", "show_conversation", {"conversation_id": "4b1d9e2a"}),
])
def test_seller_intent_calls_its_tool(text: str, name: str, args: dict[str, Any]) -> None:
    assert only_call(ask(text, context=SELLER_CONTEXT)) == (name, args)


@pytest.mark.parametrize(("text", "context", "expected"), [
    ("Hola!", BUYER_CONTEXT, "iPhone 13 Pro 128GB"),
    ("hello there", BUYER_CONTEXT, "Hi Luis"),
    ("gracias!", BUYER_CONTEXT, "De nada"),
    ("thanks!", BUYER_CONTEXT, "welcome"),
    ("no gracias", BUYER_CONTEXT, "sin problema"),
    ("ayuda", BUYER_CONTEXT, "disponible"),
    ("help", SELLER_CONTEXT, "publish"),
    ("hola", SELLER_CONTEXT, "foto"),
    ("cambia el precio", SELLER_CONTEXT, "¿Qué precio"),
    ("vuelve a la versión anterior", SELLER_CONTEXT, "versión"),
    ("take over", SELLER_CONTEXT, "Which conversation"),
    ("quedamos mañana a las 18:00", BUYER_CONTEXT, "¿Dónde"),
    ("blah blah", SELLER_CONTEXT, "No te he entendido"),
    ("what?", {**SELLER_CONTEXT, "language": "en"}, "I didn't quite get that. To create"),
    # Not understood: the next step for the product in focus, not the whole help again.
    ("mmm no sé", {**SELLER_CONTEXT, "focus_title": "Estantería Kallax", "focus_status": "ready",
                   "focus_price": "70"}, "«Estantería Kallax» está listo: ¿lo publico?"),
    ("hmm whatever", {**SELLER_CONTEXT, "language": "en", "focus_title": "Oak desk",
                      "focus_status": "ready", "focus_missing": "price"},
     "“Oak desk” still needs a price"),
    # A price sentence naming none of the seller's products is not a listing.
    ("la bici son 350€", {**SELLER_CONTEXT, "seller_products": "Sofá cama gris"},
     "No he creado ningún anuncio"),
])
def test_plain_replies_call_no_tool(text: str, context: dict[str, str], expected: str) -> None:
    reply = ask(text, context=context)
    assert reply.tool_calls == []
    assert expected in reply.content


def test_only_bound_tools_are_called() -> None:
    reply = ask("Te doy 400", tools=schemas(["product_details", "ask_seller"]))
    assert reply.tool_calls == [] and reply.content
    assert only_call(ask("¿Aceptas bizum?", tools=schemas(["ask_seller"])))[0] == "ask_seller"
    assert ask("vendo bici 100€", context=SELLER_CONTEXT, tools=[]).tool_calls == []
    assert only_call(ask("Te doy 400", tools=[make_offer])) == ("make_offer", {"amount": 400})


def test_tool_call_ids_are_deterministic_and_unique_per_prompt() -> None:
    first, again = ask("Te doy 400"), ask("Te doy 400")
    other = ask("Te doy 450")
    assert first.tool_calls[0]["id"] == again.tool_calls[0]["id"]
    assert first.tool_calls[0]["id"] != other.tool_calls[0]["id"]
    assert first.tool_calls[0]["id"].startswith("call_")


def test_usage_and_response_metadata() -> None:
    reply = ask("Hola! Sigue disponible?")
    usage = reply.usage_metadata
    assert usage is not None and usage["input_tokens"] > 10
    assert usage["total_tokens"] == usage["input_tokens"] + usage["output_tokens"]
    assert reply.response_metadata["model_name"] == "offline"
    assert OfflineChatModel()._llm_type == "marketbot-offline"


def test_streaming_keeps_tool_calls() -> None:
    model = OfflineChatModel().bind_tools(BUYER_TOOLS)
    chunks = list(model.stream([system(BUYER_CONTEXT), HumanMessage("te doy 300")]))
    calls = [call for chunk in chunks for call in chunk.tool_calls]
    assert [(c["name"], c["args"]) for c in calls] == [("make_offer", {"amount": 300})]


async def test_async_invoke_matches_sync() -> None:
    model = OfflineChatModel().bind_tools(BUYER_TOOLS)
    messages = [system(BUYER_CONTEXT), HumanMessage("Sigue disponible?")]
    assert (await model.ainvoke(messages)).tool_calls == model.invoke(messages).tool_calls


def test_context_block_parsing() -> None:
    text = ("Prompt.\n\n## Context\nrole: buyer            (or seller)\nlanguage: en\n"
            "standing_counter: none\nproduct_title: Sofa: 3 seats\n\n## Summary of earlier "
            "messages\nrole: seller")
    assert parse_context(text) == {"role": "buyer", "language": "en",
                                   "product_title": "Sofa: 3 seats"}
    assert parse_context("no block here") == {}


# ------------------------------------------------------------------------- phrasing results
COUNTER = {"decision": "counter", "offer": "400", "counter": "600", "currency": "EUR",
           "reason": "within_range", "reserved": False}


def test_counter_offer_is_phrased_in_the_speakers_language() -> None:
    spanish = after("Te doy 400", "make_offer", COUNTER, {"amount": 400})
    english = after("Would you take 400?", "make_offer", COUNTER, {"amount": 400})
    assert spanish.content == "No puedo dejarlo en 400 €, pero te lo dejo en 600 €."
    assert english.content == "I can't do €400, but I can do €600."
    assert spanish.tool_calls == [] and english.tool_calls == []


@pytest.mark.parametrize(("text", "words"), [
    ("Te doy 650", ["Trato hecho", "650 €", "reservado", "vendedor te confirmará"]),
    ("I'll pay 650", ["Deal", "€650", "reserved", "seller will confirm"]),
])
def test_accepted_offer_says_deal_reserved_and_seller_confirms(text: str,
                                                              words: list[str]) -> None:
    result = {"decision": "accept", "offer": "650", "currency": "EUR",
              "reason": "at_or_above_price", "reserved": True}
    reply = after(text, "make_offer", result, {"amount": 650}).content
    assert all(word in reply for word in words), reply


@pytest.mark.parametrize(("text", "expected"), [
    ("te doy 100", "demasiado baja"), ("I'll give you 100", "too low")])
def test_lowball_decline_names_only_the_asking_price(text: str, expected: str) -> None:
    result = {"decision": "decline", "offer": "100", "currency": "EUR", "reason": "lowball",
              "reserved": False}
    reply = after(text, "make_offer", result, {"amount": 100}).content
    assert expected in reply
    assert numbers(reply) == {Decimal("650")}


def test_max_rounds_decline_repeats_the_standing_counter_only() -> None:
    context = {**BUYER_CONTEXT, "standing_counter": "600"}
    result = {"decision": "decline", "offer": "550", "currency": "EUR", "reason": "max_rounds",
              "reserved": False}
    reply = after("te doy 550", "make_offer", result, {"amount": 550}, context=context).content
    assert "no puedo bajar más" in reply and numbers(reply) == {Decimal("600")}


@pytest.mark.parametrize(("text", "result", "expected"), [
    ("acepto", {"decision": "accept", "amount": "600", "currency": "EUR", "reserved": True},
     "trato hecho por 600 €"),
    ("deal", {"decision": "accept", "amount": "600", "currency": "EUR", "reserved": True},
     "deal at €600"),
    ("acepto", {"error": "no_counter", "message": "There is no counter-offer to accept."},
     "no tengo ninguna contraoferta"),
])
def test_accept_counter_results(text: str, result: dict[str, Any], expected: str) -> None:
    assert expected in after(text, "accept_counter", result).content


@pytest.mark.parametrize(("text", "status", "expected"), [
    ("Sigue disponible?", "available", "¡Sí, «iPhone 13 Pro 128GB» sigue disponible!"),
    ("Still available?", "available", "Yes, “iPhone 13 Pro 128GB” is still available!"),
    ("Sigue disponible?", "reserved", "reservado"),
    ("Is it sold?", "sold", "already been sold"),
    ("Sigue disponible?", "paused", "en pausa"),
])
def test_availability_results(text: str, status: str, expected: str) -> None:
    result = {"available": status == "available", "status": status}
    assert expected in after(text, "check_availability", result).content


@pytest.mark.parametrize(("text", "expected"), [
    ("¿En qué estado está?", ["Estado: usado", "batería al 89%"]),
    ("what condition is it in?", ["Condition: used", "batería al 89%"]),
    ("¿Haces envíos?", ["Correos o entrega en mano"]),
    ("¿Cuánto pides?", ["El precio es 650 €."]),
    ("how much?", ["The price is €650."]),
    ("¿Viene con la caja?", ["Con caja y cargador original."]),
    ("How is the battery?", ["batería al 89%"]),
    ("Is the charger original?", ["Con caja y cargador original."]),
])
def test_product_details_answer_the_fact_asked(text: str, expected: list[str]) -> None:
    reply = after(text, "product_details", {"product": PRODUCT})
    assert reply.tool_calls == []
    assert all(part in reply.content for part in expected), reply.content


@pytest.mark.parametrize("text", ["¿Aceptas bizum?", "Where are you located?",
                                  "¿Tiene garantía?", "Does it have a warranty?",
                                  "¿Por qué lo vendes?"])
def test_a_fact_the_listing_lacks_goes_to_the_seller(text: str) -> None:
    reply = after(text, "product_details", {"product": PRODUCT})
    assert only_call(reply) == ("ask_seller", {"question": text})
    messages: list[BaseMessage] = [
        system(BUYER_CONTEXT), HumanMessage(text),
        AIMessage("", tool_calls=[{"name": "product_details", "args": {}, "id": "t1"}]),
        ToolMessage(json.dumps({"product": PRODUCT}), tool_call_id="t1", name="product_details"),
        reply,
        ToolMessage(json.dumps({"forwarded_to_seller": True, "question": text}),
                    tool_call_id=reply.tool_calls[0]["id"], name="ask_seller"),
    ]
    final = OfflineChatModel().bind_tools(BUYER_TOOLS).invoke(messages)
    assert final.tool_calls == []
    assert ("preguntado al vendedor" if "¿" in text else "asked the seller") in final.content


def test_meeting_and_search_results() -> None:
    meeting = after("quedamos en Sol mañana a las 18:00", "propose_meeting",
                    {"forwarded_to_seller": True, "place": "Sol", "time": "mañana a las 18:00"})
    assert "Sol, mañana a las 18:00" in meeting.content
    found = after("do you have phones?", "search_products",
                  {"products": [{"start": "p1", "title": "Pixel 7", "price": "300",
                                 "currency": "EUR", "condition": "used"}]},
                  {"query": "phones"})
    assert "Pixel 7 — €300 (used)" in found.content
    none = after("busco una bici", "search_products", {"products": []}, {"query": "bici"})
    assert "«bici»" in none.content


LISTING = {"version": 1, "title": "Bicicleta Trek Marlin 5 talla M", "description": "x" * 60,
           "category": "Bicicletas", "condition": "used", "price": "350", "currency": "EUR",
           "confidence": 0.85, "route": "quick_publish", "missing": []}


@pytest.mark.parametrize(("route", "missing", "language", "expected"), [
    ("quick_publish", [], "es", "¿Lo publico?"),
    ("quick_publish", [], "en", "Shall I publish it?"),
    ("review", [], "es", "Échale un vistazo"),
    ("ask", ["price"], "es", "Me falta: el precio"),
    ("ask", ["price", "photo"], "en", "I still need: the price, a photo"),
])
def test_created_product_shows_title_price_confidence_and_next_step(
        route: str, missing: list[str], language: str, expected: str) -> None:
    listing = {**LISTING, "route": route, "missing": missing}
    if "price" in missing:
        listing["price"] = None
    text = "Vendo bici Trek Marlin 5 talla M" if language == "es" else "Selling my Trek bike"
    reply = after(text, "create_product", {"product_id": "p1", "status": "ready",
                                           "listing": listing}, {"text": text},
                  context={**SELLER_CONTEXT, "language": language}).content
    assert "Bicicleta Trek Marlin 5 talla M" in reply and expected in reply
    assert ("85" in reply) and (("350" in reply) == ("price" not in missing))


@pytest.mark.parametrize(("text", "name", "args", "result", "expected"), [
    ("cambia el precio a 300", "update_product", {"price": 300},
     {"product": {"title": "Bici", "price": "300", "currency": "EUR"}}, "precio 300 €"),
    ("floor 250", "update_product", {"min_price": 250},
     {"product": {"title": "Bike", "min_price": "250", "currency": "EUR"}}, "floor price €250"),
    ("publícalo", "publish_product", {},
     {"published": True, "product_id": "p1", "marketplace": "catalog", "start": "p1"},
     "Publicado en el catálogo"),
    ("my listings", "list_my_products", {},
     {"products": [{"product_id": "p1", "title": "Bike", "price": "300", "currency": "EUR",
                    "status": "published"}]}, "• Bike — €300 (published)"),
    ("pausa", "pause_product", {}, {"product": {"title": "Bici"}}, "He pausado «Bici»"),
    ("reactivate", "reactivate_product", {}, {"product": {"title": "Bike"}}, "on sale again"),
    ("vendido por 280", "mark_sold", {"price": 280},
     {"product": {"title": "Bici", "currency": "EUR"}}, "«Bici» como vendido por 280 €"),
    ("another version", "regenerate_listing", {},
     {"listing": {**LISTING, "version": 2, "route": "review"}}, "New version (2)"),
    ("vuelve a la versión 1", "revert_listing", {"version": 1},
     {"listing": LISTING}, "He vuelto a la versión 1"),
    ("take over conversation c1", "take_over_conversation", {"conversation_id": "c1"},
     {"conversation_id": "c1", "human_takeover": True}, "you're handling conversation c1"),
    ("devuélvesela al bot", "hand_back_conversation", {"conversation_id": "c1"},
     {"conversation_id": "c1", "human_takeover": False}, "vuelvo a encargarme"),
    ("publícalo", "publish_product", {},
     {"error": "not_ready", "message": "The product has no listing yet."},
     "Lo siento, todavía no tiene un anuncio que publicar."),
])
def test_seller_results(text: str, name: str, args: dict[str, Any], result: dict[str, Any],
                        expected: str) -> None:
    reply = after(text, name, result, args, context=SELLER_CONTEXT)
    assert reply.tool_calls == [] and expected in reply.content, reply.content


def test_english_speaker_gets_english_even_when_configured_spanish() -> None:
    assert "still available" in after("Is it still available?", "check_availability",
                                      {"available": True, "status": "available"}).content
    bare = after("400", "make_offer", COUNTER, {"amount": 400},
                 context={**BUYER_CONTEXT, "language": "en"})
    assert bare.content.startswith("I can't do")


@settings(max_examples=60, deadline=None)
@given(price=st.integers(50, 5000), offer=st.integers(1, 5000), counter=st.integers(1, 5000),
       decision=st.sampled_from(["accept", "counter", "decline"]),
       reason=st.sampled_from(["lowball", "max_rounds", "within_range"]),
       language=st.sampled_from(["es", "en"]))
def test_replies_hold_no_number_from_nowhere(price: int, offer: int, counter: int, decision: str,
                                            reason: str, language: str) -> None:
    context = {**BUYER_CONTEXT, "product_price": str(price), "language": language}
    result = {"decision": decision, "offer": str(offer), "currency": "EUR", "reason": reason,
              "reserved": decision == "accept"}
    if decision == "counter":
        result["counter"] = str(counter)
    text = f"te doy {offer}" if language == "es" else f"I offer {offer}"
    reply = after(text, "make_offer", result, {"amount": offer}, context=context).content
    sources = numbers(" ".join(context.values()) + json.dumps(result) + text)
    assert numbers(reply) <= sources, reply
