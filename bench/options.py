"""Options shared by every scenario."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Options:
    quick: bool = False  # tiny sizes: the CI smoke run
    repeats: int = 5
    database: str = "sqlite"  # sqlite | postgresql URL
    workdir: Path = field(default_factory=lambda: Path(tempfile.mkdtemp(prefix="syndicate-bench-")))

    def sqlite_url(self, name: str) -> str:
        return f"sqlite:///{self.workdir / name}.db"

    def database_url(self, name: str) -> str:
        """A fresh database for one scenario: a SQLite file, or a PostgreSQL schema."""
        if self.database == "sqlite":
            return self.sqlite_url(name)
        from sqlalchemy import create_engine, text

        schema = f"bench_{name}"
        engine = create_engine(self.database, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
            conn.execute(text(f"CREATE SCHEMA {schema}"))
        engine.dispose()
        sep = "&" if "?" in self.database else "?"
        return f"{self.database}{sep}options=-csearch_path%3D{schema}"
