"""Gate rows: a database row per key that a transaction locks to count safely.

Locking is an UPDATE of the row: a row lock until commit on PostgreSQL, the
database's write lock on SQLite. Whatever a transaction counts after taking the
gate cannot change under it, in any process on any host.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from .models import SendGate


def lock(key: str, now: datetime) -> None:
    """Lock (creating if need be) the gate row ``key`` until the transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        # A programming error; raised (not asserted) so that python -O keeps it.
        raise RuntimeError("a gate only holds inside a transaction")
    if SendGate.objects.filter(key=key).update(touched_at=now):
        return
    try:
        with transaction.atomic():
            SendGate.objects.create(key=key, touched_at=now)
    except IntegrityError:  # created meanwhile by another transaction
        SendGate.objects.filter(key=key).update(touched_at=now)
