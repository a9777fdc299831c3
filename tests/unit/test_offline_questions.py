"""The offline model answering a buyer from the product facts in the Context block: in one
call, every question of a message, the rest to the seller (once)."""

from __future__ import annotations

import json

import pytest
from langchain_core.messages import HumanMessage, ToolMessage

from agents.llm.models import OfflineChatModel
from tests.unit.test_offline_model import (
    BUYER_CONTEXT,
    BUYER_TOOLS,
    PRODUCT,
    ask,
    only_call,
    system,
)

# The Context block as the service writes it for a buyer chat: the product's facts included.
FACTS_CONTEXT = {**BUYER_CONTEXT, "product_condition": PRODUCT["condition"],
                 "product_category": PRODUCT["category"],
                 "product_description": PRODUCT["description"],
                 "product_attributes": json.dumps(PRODUCT["attributes"], ensure_ascii=False)}


@pytest.mark.parametrize(("text", "expected"), [
    ("¿Sigue disponible?", ["«iPhone 13 Pro 128GB» sigue disponible"]),
    ("¿En qué estado está?", ["Estado: usado", "batería al 89%"]),
    ("¿Haces envíos?", ["Correos o entrega en mano"]),
    ("how much?", ["The price is €650."]),
    ("Is the charger original?", ["Con caja y cargador original."]),
])
def test_facts_in_the_context_are_answered_without_a_tool(text: str,
                                                           expected: list[str]) -> None:
    reply = ask(text, context=FACTS_CONTEXT)
    assert reply.tool_calls == []
    assert all(part in reply.content for part in expected), reply.content


def test_a_status_in_the_context_is_what_availability_answers() -> None:
    reply = ask("Sigue disponible?", context={**FACTS_CONTEXT, "product_status": "reserved"})
    assert reply.tool_calls == [] and "reservado" in reply.content


@pytest.mark.parametrize("text", ["¿Aceptas bizum?", "Does it have a warranty?"])
def test_a_fact_missing_from_the_context_goes_straight_to_the_seller(text: str) -> None:
    assert only_call(ask(text, context=FACTS_CONTEXT)) == ("ask_seller", {"question": text})


def test_offers_still_go_through_the_tool_with_facts_in_the_context() -> None:
    assert only_call(ask("Te doy 600", context=FACTS_CONTEXT)) == ("make_offer", {"amount": 600})


@pytest.mark.parametrize(("text", "expected"), [
    ("¿Sigue reservado?", "No, «iPhone 13 Pro 128GB» sigue disponible."),
    ("Is it sold?", "No, “iPhone 13 Pro 128GB” is still available."),
    ("¿Sigue disponible?", "¡Sí, «iPhone 13 Pro 128GB» sigue disponible!"),
])
def test_asking_whether_it_is_taken_is_answered_no_when_available(text: str,
                                                                   expected: str) -> None:
    assert ask(text, context=FACTS_CONTEXT).content == expected


def test_every_question_of_a_message_is_answered() -> None:
    reply = ask("¿Está disponible? ¿Haces envíos?", context=FACTS_CONTEXT)
    assert reply.tool_calls == []
    assert "sigue disponible" in reply.content and "Correos o entrega en mano" in reply.content


def test_only_the_questions_the_facts_miss_go_to_the_seller() -> None:
    text = "Is it available? Does it have a warranty?"
    first = ask(text, context=FACTS_CONTEXT)
    assert only_call(first) == ("ask_seller", {"question": "Does it have a warranty?"})
    final = OfflineChatModel().bind_tools(BUYER_TOOLS).invoke([
        system(FACTS_CONTEXT), HumanMessage(text), first,
        ToolMessage(json.dumps({"forwarded_to_seller": True}),
                    tool_call_id=first.tool_calls[0]["id"], name="ask_seller")])
    assert final.content.startswith("Yes, “iPhone 13 Pro 128GB” is still available!")
    assert "asked the seller" in final.content


def test_an_offer_among_questions_is_read_as_an_offer() -> None:
    reply = ask("¿Sigue disponible? Te doy 600", context=FACTS_CONTEXT)
    assert only_call(reply) == ("make_offer", {"amount": 600})


def test_a_question_already_with_the_seller_is_not_asked_again() -> None:
    context = {**FACTS_CONTEXT, "open_questions": "aceptas bizum | tiene garantia"}
    reply = ask("¿Aceptas Bizum?", context=context)
    assert reply.tool_calls == []
    assert "Ya se lo he preguntado al vendedor" in reply.content
    mixed = ask("¿Sigue disponible? ¿Tiene garantía?", context=context)
    assert mixed.tool_calls == []
    assert "sigue disponible" in mixed.content and "Ya se lo he preguntado" in mixed.content
    assert only_call(ask("¿Tiene factura?", context=context)) == (
        "ask_seller", {"question": "¿Tiene factura?"})
