"""Settings and URLconfs of the four sites the login benchmark serves with gunicorn.

``common.py`` reads the per-run values from the environment set by
``bench/login_throughput.py``: ``BENCH_DB_PATH`` (a fresh SQLite file) and
``BENCH_IPROG_BASE_URL`` (the fake IPROG server on 127.0.0.1, for the SMS sites).
"""
