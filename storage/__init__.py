"""Persistence: SQLAlchemy models and repositories, Redis helpers, the embedded servers."""
