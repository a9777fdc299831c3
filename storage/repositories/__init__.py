"""Repositories per aggregate: they take a session and never commit (the unit of work does)."""
