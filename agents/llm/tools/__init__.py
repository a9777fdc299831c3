"""The agent's tools, one module per role; a role's agent is only ever given its own list."""
