"""aiogram middlewares: update context (outer), throttling, actor role, database session."""
