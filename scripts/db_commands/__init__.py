"""The work behind `scripts/db_manager.py` and `scripts/init_database.py`, one module per job."""
