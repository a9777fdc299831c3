"""The language-model side: the agent factory, prompts, tools, model factory and guard, the
turn's token budget and meter, conversation memory, the listing writer, and the local models
(agents/llm/models: offline rule-based, scripted replay, double).

May import agents.domain, the loose agents modules (texts, turn_context) and the selling
services the tools call; never agents.conversation or agents.jobs.scheduled.
"""
