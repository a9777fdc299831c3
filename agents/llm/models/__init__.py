"""Local chat models: the offline rule-based model and the scripted replay model."""

from agents.llm.models.offline import OfflineChatModel
from agents.llm.models.scripted import ScriptedChatModel

__all__ = ["OfflineChatModel", "ScriptedChatModel"]
