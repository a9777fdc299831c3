"""Plain domain rules: intents, categories, price reading, product matching, listing quality,
negotiation policy, fraud signals and policy, conversation states.

Pure functions and dataclasses only: no framework import (no SQLAlchemy, LangChain, aiogram)
and nothing from the other agents sub-packages; they build on this one, never the reverse.
"""
