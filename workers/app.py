"""The Celery application. Configuration comes from syndicate's settings, lazily."""

from __future__ import annotations

from typing import Any

from celery import Celery
from celery.signals import setup_logging as celery_logging

from syndicate.settings import Settings, get_settings

QUEUES = ("ingest", "translate", "render", "deliver", "maintenance")


def task_routes() -> dict[str, dict[str, str]]:
    from syndicate.pipeline.registry import STEPS

    routes = {f"syndicate.{step}": {"queue": info.queue} for step, info in STEPS.items()}
    routes["syndicate.sweep"] = {"queue": "maintenance"}
    routes["syndicate.sitemaps"] = {"queue": "maintenance"}
    return routes


def celery_config(settings: Settings) -> dict[str, Any]:
    transport = {
        # Above the longest task and any countdown: a shorter value re-runs tasks in a loop.
        "visibility_timeout": settings.visibility_timeout,
        "socket_timeout": 10,
        "socket_connect_timeout": 5,
        "retry_on_timeout": True,
    }
    return {
        "broker_url": settings.broker_url or "memory://",
        "broker_transport_options": transport,
        # Celery's docs name three places; a value missing from one of them falls back to the 1-hour default.
        "result_backend_transport_options": {"visibility_timeout": settings.visibility_timeout},
        "visibility_timeout": settings.visibility_timeout,
        "broker_connection_retry_on_startup": True,
        "task_serializer": "json",
        "accept_content": ["json"],
        "result_serializer": "json",
        "task_ignore_result": True,  # outputs live in the database, never in a result backend
        "result_backend": None,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "worker_prefetch_multiplier": 1,
        "task_default_queue": "ingest",
        "task_routes": task_routes(),
        "task_create_missing_queues": True,
        "task_time_limit": settings.task_time_limit,
        "task_soft_time_limit": max(1.0, settings.task_time_limit - 10),
        "worker_hijack_root_logger": False,
        "worker_send_task_events": False,
        "worker_soft_shutdown_timeout": 10.0,
        "worker_max_tasks_per_child": 10_000,
        "beat_schedule": {
            "sweep": {
                "task": "syndicate.sweep",
                "schedule": settings.sweep_interval_seconds,
                "options": {"queue": "maintenance", "expires": settings.sweep_interval_seconds},
            },
            "sitemaps": {
                "task": "syndicate.sitemaps",
                "schedule": settings.sitemap_refresh_seconds,
                "options": {"queue": "maintenance", "expires": settings.sitemap_refresh_seconds},
            },
        },
        "timezone": "UTC",
    }


app = Celery("syndicate", set_as_current=False)
app.add_defaults(lambda: celery_config(get_settings()))


@celery_logging.connect
def _structured_logs(loglevel: Any = None, **_: Any) -> None:
    """Workers and beat log as the API does: JSON lines with the task's context (Celery's own setup is skipped).

    ``--loglevel`` on the command line wins over ``SYNDICATE_LOG_LEVEL``.
    """
    import logging

    from syndicate.logs import setup_logging

    settings = get_settings()
    level = logging.getLevelName(loglevel) if isinstance(loglevel, int) else (loglevel or settings.log_level)
    setup_logging(str(level), settings.log_json)


def configure(settings: Settings) -> Celery:
    """Re-read configuration (tests and the CLI change settings at run time)."""
    previous = app.conf.broker_url
    app.conf.update(celery_config(settings))
    if previous != app.conf.broker_url:
        # kombu keeps connection pools in a global registry keyed by URL: start afresh.
        from kombu import pools

        pools.reset()
        app._pool = None
        app.amqp._producer_pool = None
    return app


# Tasks register themselves on import.
import workers.tasks  # noqa: E402,F401
