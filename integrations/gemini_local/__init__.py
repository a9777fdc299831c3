"""A local Gemini API double: Gemini's REST API on loopback, for tests and local runs.

Like the local Bot API server for Telegram, it lets the production client
(`ChatGoogleGenerativeAI` -> google-genai -> aiohttp) run over real HTTP with no key and no
network. Its answers come from a `Brain` (the offline model, by default); its fault modes play
what the real service does: blocked answers, empty answers, 429, 500, slow answers and
malformed function calls.
"""

from integrations.gemini_local.server import GeminiDouble, start_gemini_double
from integrations.gemini_local.wire import MODES, Brain, GeminiRequest, Reply

__all__ = ["MODES", "Brain", "GeminiDouble", "GeminiRequest", "Reply", "start_gemini_double"]
