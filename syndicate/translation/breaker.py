"""Circuit breaker per backend, kept in the database so every worker sees the same state.

After ``threshold`` failed requests in a row a backend is switched off for
``cooldown`` seconds: chains skip it. Once the cool-down has passed the next
request is a trial (half-open): success closes the circuit, failure re-opens it.

Between the first failure and the threshold, a failing backend takes one job
at a time (:func:`admit` hands out a probe lease): the other jobs wait in the
outbox instead of each holding a worker until its own time-out, so a hanging
provider cannot occupy every worker and stall the languages it does not serve.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from syndicate.storage.db import locked
from syndicate.storage.types import utcnow
from syndicate.translation.tables import BackendHealth


@dataclass(frozen=True)
class Health:
    name: str
    state: str  # closed | open | half-open
    consecutive_failures: int
    open_until: datetime | None
    last_error: str | None
    last_failure_at: datetime | None
    last_success_at: datetime | None
    calls: int
    failures: int


def _row(session: Session, name: str) -> BackendHealth:
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(
        insert(BackendHealth)
        .values(name=name, consecutive_failures=0, calls=0, failures=0)
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.scalars(locked(select(BackendHealth).where(BackendHealth.name == name))).one()


def state_of(row: BackendHealth | None, now: datetime) -> str:
    if row is None or row.open_until is None:
        return "closed"
    return "open" if row.open_until > now else "half-open"


def open_for(session: Session, name: str, now: datetime | None = None) -> float | None:
    """Seconds until a switched-off backend may be tried again; None when it may be used now."""
    now = now or utcnow()
    row = session.get(BackendHealth, name)
    if row is None or state_of(row, now) != "open":
        return None
    assert row.open_until is not None
    return (row.open_until - now).total_seconds()


def admit(session: Session, name: str, lease: float, now: datetime | None = None) -> float | None:
    """May a job call the backend now? None: yes; else seconds to wait.

    A healthy backend admits everyone without a write. A failing one admits a
    single probe until it answers or ``lease`` seconds pass (a killed worker).
    """
    now = now or utcnow()
    row = session.get(BackendHealth, name)
    if row is None or (row.consecutive_failures == 0 and row.open_until is None):
        return None
    row = _row(session, name)  # locked: two jobs must not both become the probe
    if state_of(row, now) == "open":
        assert row.open_until is not None
        return (row.open_until - now).total_seconds()
    if row.consecutive_failures == 0 and row.open_until is None:
        return None
    if row.probe_until is not None and row.probe_until > now:
        return (row.probe_until - now).total_seconds()
    row.probe_until = now + timedelta(seconds=lease)
    return None


def record_success(session: Session, name: str, now: datetime | None = None) -> None:
    row = _row(session, name)
    row.calls += 1
    row.consecutive_failures = 0
    row.open_until = None
    row.probe_until = None
    row.last_success_at = now or utcnow()


def record_failure(
    session: Session,
    name: str,
    error: str,
    *,
    threshold: int,
    cooldown: float,
    rest: float = 0.0,
    now: datetime | None = None,
) -> bool:
    """Count a failed request; returns True when this failure switched the backend off.

    ``rest``: the first pause before the next probe; it doubles with each failure in a row
    (never longer than ``cooldown``), so a failing backend is tried less and less often.
    """
    now = now or utcnow()
    row = _row(session, name)
    was = state_of(row, now)
    row.calls += 1
    row.failures += 1
    row.consecutive_failures += 1
    row.last_error = error[:2000]
    row.last_failure_at = now
    pause = min(cooldown, rest * 2 ** (row.consecutive_failures - 1))
    row.probe_until = now + timedelta(seconds=pause) if pause > 0 else None
    # A failed trial re-opens at once; a closed circuit opens at the threshold.
    if was == "half-open" or row.consecutive_failures >= threshold:
        row.open_until = now + timedelta(seconds=cooldown)
        return was != "open"
    return False


def reset(session: Session, name: str) -> None:
    row = _row(session, name)
    row.consecutive_failures, row.open_until, row.probe_until = 0, None, None


def health(session: Session, names: list[str], now: datetime | None = None) -> list[Health]:
    now = now or utcnow()
    rows = {r.name: r for r in session.scalars(select(BackendHealth).where(BackendHealth.name.in_(names)))}
    out = []
    for name in names:
        row = rows.get(name)
        out.append(
            Health(
                name=name,
                state=state_of(row, now),
                consecutive_failures=row.consecutive_failures if row else 0,
                open_until=row.open_until if row else None,
                last_error=row.last_error if row else None,
                last_failure_at=row.last_failure_at if row else None,
                last_success_at=row.last_success_at if row else None,
                calls=row.calls if row else 0,
                failures=row.failures if row else 0,
            )
        )
    return out
