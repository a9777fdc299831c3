"""Settings and logging setup: the only layer that imports nothing of ours."""
