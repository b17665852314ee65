"""The database handle: engine, sessions, transactions and migrations."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import Engine, Select, create_engine, event, inspect
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

MIGRATIONS = Path(__file__).parent / "migrations"
_S = TypeVar("_S", bound=Select[*tuple[Any, ...]])


def normalize_url(url: str) -> str:
    """Use psycopg 3 for plain ``postgresql://`` URLs."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def locked(statement: _S, *, skip_locked: bool = False) -> _S:
    """``SELECT ... FOR UPDATE`` whose rows replace any copy already in the session.

    Without ``populate_existing`` SQLAlchemy keeps the attributes of an object
    it loaded earlier in the transaction: the lock is taken, but the code reads
    the stale copy and misses what another transaction committed meanwhile (a
    correction, a withdrawal). Every locking read goes through here.

    On PostgreSQL the lock is ``FOR NO KEY UPDATE``: lockers still exclude each
    other, but a foreign-key check on the row (a translation job or delivery
    inserted for a locked article) does not wait on it, which would otherwise
    tie a batch's article locks and a worker's feed locks into a deadlock.
    """
    return statement.with_for_update(skip_locked=skip_locked, key_share=True).execution_options(populate_existing=True)


class Database:
    """An engine plus a session factory for one database URL."""

    def __init__(self, url: str, **engine_kwargs: Any):
        self.url = normalize_url(url)
        parsed = make_url(self.url)
        self.dialect = parsed.get_backend_name()
        kwargs: dict[str, Any] = {"future": True, **engine_kwargs}
        if self.dialect == "sqlite":
            kwargs.setdefault("connect_args", {"check_same_thread": False, "timeout": 30})
            if parsed.database:
                Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        else:
            kwargs.setdefault("pool_pre_ping", True)
            kwargs.setdefault("pool_size", 5)
        self.engine: Engine = create_engine(self.url, **kwargs)
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            # SQLite has one writer: BEGIN IMMEDIATE takes the write lock up front,
            # so two writers queue on busy_timeout instead of failing on upgrade.
            event.listen(self.engine, "begin", lambda conn: conn.exec_driver_sql("BEGIN IMMEDIATE"))
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session in one transaction: committed on success, rolled back on error."""
        with self.sessions() as session, session.begin():
            yield session

    def read(self) -> Session:
        return self.sessions()

    def upgrade(self) -> None:
        """Apply Alembic migrations up to head."""
        from alembic import command

        command.upgrade(alembic_config(self.url, self.engine), "head")

    def has_schema(self) -> bool:
        return inspect(self.engine).has_table("alembic_version")

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # Autocommit at the driver level so SQLAlchemy's "begin" event controls transactions.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def alembic_config(url: str, engine: Engine | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    if engine is not None:
        cfg.attributes["engine"] = engine
    return cfg


_lock = threading.Lock()
_databases: dict[str, Database] = {}


def get_database(url: str | None = None, *, migrate: bool = True) -> Database:
    """The process-wide database for ``url`` (default: settings), migrated on first use."""
    from syndicate.settings import get_settings

    url = normalize_url(url or get_settings().database_url)
    with _lock:
        db = _databases.get(url)
        if db is None:
            db = Database(url)
            if migrate:
                db.upgrade()
            _databases[url] = db
        return db


def forget_databases() -> None:
    """Dispose every cached engine (tests, forked workers)."""
    with _lock:
        for db in _databases.values():
            db.dispose()
        _databases.clear()
