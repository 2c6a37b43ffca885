"""Settings and URLconfs of the three sites the login benchmark serves with gunicorn.

Every module reads its per-run values from the environment set by
``bench/login_throughput.py``: ``BENCH_DB_PATH`` (a fresh SQLite file) and, for
the two 2FA sites, ``BENCH_IPROG_BASE_URL`` (the fake IPROG server on 127.0.0.1).
"""
