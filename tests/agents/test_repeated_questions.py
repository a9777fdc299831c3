"""A question the listing does not answer reaches the seller once: asked again before the
seller answers, the buyer is told it was asked; once the seller answers, it may go again."""

from __future__ import annotations

from agents.conversation.conversation_service import InboundEvent, Sender
from agents.domain.intents import question_key
from agents.llm.models.scripted import ScriptedChatModel
from storage.models import Channel, Conversation
from tests.agents.conftest import Chat


def test_question_key_ignores_case_accents_and_punctuation() -> None:
    assert question_key("¿Tiene FACTURA de compra?") == question_key("tiene factura de compra")
    assert question_key("¿Tiene garantía?") == "tiene garantia"
    assert question_key("¿Tiene factura?") != question_key("¿Tiene garantía?")


async def test_a_repeated_question_is_not_forwarded_again(make_service, published_product,
                                                          session) -> None:
    product = await published_product()
    chat = Chat(make_service())
    first = await chat.send("buyer", 2501, "¿Tiene factura de compra?", name="Luis",
                            open_ref=product.public_ref)
    assert [d.recipient for d in first.deliveries] == ["seller"]
    assert "se lo he preguntado al vendedor" in first.replies[0].text

    # the prompt's Context block lists it as with the seller: answered without the tool
    again = await chat.send("buyer", 2501, "tiene factura de compra??", name="Luis")
    assert again.tools == [] and again.deliveries == []
    assert "Ya se lo he preguntado al vendedor" in again.replies[0].text

    other = await chat.send("buyer", 2501, "¿Tiene garantía?", name="Luis")
    assert [d.recipient for d in other.deliveries] == ["seller"], "another question goes"
    conversation = await session.get(Conversation, first.conversation_id,
                                     populate_existing=True)
    assert conversation.open_questions == ["tiene factura de compra", "tiene garantia"]


async def test_after_the_seller_answers_the_question_may_be_forwarded_again(
        make_service, published_product, session) -> None:
    product = await published_product()
    chat = Chat(make_service())
    first = await chat.send("buyer", 2502, "¿Tiene factura de compra?", name="Luis",
                            open_ref=product.public_ref)
    answer = await chat.service.handle(InboundEvent(
        channel=Channel.TELEGRAM, chat_id="1001", external_message_id="1001:answer",
        role="seller", sender=Sender(name="Ana", telegram_id=1001),
        text="Sí, de la tienda.", relay_to=str(first.conversation_id)))
    assert [d.recipient for d in answer.deliveries] == ["buyer"]
    conversation = await session.get(Conversation, first.conversation_id,
                                     populate_existing=True)
    assert conversation.open_questions == []
    await chat.send("seller", 1001, "", callback=f"takeover:handback:{first.conversation_id}",
                    name="Ana")

    again = await chat.send("buyer", 2502, "¿Tiene factura de compra?", name="Luis")
    assert [d.recipient for d in again.deliveries] == ["seller"]


async def test_the_tool_itself_refuses_to_forward_a_repeat(make_service, published_product
                                                          ) -> None:
    """Whatever the model decides: a model that calls ask_seller again reaches no seller."""
    product = await published_product()
    model = ScriptedChatModel(script=[
        {"tool": "ask_seller", "args": {"question": "¿Tiene factura?"}}, {"text": "Preguntado."},
        {"tool": "ask_seller", "args": {"question": "¿TIENE factura"}}, {"text": "Preguntado."},
    ])
    chat = Chat(make_service(model))
    first = await chat.send("buyer", 2503, "¿Tiene factura?", open_ref=product.public_ref)
    again = await chat.send("buyer", 2503, "¿Tiene factura?")
    assert [d.recipient for d in first.deliveries] == ["seller"]
    assert again.tools == ["ask_seller"] and again.deliveries == []
