"""The example project as the browser tests serve it: the demo's own settings,
with limits that let many test users share one server on 127.0.0.1."""

from example_project.settings import *  # noqa: F401,F403

# Every browser test comes from 127.0.0.1: the per-IP limits would count them all together.
SMS2FA_SEND_RATE_IP = "1000/h"
SMS2FA_VERIFY_RATE_IP = "1000/5m"
# Short enough to watch the countdown reach zero in a test.
SMS2FA_RESEND_COOLDOWN = 6
# A second challenge's first wrong code locks the user (the first allows 5).
SMS2FA_LOCKOUT_FAILURES = 6
