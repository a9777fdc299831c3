"""One conversation turn, end to end: the service that runs it in short transactions, the
turn's actions and finish, the buttons, the outbound guard, the outbox, and the facts a turn
reads (buyer facts, seller context, fraud chat, seller answers, search follow-ups).

May import agents.domain, agents.llm, agents.selling.products and the loose agents modules; the jobs
import it, never the reverse.
"""
