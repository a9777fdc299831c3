"""Every Redis key the service uses, built in one place so no module formats keys by hand.

All keys start with the configured prefix (`RedisSettings.key_prefix`, `marketbot:` by default),
so several deployments or test runs can share one server and a prefix scan finds everything ours.
"""

from __future__ import annotations

from dataclasses import dataclass

# Both rate-limit keys of one check live in the same hash slot (the `{rl}` tag) because the limiter
# touches them in a single script, which Redis Cluster only allows within one slot.
_RATE_LIMIT_TAG = "{rl}"


@dataclass(frozen=True)
class KeySpace:
    """Key builder for one prefix; a prefix without a trailing `:` gets one."""

    prefix: str

    def __post_init__(self) -> None:
        if self.prefix and not self.prefix.endswith(":"):
            object.__setattr__(self, "prefix", self.prefix + ":")

    def rate_limit_actor(self, actor_id: str | int) -> str:
        """Sliding window (sorted set) of one actor's recent hits."""
        return f"{self.prefix}ratelimit:{_RATE_LIMIT_TAG}:actor:{actor_id}"

    def rate_limit_global(self) -> str:
        """Sliding window (sorted set) of every actor's recent hits together."""
        return f"{self.prefix}ratelimit:{_RATE_LIMIT_TAG}:global"

    def conversation_lock(self, conversation_key: str | int) -> str:
        """Lock that keeps one conversation's updates in order across workers."""
        return f"{self.prefix}lock:conversation:{conversation_key}"

    def job_lock(self, job_name: str) -> str:
        """Lock that lets one worker run a scheduled job at a time."""
        return f"{self.prefix}lock:job:{job_name}"

    def job_last_run(self, job_name: str) -> str:
        """When a scheduled job last ran to the end (ISO time), whichever worker ran it."""
        return f"{self.prefix}job:last_run:{job_name}"

    @property
    def fsm_prefix(self) -> str:
        """Prefix for aiogram's `DefaultKeyBuilder(prefix=...)`, which adds its own separator."""
        return f"{self.prefix}fsm"

    def oauth_state(self, marketplace: str, state: str) -> str:
        """A pending OAuth authorization (state → seller and PKCE verifier)."""
        return f"{self.prefix}oauth:{marketplace}:{state}"

    def product_card(self, product_id: str | int, language: str) -> str:
        """Cached rendered product card in one language."""
        return f"{self.prefix}card:{product_id}:{language}"

    def processed_update(self, channel: str, update_id: str | int) -> str:
        """Marker that an incoming update was already handled (dedupe of redeliveries)."""
        return f"{self.prefix}update:{channel}:{update_id}"

    def pattern(self) -> str:
        """Glob matching every key of this prefix (for SCAN)."""
        return f"{self.prefix}*"
