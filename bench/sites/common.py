"""Settings shared by all four benchmark sites.

Production-ish: DEBUG off, Django's default (PBKDF2) password hasher, database
sessions, the default middleware of ``startproject``. The database is a fresh
SQLite file per run (with the WAL/IMMEDIATE options Django 5.1+ documents for
concurrent use) or, with ``--db postgres``, a fresh database on the local
PostgreSQL server. Deliberate deviations, the same for every site: a
per-process LocMemCache instead of Redis/Memcached, and plain HTTP on 127.0.0.1
(so no HTTPS-only cookie settings).
"""

import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))

SECRET_KEY = os.environ.get("BENCH_SECRET_KEY", "bench-only-not-secret-" + "x" * 40)
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
USE_TZ = True
TIME_ZONE = "UTC"
USE_I18N = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
WSGI_APPLICATION = "bench.sites.wsgi.application"

# The fake IPROG server that every SMS site sends to (set per run by the script).
BENCH_IPROG_BASE_URL = os.environ.get("BENCH_IPROG_BASE_URL", "http://127.0.0.1:9/api/v1")
BENCH_IPROG_API_TOKEN = "bench-token"

BASE_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
]

MIDDLEWARE_BEFORE_AUTH = [
    # Inert unless the script's probe logins ask for it (see probe.py).
    "bench.sites.probe.SQLProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
]
MIDDLEWARE_AFTER_AUTH = [
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [os.path.join(BASE_DIR, "templates")],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ]
        },
    }
]

if os.environ.get("BENCH_DB") == "postgres":
    # The local server (trust auth); the script creates a fresh database per run
    # and drops it afterwards.
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": os.environ["BENCH_DB_NAME"],
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "5432",
        }
    }
else:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": os.environ.get("BENCH_DB_PATH", os.path.join(BASE_DIR, "unset.sqlite3")),
            "OPTIONS": {
                "transaction_mode": "IMMEDIATE",
                "timeout": 20,
                "init_command": (
                    "PRAGMA journal_mode=WAL;"
                    "PRAGMA synchronous=NORMAL;"
                    "PRAGMA mmap_size=134217728;"
                    "PRAGMA journal_size_limit=27103364;"
                    "PRAGMA cache_size=2000;"
                ),
            },
        }
    }
# Persistent connections, as a production site would configure them.
CONN_MAX_AGE = 600
DATABASES["default"]["CONN_MAX_AGE"] = CONN_MAX_AGE

CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# PASSWORD_HASHERS is deliberately not set: Django's default, PBKDF2-SHA256.

STATIC_URL = "/static/"
LOGIN_REDIRECT_URL = "/home/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"stderr": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["stderr"], "level": "WARNING"},
}

# Diagnostic only (``--fast-hasher``): MD5 instead of PBKDF2, to show what the
# second step itself costs once the password hash no longer dominates a login.
if os.environ.get("BENCH_FAST_HASHER") == "1":
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
