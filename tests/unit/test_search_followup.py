"""Which search result a buyer names: one title word in the message, and no other result's."""

from __future__ import annotations

import pytest

from agents.search_followup import named_result

RESULTS = [("Ver Cámara Canon EOS 250D con objetivo", "p_canon"),
           ("Ver Cámara Nikon D3500", "p_nikon"),
           ("Open IKEA Billy bookcase in birch", "p_billy")]


@pytest.mark.parametrize(("text", "payload"), [
    ("me interesa la canon", "p_canon"),
    ("¿la NIKON sigue?", "p_nikon"),
    ("quiero ver la canon", "p_canon"),
    ("the billy one looks nice", "p_billy"),
    ("me interesa la cámara", None),  # two results are cameras: no one in particular
    ("hola", None),
    ("", None),
])
def test_a_result_is_named_by_a_word_of_its_own(text: str, payload: str | None) -> None:
    assert named_result(text, RESULTS) == payload
