"""The statements every login runs, written out in SQL.

Building a query with the ORM costs several times what the database spends
running it: on the development machine the phone lookup of a login took 0.33 ms
of CPU through the ORM and 0.06 ms as the same SQL. These few run on every
login or every signed-in request; everything else goes through the ORM.

Each one is the SQL the ORM would send, with our own quoted table and column
names formatted in and every value a bound parameter, adapted by its field as
the ORM adapts it. Rows come back as model instances through ``raw()``, which
converts each model field as the ORM does; the extra columns are converted here.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.db import DEFAULT_DB_ALIAS, connection, connections, router
from django.db.models import BooleanField, DateTimeField, Field, Model
from django.db.models.expressions import RawSQL
from django.db.models.manager import BaseManager
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from .models import Challenge, Phone, RecoveryCode, SecurityEvent, SendGate


def _q(name: str | None) -> str:
    return _quoted(connection.vendor, str(name))


@lru_cache(maxsize=1024)
def _quoted(vendor: str, name: str) -> str:
    return connection.ops.quote_name(name)


def _table(model: type[Model]) -> str:
    return _q(model._meta.db_table)


def _param(model: type[Model], name: str, value: Any) -> Any:
    """``value`` as the ORM passes it to the database for ``model.name``."""
    field = cast(Field, model._meta.get_field(name))
    target = getattr(field, "target_field", field)
    return target.get_db_prep_value(target.get_prep_value(value), connection)


def _when(value: Any) -> datetime | None:
    """A datetime read from an extra column: SQLite gives text, or a naive UTC time."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if isinstance(value, datetime) and timezone.is_naive(value):
        value = timezone.make_aware(value, connection.timezone)
    return value


class UserColumn(str):
    """Stands for the user in ``lockout_end`` and ``any_left_sql`` when the
    query names the user by a column of its own rather than by a parameter."""


def _user_ref(user: Any) -> tuple[str, tuple]:
    """The SQL for the user ``user`` (an id, or a ``UserColumn``) and its
    parameters: an id adapted as the user's primary key is (a UUID on SQLite
    is stored as hex, say)."""
    if isinstance(user, UserColumn):
        return str(user), ()
    return "%s", (_param(SecurityEvent, "user", user),)


def lockout_end(user_id: Any, now: datetime) -> RawSQL:
    """SQL for when the user's lockout ends (NULL if none holds at ``now``): one
    expression, so that a page or a code check reads the lockout inside the
    query it runs anyway, instead of in a query of its own. The same rule as
    ``lockout.locked_until``, written out because it runs on every login: building it
    with the ORM cost more CPU than the query itself."""
    user_sql, user_params = _user_ref(user_id)
    params = (*user_params, SecurityEvent.Kind.LOCKED_OUT,
              connection.ops.adapt_datetimefield_value(now), SecurityEvent.Kind.UNLOCKED)
    return RawSQL(_lockout_end_sql(connection.vendor, user_sql), params,  # noqa: S611
                  output_field=DateTimeField())


@lru_cache(maxsize=16)
def _lockout_end_sql(vendor: str, user_sql: str) -> str:
    table = _q(SecurityEvent._meta.db_table)
    until, user, kind, created = (_q(name) for name in ("until", "user_id", "kind", "created_at"))
    # Only our own quoted table and column names are formatted in; every value
    # is a bound parameter.
    return (
        f"SELECT lo.{until} FROM {table} lo WHERE lo.{user} = {user_sql} AND lo.{kind} = %s"  # noqa: S608
        f" AND lo.{until} > %s AND NOT EXISTS (SELECT 1 FROM {table} ul"
        f" WHERE ul.{user} = lo.{user} AND ul.{kind} = %s AND ul.{created} >= lo.{created})"
        f" ORDER BY lo.{until} DESC LIMIT 1"
    )


def any_left_sql(user_id: Any) -> RawSQL:
    """``recovery.remaining(user_id) > 0`` as an SQL expression, to read inside a query
    that runs anyway (the login's phone lookup)."""
    user_sql, user_params = _user_ref(user_id)
    return RawSQL(_any_left_sql(connection.vendor, user_sql), user_params,  # noqa: S611
                  output_field=BooleanField())


@lru_cache(maxsize=16)
def _any_left_sql(vendor: str, user_sql: str) -> str:
    return (f"EXISTS (SELECT 1 FROM {_q(RecoveryCode._meta.db_table)} r"  # noqa: S608
            f" WHERE r.{_q('user_id')} = {user_sql} AND r.{_q('used_at')} IS NULL)")


def _select(model: type[Model], alias: str) -> tuple[list[Field], str]:
    """The concrete fields of ``model`` and their columns as ``alias.column``."""
    return _selected(connection.vendor, model, alias)


@lru_cache(maxsize=64)
def _selected(vendor: str, model: type[Model], alias: str) -> tuple[list[Field], str]:
    fields = list(model._meta.concrete_fields)
    return fields, ", ".join(f"{alias}.{_q(f.column)}" for f in fields)


def _instance(model: type[Model], fields: list[Field], values: Sequence[Any]) -> Any:
    """An instance of ``model`` from a row read here, each value converted as
    the ORM converts it (the backend's converters, then the field's)."""
    converted = list(values)
    if len(converted) != len(fields):
        raise ValueError(f"{len(converted)} values for {len(fields)} fields of {model.__name__}")
    for index, column, converters in _converters(model):
        value = converted[index]
        for convert in converters:
            value = convert(value, column, connection)
        converted[index] = value
    return model.from_db(connection.alias, [f.attname for f in fields], converted)


def _converters(model: type[Model]) -> list[tuple[int, Any, tuple[Any, ...]]]:
    """(position, column, converters) of each concrete field of ``model`` that
    has converters on this connection; kept on the connection, whose backend
    gives them."""
    # On the thread's own connection: ``connection`` is a proxy shared by all
    # threads, and the converters are bound to the backend of one connection.
    kept = connections[DEFAULT_DB_ALIAS].__dict__.setdefault("_sms2fa_converters", {})
    found = kept.get(model)
    if found is None:
        found = []
        for index, field in enumerate(model._meta.concrete_fields):
            column = field.get_col(model._meta.db_table)
            converters = (*connection.ops.get_db_converters(column),
                          *column.get_db_converters(connection))
            if converters:
                found.append((index, column, converters))
        kept[model] = found
    return found


def _fetch_one(sql: str, params: Sequence[Any]) -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()


def users_are_plain() -> bool:
    """True if the user model reads here as the ORM reads it: one table (no
    multi-table inheritance), a default manager that filters nothing, on the
    default database, which is SQLite or PostgreSQL (what these statements are
    written and tested for). Otherwise the callers take the ORM's way."""
    users = get_user_model()
    return (
        connection.vendor in ("sqlite", "postgresql")
        and not users._meta.parents
        and type(users._default_manager).get_queryset is BaseManager.get_queryset
        and router.db_for_read(users) in (None, DEFAULT_DB_ALIAS)
    )


def user_by_natural_key(username: Any, now: datetime) -> tuple[Any, Phone | None] | None:
    """The user whose ``USERNAME_FIELD`` is ``username`` (as the default
    ``get_by_natural_key`` finds them), with their confirmed phone as
    ``confirmed_phone`` returns it, in one query; None if there is no such
    user, or more than one."""
    users = get_user_model()
    user_fields, user_columns = _select(users, "u")
    phone_fields, phone_columns = _select(Phone, "p")
    me = UserColumn(f"u.{_q(users._meta.pk.column)}")
    lock, left = lockout_end(me, now), any_left_sql(me)
    name_field = cast(Field, users._meta.get_field(users.USERNAME_FIELD))
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {user_columns}, {phone_columns}, ({lock.sql}), {left.sql}"  # noqa: S608
            f" FROM {_table(users)} u LEFT JOIN {_table(Phone)} p"
            f" ON p.{_q('user_id')} = {me} AND p.{_q('confirmed')}"
            f" WHERE u.{_q(name_field.column)} = %s",
            (*lock.params, *left.params, _param(users, users.USERNAME_FIELD, username)),
        )
        rows = cursor.fetchmany(2)
    if len(rows) != 1:
        return None
    row, split = rows[0], len(user_fields)
    user = _instance(users, user_fields, row[:split])
    phone = _phone(phone_fields, row[split:]) if row[split] is not None else None  # its id
    return user, phone


def confirmed_phone(user_id: Any, now: datetime) -> Phone | None:
    """The user's confirmed phone with ``user_locked_until`` (see
    ``lockout_end``) and ``has_recovery_codes``, or None."""
    lock, left = lockout_end(user_id, now), any_left_sql(user_id)
    fields, columns = _select(Phone, "p")
    row = _fetch_one(
        f"SELECT {columns}, ({lock.sql}), {left.sql} FROM {_table(Phone)} p"  # noqa: S608
        f" WHERE p.{_q('user_id')} = %s AND p.{_q('confirmed')} ORDER BY p.{_q('id')} LIMIT 1",
        (*lock.params, *left.params, _param(Phone, "user", user_id)),
    )
    return None if row is None else _phone(fields, row)


def _phone(fields: list[Field], row: Sequence[Any]) -> Phone:
    """A phone from its columns followed by its lockout end and recovery-code flag."""
    phone = _instance(Phone, fields, row[:len(fields)])
    phone.user_locked_until, phone.has_recovery_codes = _when(row[-2]), bool(row[-1])
    return phone


def user_with_phone_stamp(user_id: Any, stamp_attr: str) -> Any:
    """The user ``user_id`` with the pk of their confirmed phone (None for none)
    as ``stamp_attr``; None if there is no such user."""
    users = get_user_model()
    fields, columns = _select(users, "u")
    pk = _q(users._meta.pk.column)
    row = _fetch_one(
        f"SELECT {columns}, (SELECT p.{_q('id')} FROM {_table(Phone)} p"  # noqa: S608
        f" WHERE p.{_q('user_id')} = u.{pk} AND p.{_q('confirmed')})"
        f" FROM {_table(users)} u WHERE u.{pk} = %s",
        (_param(users, users._meta.pk.name, user_id),),
    )
    if row is None:
        return None
    user = _instance(users, fields, row[:len(fields)])
    setattr(user, stamp_attr, row[len(fields)])
    return user


def challenge_with_user(
    challenge_id: Any, *, user_id: Any, purpose: str, session_ref: str, now: datetime
) -> Challenge | None:
    """The challenge if it is the user's for ``purpose`` and ``session_ref``, with
    its ``user`` and ``user_locked_until`` read in the same query; else None."""
    users = get_user_model()
    lock = lockout_end(user_id, now)
    challenge_fields, challenge_columns = _select(Challenge, "c")
    user_fields, user_columns = _select(users, "u")
    row = _fetch_one(
        f"SELECT {challenge_columns}, ({lock.sql}), {user_columns}"  # noqa: S608
        f" FROM {_table(Challenge)} c INNER JOIN {_table(users)} u"
        f" ON u.{_q(users._meta.pk.column)} = c.{_q('user_id')}"
        f" WHERE c.{_q('id')} = %s AND c.{_q('user_id')} = %s AND c.{_q('purpose')} = %s"
        f" AND c.{_q('session_ref')} = %s",
        (*lock.params, _param(Challenge, "id", challenge_id), _param(Challenge, "user", user_id),
         purpose, session_ref),
    )
    if row is None:
        return None
    split = len(challenge_fields)
    challenge = _instance(Challenge, challenge_fields, row[:split])
    challenge.user_locked_until = _when(row[split])
    challenge.user = _instance(users, user_fields, row[split + 1:])
    return challenge


def send_window(phone_key: str, user_id: Any, since: datetime) -> list[tuple]:
    """The codes to ``phone_key`` or for ``user_id`` (None: that phone's only)
    created after ``since``, as (phone_key, for_this_user, to_confirmed,
    purpose, status, delivery, created_at): what ``quota`` counts its limits
    from. Whether a code is the user's is compared by the database, in the
    form it stores the id in."""
    columns = ", ".join(_q(c) for c in ("to_confirmed", "purpose", "status", "delivery",
                                        "created_at"))
    user = _q("user_id")
    if user_id is None:
        mine, scope, params = "0", f"{_q('phone_key')} = %s", [phone_key]
    else:
        adapted = _param(Challenge, "user", user_id)
        mine = f"CASE WHEN {user} = %s THEN 1 ELSE 0 END"
        scope = f"({_q('phone_key')} = %s OR {user} = %s)"
        params = [adapted, phone_key, adapted]
    params.append(_param(Challenge, "created_at", since))
    sql = (f"SELECT {_q('phone_key')}, {mine}, {columns} FROM {_table(Challenge)}"  # noqa: S608
           f" WHERE {scope} AND {_q('created_at')} > %s")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(key, bool(ours), bool(confirmed), purpose, status, delivery, _when(created))
                for key, ours, confirmed, purpose, status, delivery, created in cursor.fetchall()]


def insert(instance: Model) -> None:
    """INSERT ``instance`` (its primary key already set), every concrete field."""
    fields = list(type(instance)._meta.concrete_fields)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    sql = (f"INSERT INTO {_table(type(instance))} ({', '.join(_q(f.column) for f in fields)})"  # noqa: S608
           f" VALUES ({', '.join(['%s'] * len(fields))})")
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
    instance._state.adding = False
    instance._state.db = connection.alias


def update_challenge(pk: Any, **values: Any) -> int:
    """UPDATE the challenge ``pk`` with plain ``values``; the number of rows."""
    names = list(values)
    sets = ", ".join(f"{_q(cast(Field, Challenge._meta.get_field(n)).column)} = %s" for n in names)
    params = [_param(Challenge, n, values[n]) for n in names]
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {_table(Challenge)} SET {sets} WHERE {_q('id')} = %s",  # noqa: S608
                       [*params, _param(Challenge, "id", pk)])
        return cursor.rowcount


def touch_gate(key: str, now: datetime) -> int:
    """UPDATE the gate row ``key`` (which locks it until the transaction ends);
    the number of rows (0: there is none yet)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {_table(SendGate)} SET {_q('touched_at')} = %s WHERE {_q('key')} = %s",  # noqa: S608
            [_param(SendGate, "touched_at", now), _param(SendGate, "key", key)],
        )
        return cursor.rowcount


def claim_right_code(challenge: Challenge, now: datetime) -> int:
    """Claim the attempt of a right code: one conditional UPDATE that marks the
    challenge verified only while it is pending, unexpired, has attempts left
    and, for a user's code, no lockout holds. The number of rows (0 or 1)."""
    params: Sequence[Any] = [
        _param(Challenge, "status", Challenge.Status.VERIFIED),
        _param(Challenge, "verified_at", now),
        _param(Challenge, "id", challenge.pk),
        _param(Challenge, "status", Challenge.Status.PENDING),
        _param(Challenge, "expires_at", now),
    ]
    unlocked = ""
    if challenge.user_id is not None:
        lock = lockout_end(challenge.user_id, now)
        unlocked = f" AND ({lock.sql}) IS NULL"
        params = [*params, *lock.params]
    attempts = _q("attempts")
    sql = (
        f"UPDATE {_table(Challenge)} SET {attempts} = {attempts} + 1,"  # noqa: S608
        f" {_q('status')} = %s, {_q('verified_at')} = %s"
        f" WHERE {_q('id')} = %s AND {_q('status')} = %s AND {_q('expires_at')} > %s"
        f" AND {attempts} < {_q('max_attempts')}{unlocked}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount
