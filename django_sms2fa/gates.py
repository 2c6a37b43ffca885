"""Gate rows: a database row per key that a transaction locks to count safely.

Locking is an UPDATE of the row: a row lock until commit on PostgreSQL, the
database's write lock on SQLite (where a transaction begun IMMEDIATE holds that
lock from its start, and needs no row). Whatever a transaction counts after taking the
gate cannot change under it, in any process on any host.
"""

from __future__ import annotations

from datetime import datetime

from django.db import IntegrityError, transaction

from . import statements
from .models import SendGate


def lock(key: str, now: datetime) -> None:
    """Lock the gate ``key`` until the transaction ends: its row (created if need
    be), unless the transaction already holds the whole database's write lock."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        # A programming error; raised (not asserted) so that python -O keeps it.
        raise RuntimeError("a gate only holds inside a transaction")
    if (connection.vendor == "sqlite" and connection.commit_on_exit
            and getattr(connection, "transaction_mode", None) in ("IMMEDIATE", "EXCLUSIVE")):
        # SQLite took the write lock at BEGIN (the mode Django documents for
        # concurrent use), when atomic() began the transaction itself: no other
        # transaction can count until this one ends, so the row would only cost
        # a write. (Under set_autocommit(False) the BEGIN is deferred.)
        return
    if statements.touch_gate(key, now):  # every send takes a gate: SQL, not the ORM
        return
    try:
        with transaction.atomic():
            SendGate.objects.create(key=key, touched_at=now)
    except IntegrityError:  # created meanwhile by another transaction
        SendGate.objects.filter(key=key).update(touched_at=now)
