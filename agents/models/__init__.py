"""Local chat models: the offline rule-based model and the scripted replay model."""

from agents.models.offline import OfflineChatModel
from agents.models.scripted import ScriptedChatModel

__all__ = ["OfflineChatModel", "ScriptedChatModel"]
