"""Declarative base, constraint naming convention and UTC datetime handling."""

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm.attributes import set_committed_value

#: Named constraints keep migrations stable; SQLite batch mode drops unnamed ones.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def enum_column(enum_class: type[enum.Enum], length: int = 20) -> sa.Enum:
    """An enum stored as its value in a VARCHAR, the same on SQLite and PostgreSQL."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        length=length,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utcnow() -> datetime:
    """The current time, timezone-aware in UTC (a callable for column defaults)."""
    return datetime.now(UTC)


class UTCDateTime(sa.TypeDecorator):
    """A timezone-aware datetime stored as UTC.

    SQLite has no time zones and hands back naive values; this type refuses
    naive input and always returns aware UTC datetimes, on every database.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given; use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


@sa.event.listens_for(sa.Engine, "connect")
def _sqlite_settings(dbapi_connection, connection_record):
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    cursor = dbapi_connection.cursor()
    # SQLite ignores foreign keys unless each connection asks for them.
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    if cursor.execute("PRAGMA database_list").fetchone()[2]:  # a file, not :memory:
        # Write-ahead logging: readers never wait for a writer, and a commit need
        # not fsync the whole database (one fsync blocks a gevent server entirely).
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def render_migration_item(type_, obj, autogen_context):
    """Write `UTCDateTime` columns into migrations as plain timezone-aware DateTime,
    so migration files never import application code."""
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def lock_row(session, model, pk: int) -> None:
    """Serialise writers on one row until the transaction ends.

    PostgreSQL takes a row lock with SELECT ... FOR UPDATE. SQLite has no row
    locks: a no-op UPDATE takes the database's write lock instead, so a second
    writer waits (busy timeout) rather than acting on a stale count.
    """
    primary_key = sa.inspect(model).primary_key[0]
    if session.get_bind().dialect.name == "sqlite":
        session.execute(
            sa.update(model).where(primary_key == pk).values({primary_key: primary_key})
        )
    else:
        session.execute(
            sa.select(primary_key).where(primary_key == pk).with_for_update()
        )


def lock_and_reload(session, obj) -> None:
    """`lock_row` for a loaded object, reading its columns again in the same
    statement (what another writer changed while this one waited). Its loaded
    relationships stay loaded: a refresh would drop them and load them again."""
    table = type(obj).__table__
    primary_key = next(iter(table.primary_key.columns))
    pk = getattr(obj, primary_key.key)
    if session.get_bind().dialect.name == "sqlite":
        statement = (
            sa.update(table)
            .where(primary_key == pk)
            .values({primary_key.key: primary_key})
            .returning(*table.columns)
        )
    else:
        statement = sa.select(*table.columns).where(primary_key == pk).with_for_update()
    row = session.execute(statement).one()
    for column in table.columns:
        set_committed_value(obj, column.key, row._mapping[column])


def take_write_lock(session, model) -> None:
    """SQLite: take the database's write lock now (a no-op UPDATE on `model`'s
    table), so that checks made after it see every committed write and no other
    writer slips in between the check and the insert.

    PostgreSQL needs nothing here: its unique constraints settle such races, and
    the loser's SAVEPOINT is rolled back (pysqlite cannot do that reliably).
    """
    if session.get_bind().dialect.name == "sqlite":
        primary_key = sa.inspect(model).primary_key[0]
        session.execute(
            sa.update(model).where(sa.false()).values({primary_key: primary_key})
        )
