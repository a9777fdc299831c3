"""LangChain's standard unit tests (langchain-tests) for both local chat models."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest
from langchain_core.language_models import BaseChatModel
from langchain_core.load import dumpd, load
from langchain_tests.unit_tests import ChatModelUnitTests

from agents.llm.models import OfflineChatModel, ScriptedChatModel


class LocalModelStandardSetup:
    """What both local models share: tool calling, no credentials, no serialisation."""

    @property
    def has_tool_calling(self) -> bool:
        return True

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        # A provider key in the environment must not change what a local model is.
        model_name = "offline" if self.chat_model_class is OfflineChatModel else "scripted"
        return {"GOOGLE_API_KEY": "unused"}, {}, {"model_name": model_name}

    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        raise NotImplementedError

    @pytest.fixture
    def benchmark(self) -> Callable[[Callable[[], object]], object]:
        """pytest-benchmark is disabled in this project: time one run and bound it instead."""

        def run_once(function: Callable[[], object]) -> object:
            started = time.perf_counter()
            result = function()
            assert time.perf_counter() - started < 1.0
            return result

        return run_once

    @pytest.mark.xfail(
        reason="langchain_core.load only revives classes on its own allowlist, so a project's "
        "model cannot round-trip; the local models are rebuilt from settings, never loaded",
        raises=(NotImplementedError, ValueError),
        strict=True,
    )
    @pytest.mark.filterwarnings("ignore:The function `load` is in beta")
    def test_serdes(self, model: BaseChatModel) -> None:
        """Loading a dumped local model fails (see the xfail reason)."""
        load(dumpd(model), valid_namespaces=["agents"], allowed_objects="all")


class TestOfflineChatModelStandard(LocalModelStandardSetup, ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return OfflineChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"model": "offline"}


class TestScriptedChatModelStandard(LocalModelStandardSetup, ChatModelUnitTests):
    @property
    def chat_model_class(self) -> type[BaseChatModel]:
        return ScriptedChatModel

    @property
    def chat_model_params(self) -> dict[str, Any]:
        return {"items": [{"text": "hola"}, {"tool": "make_offer", "args": {"amount": 400}}]}
