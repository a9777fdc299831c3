"""The language-model side: the agent factory, prompts, tools, model factory and guard, the
turn's token budget and meter, conversation memory, the listing writer, and the local models
(agents/llm/models: offline rule-based, scripted replay, double).

May import agents.domain and the loose agents modules (texts, turn_context); the tools also
call the selling services and the buyer facts (agents.conversation.buyer_facts). Never
agents.jobs.scheduled.
"""
