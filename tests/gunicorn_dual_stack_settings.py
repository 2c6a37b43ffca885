"""``tests.gunicorn_settings`` for a server on a dual-stack socket, no proxy in
front: the client address is ``REMOTE_ADDR`` as the socket gives it, and the
per-IP limits on code checks and sends are small enough for a test to reach."""

from tests.gunicorn_settings import *  # noqa: F401,F403

SMS2FA_TRUSTED_PROXY_COUNT = 0
SMS2FA_VERIFY_RATE_IP = "5/5m"
SMS2FA_VERIFY_RATE_USER = "10000/m"
SMS2FA_SEND_RATE_IP = "3/h"
