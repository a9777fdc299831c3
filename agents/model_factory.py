"""One factory for the chat model, chosen by settings: gemini, offline or scripted."""

from __future__ import annotations

from typing import Any

from langchain_core.language_models import BaseChatModel

from config.settings import LLMSettings


def create_chat_model(llm: LLMSettings, *, scripted: BaseChatModel | None = None,
                      client_args: dict[str, Any] | None = None) -> BaseChatModel:
    provider = llm.resolved_provider()
    if provider == "scripted":
        if scripted is None:
            from agents.models.scripted import ScriptedChatModel

            scripted = ScriptedChatModel(script=[])
        return scripted
    if provider == "gemini":
        return create_gemini(llm, client_args=client_args)
    from agents.models.offline import OfflineChatModel

    return OfflineChatModel()


def create_gemini(llm: LLMSettings, *, client_args: dict[str, Any] | None = None
                  ) -> BaseChatModel:
    from langchain_google_genai import ChatGoogleGenerativeAI

    if llm.google_api_key is None:
        raise ValueError("GOOGLE_API_KEY is required for the gemini provider")
    kwargs: dict[str, Any] = {}
    if client_args:
        kwargs["client_args"] = client_args
    # Retries are the agent middleware's job (with the offline fallback after them).
    return ChatGoogleGenerativeAI(
        model=llm.gemini_model, google_api_key=llm.google_api_key.get_secret_value(),
        temperature=llm.temperature, timeout=llm.timeout_seconds, max_retries=0, **kwargs,
    )
