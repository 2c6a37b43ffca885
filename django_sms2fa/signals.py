"""Signals sent by django-sms2fa. Each is sent with ``sender`` set to the ``Challenge``
model class (or the user model for ``user_locked_out``).
"""

from django.dispatch import Signal

#: A code went out. Arguments: ``challenge``, ``request`` (may be None).
code_sent = Signal()

#: A code could not be sent. Arguments: ``challenge``, ``error`` (a ``SendError``),
#: ``request`` (may be None).
code_send_failed = Signal()

#: A code was verified. Arguments: ``challenge``, ``request`` (may be None).
code_verified = Signal()

#: A wrong code was entered. Arguments: ``challenge``, ``attempts_left``,
#: ``request`` (may be None).
code_failed = Signal()

#: A user has had too many wrong codes and is locked out. Arguments: ``user``,
#: ``until`` (an aware datetime), ``request`` (may be None).
user_locked_out = Signal()

#: A user confirmed their first phone. Arguments: ``user``, ``phone``, ``request``.
phone_added = Signal()

#: A user replaced their phone. Arguments: ``user``, ``phone`` (the new one),
#: ``old_phone_masked``, ``request``.
phone_changed = Signal()

#: A user's phone was removed: two-factor sign-in is off for them. Arguments:
#: ``user``, ``by_admin`` (bool), ``request`` (may be None).
phone_removed = Signal()

#: A recovery code was used. Arguments: ``user``, ``remaining``, ``request``.
recovery_code_used = Signal()

#: A new set of recovery codes replaced the old one. Arguments: ``user``, ``request``.
recovery_codes_created = Signal()

#: A browser was remembered and will skip the code. Arguments: ``user``, ``request``.
browser_remembered = Signal()

#: Any entry written to the security log (each kind above, plus sends refused by
#: a limit or the budget, rate-limit hits and alerts). Arguments: ``event`` (a
#: ``SecurityEvent``), ``request`` (may be None).
security_event = Signal()
