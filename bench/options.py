"""Options shared by every scenario, and the databases they run on."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass
class Options:
    quick: bool = False  # tiny sizes: the CI smoke run
    repeats: int = 5
    database: str = "sqlite"  # sqlite | postgresql URL (the rebuild scenario)
    # Scenarios with several writer processes (Celery workers) need PostgreSQL.
    postgres: str = field(default_factory=lambda: os.environ.get("SYNDICATE_BENCH_POSTGRES", DEFAULT_POSTGRES))
    workdir: Path = field(default_factory=lambda: _workdir())

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{self.workdir / name}.db"

    def database_url(self, name: str) -> str:
        """A fresh database for one scenario: a SQLite file, or a PostgreSQL schema."""
        if self.database == "sqlite":
            return self.sqlite_url(name)
        return schema_url(self.database, name)

    def postgres_url(self, name: str) -> str:
        """A fresh PostgreSQL schema on ``postgres``."""
        return schema_url(self.postgres, name)

    def drop(self, name: str) -> None:
        """Drop the PostgreSQL schema of ``name`` (big runs leave millions of rows)."""
        _admin(self.postgres, f"DROP SCHEMA IF EXISTS bench_{name} CASCADE")


def _workdir() -> Path:
    path = Path(tempfile.mkdtemp(prefix="syndicate-bench-"))
    path.chmod(0o755)  # nginx's workers (another user) serve the exported feeds from here
    return path


def _admin(url: str, *statements: str) -> None:
    from sqlalchemy import create_engine, text

    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
    finally:
        engine.dispose()


def schema_url(url: str, name: str) -> str:
    schema = f"bench_{name}"
    _admin(url, f"DROP SCHEMA IF EXISTS {schema} CASCADE", f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in url else "?"
    return f"{url}{sep}options=-csearch_path%3D{schema}"
