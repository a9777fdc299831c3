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
    from langchain_google_genai import (
        ChatGoogleGenerativeAI,
        HarmBlockThreshold,
        HarmCategory,
    )

    if llm.google_api_key is None:
        raise ValueError("GOOGLE_API_KEY is required for the gemini provider")
    kwargs: dict[str, Any] = {}
    if client_args:
        kwargs["client_args"] = client_args
    if llm.gemini_base_url:
        kwargs["base_url"] = llm.gemini_base_url
    # A marketplace lists knives, hunting gear and medicines: block only what is clearly harmful
    # (a block still gets the user an answer, from the offline model).
    safety = {category: HarmBlockThreshold.BLOCK_ONLY_HIGH for category in (
        HarmCategory.HARM_CATEGORY_HARASSMENT, HarmCategory.HARM_CATEGORY_HATE_SPEECH,
        HarmCategory.HARM_CATEGORY_SEXUALLY_EXPLICIT, HarmCategory.HARM_CATEGORY_DANGEROUS_CONTENT)}
    # max_retries=1 is one attempt and no SDK retry (0 would mean "Google's default", 5
    # retries): retries are ModelRetryMiddleware's, within the turn's time budget.
    return ChatGoogleGenerativeAI(
        model=llm.gemini_model, google_api_key=llm.google_api_key.get_secret_value(),
        temperature=llm.temperature, timeout=min(llm.timeout_seconds, llm.turn_budget_seconds),
        max_retries=1, thinking_budget=llm.thinking_budget, safety_settings=safety, **kwargs,
    )
