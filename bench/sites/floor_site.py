"""Site (d): the floor of any SMS second step on this stack, for reference only.

Not a product and not secure: the password POST keeps the user's id and a code
in the session, sends one SMS to the fake IPROG server with a keep-alive
``requests`` session and answers with the code form; the code POST compares the
code and calls ``login()``. No hashing, no attempt counting, no log, no limits:
only the requests, the session writes and the gateway round trip that every
SMS login needs. Whatever a real product adds costs more than this.
"""

from .common import *  # noqa: F401,F403
from .common import BASE_APPS, MIDDLEWARE_AFTER_AUTH, MIDDLEWARE_BEFORE_AUTH

INSTALLED_APPS = BASE_APPS
MIDDLEWARE = MIDDLEWARE_BEFORE_AUTH + MIDDLEWARE_AFTER_AUTH
ROOT_URLCONF = "bench.sites.floor_urls"
LOGIN_URL = "/accounts/login/"
