"""Settings of the scheduled jobs."""

from __future__ import annotations

from typing import ClassVar

from pydantic import Field

from config.settings.base import ConcernSettings, env_config


class SchedulerSettings(ConcernSettings):
    """Intervals of the scheduled jobs, in minutes."""

    model_config = env_config("SCHEDULER_")
    yaml_section: ClassVar[str] = "scheduler"

    enabled: bool = True
    token_refresh_minutes: int = Field(default=15, ge=1)
    publication_sync_minutes: int = Field(default=30, ge=1)
    expiry_minutes: int = Field(default=5, ge=1)
    abandon_after_hours: int = Field(default=48, ge=1)
    session_cleanup_days: int = Field(default=7, ge=1)
    archive_after_days: int = Field(default=30, ge=1)
    digest_hour: int = Field(default=9, ge=0, le=23)
    question_poll_minutes: int = Field(default=10, ge=1)
    trust_score_minutes: int = Field(default=60, ge=1)
    maintenance_hour: int = Field(default=3, ge=0, le=23)
