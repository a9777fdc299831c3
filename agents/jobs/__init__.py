"""The scheduled jobs: the registry and the reservation/offer/abandonment jobs (scheduled.py),
housekeeping, marketplace tokens and catalog checks, the seller digest, the marketplace
questions desk, and the notices jobs send (job_notices.py).

The top of agents: may import every other agents sub-package; none of them imports this one,
except the seller's publishing, which sends its notices through job_notices.
"""
