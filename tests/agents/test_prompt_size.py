"""Prompt size stays bounded: what is sent to the model at turn 60 is at most 1.3 × turn 6."""

from __future__ import annotations

from agents.llm.models.scripted import ScriptedChatModel
from tests.agents.conftest import Chat


def _prompt_chars(messages) -> int:
    return sum(len(str(m.content)) for m in messages)


async def test_prompt_at_turn_60_is_within_1_3_of_turn_6(make_service, published_product):
    product = await published_product()
    model = ScriptedChatModel(script=[])
    chat = Chat(make_service(model))
    sizes: dict[int, int] = {}
    for turn in range(1, 61):
        model.push([{"text": f"Respuesta número {turn}: sigue disponible, en buen estado."}])
        await chat.send("buyer", 2301, f"Pregunta {turn}: ¿cómo está la batería y el envío?",
                        open_ref=product.public_ref if turn == 1 else None)
        sizes[turn] = _prompt_chars(model.calls[-1])
    assert sizes[60] <= 1.3 * sizes[6], sizes
    assert sizes[60] > sizes[1]  # history is really there
