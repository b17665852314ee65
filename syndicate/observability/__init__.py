"""What the service is doing and what is stuck: backlog snapshots, Prometheus metrics, readiness.

Everything here reads the database (the source of truth) and, through a
function handed in by the caller, the broker's queue depths; no module here
imports Celery or Redis.
"""
