"""SMS2FABackend: the password check of a login that django-sms2fa holds."""

from django.contrib.auth.backends import ModelBackend


class SMS2FABackend(ModelBackend):
    """Checks the username and password exactly like ``ModelBackend``.

    A site lists it in ``AUTHENTICATION_BACKENDS`` in place of ``ModelBackend``.
    Its path is what the session records when the second step completes the
    login, and ``manage.py check`` refuses a configuration without it.
    """
